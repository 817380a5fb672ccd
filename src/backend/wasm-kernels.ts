/**
 * Faster replacements for tfjs-backend-wasm kernels that are slow on the paths the engine uses.
 *
 * Slice: the stock wasm kernel calls `backend.readSync(x)`, which copies the *whole* input out of the
 * wasm heap before copying the slice (tfjs 4.22, backend_wasm.ts). Attention splits a [B*H*T, hd]
 * tensor into B*H blocks, so that was 64 full copies per split (~30 ms measured for 64 blocks of a
 * 1 MB tensor). This version reads the input through a heap view and copies only the slice.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

function sliceViaHeapView(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  const backend = args.backend as WasmBackendLike;
  const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
  const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  const out = backend.makeOutput(size_, x.dtype);
  const outVals = backend.typedArrayFromHeap(out);
  // Read the input view *after* allocating the output: allocation may grow (and so move) the heap.
  const xVals = backend.typedArrayFromHeap(x);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin_, size_)) {
    const offset = tf.slice_util.computeFlatOffset(begin_, strides);
    outVals.set(xVals.subarray(offset, offset + tf.util.sizeFromShape(size_)));
    return out;
  }
  // General case: copy contiguous runs along the last axis. Rows are enumerated with an odometer over
  // the leading axes; `strides` are the input's element strides.
  const inner = size_[rank - 1];
  const rows = tf.util.sizeFromShape(size_.slice(0, rank - 1));
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let off = begin_[rank - 1];
    for (let a = 0; a < rank - 1; a++) off += (begin_[a] + idx[a]) * strides[a];
    outVals.set(xVals.subarray(off, off + inner), o);
    o += inner;
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a] < size_[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

let installed = false;

/** Swap in the faster kernels. Call once after the wasm backend is registered, before it runs ops. */
export function installWasmKernels(): void {
  if (installed) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc: sliceViaHeapView as unknown as tf.KernelFunc });
  installed = true;
}

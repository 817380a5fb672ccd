/**
 * Small tensor helpers shared by the forward and backward passes. Each exists because the obvious tfjs
 * call is slow on the wasm backend (measured on tfjs 4.22, 2-core x86):
 * - reductions over the leading axis (`tf.sum(x, 0)`) transpose first: a ones-row matmul is ~20x faster;
 * - matMul with transposeA/B is 10-15x slower than transposing first and multiplying plain.
 * On the native `tensorflow` backend the opposite holds (`thinktune bench --profile`, docs/engine.md):
 * every tfjs op costs ~0.1 ms of dispatch there, so the per-head loops of small matmuls and slices
 * cost more than the maths, and TensorFlow's own transposed and batched matmuls are fast. `opPaths`
 * says which path the forward and backward passes take; both compute the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface OpPaths {
  /** 'flags': tf.matMul's transpose flags; 'explicit': a transpose, then a plain matmul. */
  transposedMatmul: 'flags' | 'explicit';
  /** 'batched': one batched matmul over all heads; 'loop': a loop of 2-D matmuls per head. */
  attention: 'batched' | 'loop';
}

let forced: Partial<OpPaths> = {};

/** The paths for the active backend: flags and batched on tensorflow, explicit and loop elsewhere. */
export function opPaths(): OpPaths {
  const native = tf.getBackend() === 'tensorflow';
  return { transposedMatmul: native ? 'flags' : 'explicit', attention: native ? 'batched' : 'loop', ...forced };
}

/** Force paths regardless of the backend (tests compare them on one backend); {} restores the default. */
export function forceOpPaths(p: Partial<OpPaths>): void {
  forced = { ...p };
}

/** Column sums of x [N, d] -> [d], as ones[1,N] @ x. */
export function colSum(x: tf.Tensor2D): tf.Tensor1D {
  const [n, d] = x.shape;
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, n]), x), [d]));
}

/** x^T for a 2-D tensor, so the following matMul can be plain. */
export function t2d(x: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(x, [1, 0]);
}

/** a @ b^T (on wasm as a plain matmul on an explicit transpose; see module comment). */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return opPaths().transposedMatmul === 'flags' ? tf.matMul(a, b, false, true) : tf.matMul(a, t2d(b));
}

/** a^T @ b (on wasm as a plain matmul on an explicit transpose). */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return opPaths().transposedMatmul === 'flags' ? tf.matMul(a, b, true, false) : tf.matMul(t2d(a), b);
}

/**
 * Key-value blocks [B*Hkv, T, hd] repeated for the H / Hkv query heads they serve -> [B*H, T, hd]
 * (grouped-query attention; the same tensor when H = Hkv). Block b*H + h serves query head h of row b.
 */
export function repeatKv(x: tf.Tensor3D, B: number, H: number, Hkv: number): tf.Tensor3D {
  if (H === Hkv) return x;
  const [, T, hd] = x.shape;
  const g = H / Hkv;
  return tf.reshape(tf.tile(tf.reshape(x, [B * Hkv, 1, T * hd]), [1, g, 1]), [B * H, T, hd]);
}

/** The gradient of repeatKv: sums the H / Hkv query heads' blocks back onto their kv block. */
export function sumRepeatedKv(dx: tf.Tensor3D, B: number, H: number, Hkv: number): tf.Tensor3D {
  if (H === Hkv) return dx;
  const [, T, hd] = dx.shape;
  return tf.reshape(tf.sum(tf.reshape(dx, [B * Hkv, H / Hkv, T * hd]), 1), [B * Hkv, T, hd]);
}

/**
 * Split x [n*rows, cols] into n contiguous blocks of [rows, cols] with plain slices (tf.split / unstack
 * on wasm go through a kernel that copies the whole input once per block).
 */
export function rowBlocks(x: tf.Tensor2D, n: number): tf.Tensor2D[] {
  const rows = x.shape[0] / n;
  const cols = x.shape[1];
  const out: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i++) out.push(tf.slice(x, [i * rows, 0], [rows, cols]));
  return out;
}

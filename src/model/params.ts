/**
 * Model parameters: HF tensor names, tfjs variables.
 *
 * Linear weights are kept as [in, out] (the transpose of HF's [out, in]) so every forward matmul is a
 * plain `x @ W` — on the wasm backend a matMul with transposeB is 10-15x slower than a plain one.
 * The transpose happens once at load and once at save.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';
import { hfTensorShapes } from './checkpoint.js';

export type Params = Record<string, tf.Variable>;
export type Grads = Record<string, tf.Tensor>;

/** A host-side tensor in HF layout (what checkpoints hold). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** True for weights HF stores as [out, in] and we store as [in, out]. */
export function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight') || name === 'lm_head.weight';
}

/** Parameter names and shapes in *our* layout (HF's, with linear weights transposed), in a fixed order. */
export function paramShapes(c: ModelConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [name, shape] of hfTensorShapes(c)) shapes.set(name, isLinearWeight(name) ? [shape[1], shape[0]] : shape);
  return shapes;
}

/**
 * Fresh parameters: N(0, 0.02) for matrices (GPT-2 / Llama init), residual-output projections scaled by
 * 1/sqrt(2 * layers) so the residual stream does not grow with depth; norms 1, biases 0.
 */
export function initParams(c: ModelConfig, seed: number): Params {
  const params: Params = {};
  let s = seed;
  for (const [name, shape] of paramShapes(c)) {
    let init: tf.Tensor;
    if (name.endsWith('norm.weight')) init = tf.ones(shape);
    else if (name.endsWith('.bias')) init = tf.zeros(shape);
    else {
      const residualOut = name.endsWith('o_proj.weight') || name.endsWith('down_proj.weight');
      const std = residualOut ? 0.02 / Math.sqrt(2 * c.num_hidden_layers) : 0.02;
      init = tf.randomNormal(shape, 0, std, 'float32', s++);
    }
    params[name] = tf.variable(init, true);
    init.dispose();
  }
  return params;
}

function transposeHost(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[base + c];
  }
  return { shape: [cols, rows], data: out };
}

/** Build variables from HF-layout host tensors (shapes already checked by the checkpoint loader). */
export function paramsFromHf(c: ModelConfig, tensors: Map<string, HostTensor>): Params {
  const params: Params = {};
  for (const [name, shape] of paramShapes(c)) {
    const hf = tensors.get(name);
    if (!hf) throw new Error(`missing tensor '${name}' — the checkpoint does not match config.json`);
    const ours = isLinearWeight(name) ? transposeHost(hf) : hf;
    if (ours.shape.join(',') !== shape.join(',')) {
      throw new Error(`tensor '${name}' has shape [${hf.shape}] but config.json implies [${isLinearWeight(name) ? [shape[1], shape[0]] : shape}]`);
    }
    const init = tf.tensor(ours.data, shape, 'float32');
    params[name] = tf.variable(init, true);
    init.dispose(); // the variable holds its own reference to the data
  }
  return params;
}

/** Read variables back to HF-layout host tensors, in paramShapes order. */
export function paramsToHf(c: ModelConfig, params: Params): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of paramShapes(c)) {
    const t: HostTensor = { shape, data: params[name].dataSync() as Float32Array };
    out.set(name, isLinearWeight(name) ? transposeHost(t) : { shape, data: Float32Array.from(t.data) });
  }
  return out;
}

export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}

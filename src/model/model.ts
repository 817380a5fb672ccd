/**
 * A Llama / Qwen2 decoder on TensorFlow.js: configuration, parameters and the per-shape constants
 * (rotation matrix, causal masks, rope tables) the forward and backward passes share.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';
import { disposeParams, initParams, type Params } from './params.js';
import { ropeInvFreq, rotateHalfMatrix, ropeTables } from './rope.js';

export const MASK_NEG = -1e9;

export class CausalLM {
  readonly config: ModelConfig;
  params: Params;
  /** rotate_half as a matrix [hd, hd] (see rope.ts). */
  readonly rotate: tf.Tensor2D;
  /** Rope inverse frequencies [hd/2] of config.rope, computed once as transformers does (see rope.ts). */
  readonly invFreq: Float32Array;
  /** Host-side constants per shape (small; tensors are made from them per call). */
  private readonly positionCache = new Map<string, Int32Array>();
  private readonly maskCache = new Map<number, Float32Array>();

  constructor(config: ModelConfig, params: Params) {
    this.config = config;
    this.params = params;
    this.rotate = tf.keep(rotateHalfMatrix(config.head_dim));
    this.invFreq = ropeInvFreq(config.rope, config.head_dim);
  }

  static init(config: ModelConfig, seed = 0): CausalLM {
    return new CausalLM(config, initParams(config, seed));
  }

  /** Linear weights: [in, out]. */
  w(name: string): tf.Variable {
    const v = this.params[name];
    if (!v) throw new Error(`model has no parameter '${name}'`);
    return v;
  }

  /**
   * Rope tables for the default positions 0..T-1 repeated over B sequences, tiled to rows (b, t, head);
   * q's tables carry the 1/sqrt(hd) attention scale. New tensors each call (the caller disposes them):
   * shapes change every RL step, so caching tensors would grow memory; the host arrays are cached.
   */
  ropeForShape(B: number, T: number) {
    let positions = this.positionCache.get(`${B}x${T}`);
    if (!positions) {
      positions = new Int32Array(B * T);
      for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) positions[b * T + i] = i;
      if (this.positionCache.size >= 4) this.positionCache.clear();
      this.positionCache.set(`${B}x${T}`, positions);
    }
    return this.ropeForPositions(positions);
  }

  /** Rope tables for explicit positions [N] (generation with left padding). The caller disposes them. */
  ropeForPositions(positions: ArrayLike<number>) {
    const c = this.config;
    const q = ropeTables(positions, c.num_attention_heads, this.invFreq, 1 / Math.sqrt(c.head_dim));
    const k = ropeTables(positions, c.num_key_value_heads, this.invFreq);
    return { cosQ: q.cos, sinQ: q.sin, cosK: k.cos, sinK: k.sin };
  }

  /** Additive causal mask [T, T]: 0 on and below the diagonal, MASK_NEG above. A new tensor each call. */
  causalMask(T: number): tf.Tensor2D {
    let data = this.maskCache.get(T);
    if (!data) {
      data = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = MASK_NEG;
      if (this.maskCache.size >= 4) this.maskCache.clear();
      this.maskCache.set(T, data);
    }
    return tf.tensor2d(data, [T, T]);
  }

  clearCaches(): void {
    this.positionCache.clear();
    this.maskCache.clear();
  }

  dispose(): void {
    this.clearCaches();
    this.rotate.dispose();
    disposeParams(this.params);
  }
}

/**
 * A Llama / Qwen2 decoder on TensorFlow.js: configuration, parameters and the per-shape constants
 * (rotation matrix, causal masks, rope tables) the forward and backward passes share.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config.js';
import { disposeParams, initParams, type Params } from './params.js';
import { rotateHalfMatrix, ropeTables } from './rope.js';

export const MASK_NEG = -1e9;

export class CausalLM {
  readonly config: ModelConfig;
  params: Params;
  /** rotate_half as a matrix [hd, hd] (see rope.ts). */
  readonly rotate: tf.Tensor2D;
  private readonly tableCache = new Map<string, { cosQ: tf.Tensor2D; sinQ: tf.Tensor2D; cosK: tf.Tensor2D; sinK: tf.Tensor2D }>();
  private readonly maskCache = new Map<number, tf.Tensor2D>();

  constructor(config: ModelConfig, params: Params) {
    this.config = config;
    this.params = params;
    this.rotate = tf.keep(rotateHalfMatrix(config.head_dim));
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
   * q's tables carry the 1/sqrt(hd) attention scale. Cached per (B, T): training reuses few shapes.
   */
  ropeForShape(B: number, T: number) {
    const key = `${B}x${T}`;
    let t = this.tableCache.get(key);
    if (!t) {
      const positions = new Int32Array(B * T);
      for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) positions[b * T + i] = i;
      t = this.ropeForPositions(positions);
      tf.keep(t.cosQ); tf.keep(t.sinQ); tf.keep(t.cosK); tf.keep(t.sinK);
      if (this.tableCache.size >= 8) this.clearCaches();
      this.tableCache.set(key, t);
    }
    return t;
  }

  /** Rope tables for explicit positions [N] (generation with left padding, decode steps). Not cached. */
  ropeForPositions(positions: ArrayLike<number>) {
    const c = this.config;
    const q = ropeTables(positions, c.num_attention_heads, c.head_dim, c.rope_theta, 1 / Math.sqrt(c.head_dim));
    const k = ropeTables(positions, c.num_key_value_heads, c.head_dim, c.rope_theta);
    return { cosQ: q.cos, sinQ: q.sin, cosK: k.cos, sinK: k.sin };
  }

  /** Additive causal mask [T, T]: 0 on and below the diagonal, MASK_NEG above. Cached per T. */
  causalMask(T: number): tf.Tensor2D {
    let m = this.maskCache.get(T);
    if (!m) {
      const data = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = MASK_NEG;
      m = tf.keep(tf.tensor2d(data, [T, T]));
      this.maskCache.set(T, m);
    }
    return m;
  }

  clearCaches(): void {
    for (const t of this.tableCache.values()) tf.dispose([t.cosQ, t.sinQ, t.cosK, t.sinK]);
    this.tableCache.clear();
    for (const m of this.maskCache.values()) m.dispose();
    this.maskCache.clear();
  }

  dispose(): void {
    this.clearCaches();
    this.rotate.dispose();
    disposeParams(this.params);
  }
}

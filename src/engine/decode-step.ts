/**
 * One decode step for the active rows of a batch, orchestrated on the host.
 *
 * At decode time every activation is tiny ([n, d] with n <= B ~ 40), so tfjs dispatch would cost more
 * than the arithmetic. Everything lives in one shared wasm arena (decode-arena.ts): the matmuls (five
 * per layer, fused where they share an input) run as SIMD gemm kernels or on the backend
 * (decode-weights.ts), attention over the KV cache (kv-cache.ts) and SwiGLU as SIMD kernels
 * (decode-kernels.ts), the gemms and attention split across helper threads (decode-threads.ts);
 * RMSNorm, bias + rope, residuals and log-softmax are plain loops. Rows that have finished are not fed.
 * Equality with the full forward pass is tested (test/engine/generate.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { ropeAngles } from '../model/rope.js';
import { DecodeThreads } from './decode-threads.js';
import { PANEL, decodeModule } from './decode-kernels.js';
import { KvCache } from './kv-cache.js';
import {
  BackendLinear,
  DecodeWeights,
  PackedLinear,
  columns,
  evenRows,
  linearShapes,
  packedFloats,
  type DecodeLinear,
  type WeightSpec,
} from './decode-weights.js';

/** Where the decode matmuls run: 'wasm' kernels, the tfjs 'backend', or 'auto' (see chooseMatmul). */
export type DecodeMatmul = 'auto' | 'wasm' | 'backend';

/** Packed weights up to this size are copied into the arena; larger models keep matmuls on the backend. */
const MAX_PACKED_BYTES = 2 ** 30;

/**
 * 'auto': the wasm kernels on the wasm and cpu backends (faster than their matmuls at decode shapes)
 * unless the packed weights exceed MAX_PACKED_BYTES; the backend elsewhere (tfjs-node's threaded matmul).
 */
function chooseMatmul(model: CausalLM, dim: number, pref: DecodeMatmul): 'wasm' | 'backend' {
  if (pref !== 'auto') return pref;
  if (tf.getBackend() !== 'wasm' && tf.getBackend() !== 'cpu') return 'backend';
  const [qkv, o, gateUp, down, head] = linearShapes(model, dim).map((s) => packedFloats(s.K, s.N));
  const floats = model.config.num_hidden_layers * (qkv + o + gateUp + down) + head;
  return floats * 4 <= MAX_PACKED_BYTES ? 'wasm' : 'backend';
}

/** RMSNorm of the first `rows` rows of x [rows, d] into out. */
function rmsNormHost(x: Float32Array, rows: number, w: Float32Array, eps: number, out: Float32Array): void {
  const d = w.length;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[o + j] * x[o + j];
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let j = 0; j < d; j++) out[o + j] = Math.fround(x[o + j] * inv) * w[j];
  }
}

/**
 * Bias + rope (rotate-half convention, see model/rope.ts) for `heads` vectors of length hd:
 * src[so + h*hd ..] -> dst[do_ + h*dstStride ..], times `scale`. cos/sin rows start at `a`.
 */
function biasRope(
  src: Float32Array,
  so: number,
  bias: Float32Array,
  bo: number,
  heads: number,
  hd: number,
  dst: Float32Array,
  do_: number,
  dstStride: number,
  cos: Float32Array,
  sin: Float32Array,
  a: number,
  scale: number,
): void {
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    const s = so + h * hd;
    const bb = bo + h * hd;
    const o = do_ + h * dstStride;
    for (let j = 0; j < half; j++) {
      const x1 = Math.fround(src[s + j] + bias[bb + j]);
      const x2 = Math.fround(src[s + j + half] + bias[bb + j + half]);
      const c = cos[a + j];
      const sn = sin[a + j];
      dst[o + j] = (x1 * c - x2 * sn) * scale;
      dst[o + j + half] = (x2 * c + x1 * sn) * scale;
    }
  }
}

/** x[r, :] += y[r, :d] for rows [0, rows); y has row stride `stride`. */
function addRows(x: Float32Array, y: Float32Array, stride: number, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const xo = r * d;
    const yo = r * stride;
    for (let j = 0; j < d; j++) x[xo + j] += y[yo + j];
  }
}

/** Row-wise log-softmax of logits [rows, V] (row stride `stride`) into out [rows, V], in float64. */
function logSoftmaxHost(logits: Float32Array, stride: number, rows: number, V: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * stride;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[o + j] - max);
    const lz = max + Math.log(z);
    for (let j = 0; j < V; j++) out[r * V + j] = logits[o + j] - lz;
  }
}

export interface DecoderOptions {
  /** Batch rows B (prompts x samples). */
  batch: number;
  /** Cache columns Tmax; positions must stay below it (the rope table covers [0, maxLen)). */
  maxLen: number;
  /** First valid key column of each batch row (left padding before it) [B]. */
  start: Int32Array;
  matmul: DecodeMatmul;
}

/** Runs decode steps for one generate() call; every buffer is allocated once, in the arena. */
export class Decoder {
  readonly cache: KvCache;
  private readonly threads: DecodeThreads;
  private readonly weights: DecodeWeights;
  private readonly x: Float32Array; // residual stream [B, d]
  private readonly h: Float32Array; // normed [B, d]
  private readonly act: Float32Array; // SwiGLU output [B, I]
  private readonly logp: Float32Array; // [B, V]
  private readonly cos: Float32Array; // rope table [maxLen, hd]
  private readonly sin: Float32Array;
  private readonly swigluFn: number;

  constructor(
    private readonly model: CausalLM,
    opts: DecoderOptions,
  ) {
    const c = model.config;
    const B = opts.batch;
    const I = c.intermediate_size;
    const D = KvCache.paddedHeadDim(c.head_dim);
    const matmul = chooseMatmul(model, D, opts.matmul);
    const gemms = matmul === 'wasm' ? linearShapes(model, D).filter((s, i, all) => all.findIndex((t) => t.K === s.K && t.N === s.N) === i) : [];
    const gateUpStride = matmul === 'wasm' ? Math.ceil((2 * I) / PANEL) * PANEL : 2 * I;
    const { module, names } = decodeModule({ heads: c.num_attention_heads, kvHeads: c.num_key_value_heads, dim: D, intermediate: I, gateUpStride, gemms });
    this.threads = DecodeThreads.open(module, names, KvCache.scratchFloats(opts.maxLen));
    const { arena } = this.threads;
    const gemmFn = (spec: WeightSpec) => this.threads.fn(`gemm${gemms.findIndex((g) => g.K === spec.K && g.N === columns(spec))}`);
    const makeLinear = (spec: WeightSpec): DecodeLinear =>
      matmul === 'wasm' ? new PackedLinear(spec, arena, this.threads, gemmFn(spec), B) : new BackendLinear(spec, arena, B);
    try {
      this.weights = new DecodeWeights(model, D, makeLinear);
    } catch (err) {
      this.threads.close();
      throw err;
    }
    try {
      this.cache = new KvCache(this.threads, c.num_hidden_layers, B, c.num_attention_heads, c.num_key_value_heads, c.head_dim, opts.maxLen, opts.start);
      this.x = arena.f32(evenRows(B) * c.hidden_size);
      this.h = arena.f32(evenRows(B) * c.hidden_size);
      this.act = arena.f32(evenRows(B) * I);
    } catch (err) {
      this.dispose();
      throw err;
    }
    this.logp = new Float32Array(B * c.vocab_size);
    ({ cos: this.cos, sin: this.sin } = ropeAngles(
      Int32Array.from({ length: opts.maxLen }, (_, i) => i),
      model.invFreq,
    ));
    this.swigluFn = this.threads.fn('swiglu');
    this.threads.start();
  }

  /**
   * Feed tokens[i] at positions[i] for batch row rows[i] (cache column `col`) and return log-softmax
   * [n, V] of the next token, n = rows.length. The returned array is reused by the next step.
   */
  step(rows: Int32Array, tokens: Int32Array, positions: Int32Array, col: number): Float32Array {
    const { weights: w, cache, x, h } = this;
    const c = this.model.config;
    const n = rows.length;
    const d = c.hidden_size;
    const eps = c.rms_norm_eps;
    cache.rows.set(rows);
    w.embed.lookup(tokens, x);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const L = w.layers[l];
      rmsNormHost(x, n, L.inNorm, eps, h);
      L.qkv.run(h, n);
      this.writeQkv(l, rows, positions, col);
      cache.attend(l, n, col);
      L.o.run(cache.out, n);
      addRows(x, L.o.out, L.o.stride, n, d);
      rmsNormHost(x, n, L.postNorm, eps, h);
      L.gateUp.run(h, n);
      this.threads.call(this.swigluFn, [L.gateUp.out.byteOffset, this.act.byteOffset, n]);
      L.down.run(this.act, n);
      addRows(x, L.down.out, L.down.stride, n, d);
    }
    rmsNormHost(x, n, w.finalNorm, eps, h);
    w.lmHead.run(h, n);
    logSoftmaxHost(w.lmHead.out, w.lmHead.stride, n, c.vocab_size, this.logp);
    return this.logp.subarray(0, n * c.vocab_size);
  }

  /** Bias and rope the q|k|v matmul output: queries (scaled by 1/sqrt(hd)) to the cache's query buffer, keys and values to column col. */
  private writeQkv(layer: number, rows: Int32Array, positions: Int32Array, col: number): void {
    const { cache, cos, sin } = this;
    const c = this.model.config;
    const H = c.num_attention_heads;
    const Hkv = c.num_key_value_heads;
    const hd = c.head_dim;
    const D = cache.dim;
    const L = this.weights.layers[layer];
    const qkv = L.qkv.out;
    const K = cache.keys[layer];
    const V = cache.values[layer];
    const kvStride = cache.maxLen * D; // between kv heads of one batch row
    const qScale = 1 / Math.sqrt(hd);
    for (let i = 0; i < rows.length; i++) {
      const src = i * L.qkv.stride;
      const a = positions[i] * hd;
      biasRope(qkv, src, L.qkvBias, 0, H, hd, cache.query, i * H * D, D, cos, sin, a, qScale);
      const kv0 = cache.offset(rows[i], 0, col);
      biasRope(qkv, src + H * hd, L.qkvBias, H * hd, Hkv, hd, K, kv0, kvStride, cos, sin, a, 1);
      for (let kh = 0; kh < Hkv; kh++) {
        const s = src + (H + Hkv + kh) * hd;
        const bo = (H + Hkv + kh) * hd;
        const o = kv0 + kh * kvStride;
        for (let j = 0; j < hd; j++) V[o + j] = qkv[s + j] + L.qkvBias[bo + j];
      }
    }
  }

  dispose(): void {
    this.weights.dispose();
    this.threads.close();
  }
}

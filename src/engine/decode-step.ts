/**
 * One decode step for the active rows of a batch, orchestrated on the host.
 *
 * At decode time every activation is tiny ([n, d] with n <= B ~ 40), so each tfjs op costs more in
 * dispatch than in arithmetic. Only the matmuls (most of the FLOPs) go to the backend, as four fused
 * calls per layer (qkv, o, gate|up, down) plus the lm head; RMSNorm, rope, SwiGLU, residuals and
 * log-softmax run as plain loops over preallocated Float32Arrays; attention over the KV cache
 * (kv-cache.ts) and SwiGLU run in wasm SIMD kernels (decode-kernels.ts). Rows that have finished are not fed at all. Equality with the
 * full forward pass is tested (test/engine/generate.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { lmHeadWeight } from '../model/forward.js';
import { ropeAngles } from '../model/rope.js';
import type { KvCache } from './kv-cache.js';
import { swigluKernel, type SwigluFn } from './decode-kernels.js';

interface LayerWeights {
  inNorm: Float32Array;
  postNorm: Float32Array;
  qkv: tf.Tensor2D; // [d, (H + 2 Hkv) * hd]
  qkvBias: Float32Array; // [(H + 2 Hkv) * hd], zeros without attention_bias (x + 0 == x in f32)
  o: tf.Tensor2D; // [H*hd, d]
  gateUp: tf.Tensor2D; // [d, 2I]
  down: tf.Tensor2D; // [I, d]
}

/**
 * Embedding rows copied to the host on first use. tf.gather costs ~0.2 ms a call on wasm, while a step
 * needs only the rows of the tokens just sampled, mostly seen before; one gather fetches a step's
 * misses. (A full host copy would double the memory of a large-vocabulary table.)
 */
class EmbeddingRows {
  private readonly rows = new Map<number, Float32Array>();

  constructor(private readonly table: tf.Tensor2D) {} // [V, d], a view of the variable (not owned)

  /** out[i*d .. (i+1)*d) = table[tokens[i]]. */
  lookup(tokens: Int32Array, out: Float32Array): void {
    const d = this.table.shape[1];
    const missing: number[] = [];
    for (const t of tokens) if (!this.rows.has(t) && !missing.includes(t)) missing.push(t);
    if (missing.length > 0) {
      const got = tf.tidy(() => tf.gather(this.table, tf.tensor1d(missing, 'int32')));
      const vals = got.dataSync() as Float32Array;
      got.dispose();
      missing.forEach((t, k) => this.rows.set(t, vals.subarray(k * d, (k + 1) * d)));
    }
    for (let i = 0; i < tokens.length; i++) out.set(this.rows.get(tokens[i])!, i * d);
  }
}

/** Weights rearranged for decoding; build once per generate() call (parameters change between calls). */
export class DecodeWeights {
  readonly layers: LayerWeights[] = [];
  readonly finalNorm: Float32Array;
  readonly lmHead: tf.Tensor2D; // [d, V]
  readonly embed: EmbeddingRows;

  constructor(readonly model: CausalLM) {
    const c = model.config;
    const host = (n: string) => Float32Array.from(model.w(n).dataSync() as Float32Array);
    const qkvDim = (c.num_attention_heads + 2 * c.num_key_value_heads) * c.head_dim;
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const a = p + 'self_attn.';
      this.layers.push({
        inNorm: host(p + 'input_layernorm.weight'),
        postNorm: host(p + 'post_attention_layernorm.weight'),
        qkv: tf.concat([model.w(a + 'q_proj.weight'), model.w(a + 'k_proj.weight'), model.w(a + 'v_proj.weight')], 1) as tf.Tensor2D,
        qkvBias: c.attention_bias
          ? Float32Array.from([...host(a + 'q_proj.bias'), ...host(a + 'k_proj.bias'), ...host(a + 'v_proj.bias')])
          : new Float32Array(qkvDim),
        o: model.w(a + 'o_proj.weight') as tf.Tensor2D,
        gateUp: tf.concat([model.w(p + 'mlp.gate_proj.weight'), model.w(p + 'mlp.up_proj.weight')], 1) as tf.Tensor2D,
        down: model.w(p + 'mlp.down_proj.weight') as tf.Tensor2D,
      });
    }
    this.finalNorm = host('model.norm.weight');
    this.lmHead = c.tie_word_embeddings ? lmHeadWeight(model) : (model.w('lm_head.weight') as tf.Tensor2D);
    this.embed = new EmbeddingRows(model.w('model.embed_tokens.weight') as tf.Tensor2D);
  }

  dispose(): void {
    for (const l of this.layers) tf.dispose([l.qkv, l.gateUp]);
    if (this.model.config.tie_word_embeddings) this.lmHead.dispose();
  }
}

/** y = x @ W on the backend for host x [rows, in]; returns host [rows, out] (a fresh copy). */
function hostMatMul(x: Float32Array, rows: number, w: tf.Tensor2D): Float32Array {
  const xt = tf.tensor2d(x.subarray(0, rows * w.shape[0]), [rows, w.shape[0]]);
  const y = tf.matMul(xt, w);
  const out = y.dataSync() as Float32Array;
  tf.dispose([xt, y]);
  return out;
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
  src: Float32Array, so: number, bias: Float32Array, bo: number, heads: number, hd: number,
  dst: Float32Array, do_: number, dstStride: number, cos: Float32Array, sin: Float32Array, a: number, scale: number,
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

/** out[i] += y[i] for the first n entries. */
function addInto(out: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] += y[i];
}

/** Row-wise log-softmax of logits [rows, V] into out, in float64 before rounding. */
function logSoftmaxHost(logits: Float32Array, rows: number, V: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[o + j] - max);
    const lz = max + Math.log(z);
    for (let j = 0; j < V; j++) out[o + j] = logits[o + j] - lz;
  }
}

/**
 * Runs decode steps against one KV cache; all per-step buffers are allocated once here.
 * Positions must stay below cache.maxLen (the rope table covers [0, maxLen)).
 */
export class Decoder {
  private readonly x: Float32Array; // residual stream [B, d]
  private readonly h: Float32Array; // normed [B, d]
  private readonly gateUp: Float32Array; // gate | up [B, 2I], in the SwiGLU kernel's memory
  private readonly act: Float32Array; // SwiGLU output [B, I], in the same memory
  private readonly swiglu: SwigluFn;
  private readonly attn: Float32Array; // attention output without head padding [B, H*hd] (when D != hd)
  private readonly logp: Float32Array; // [B, V]
  private readonly cos: Float32Array; // rope table [maxLen, hd]
  private readonly sin: Float32Array;

  constructor(private readonly w: DecodeWeights, private readonly cache: KvCache) {
    const c = w.model.config;
    const B = cache.batch;
    this.x = new Float32Array(B * c.hidden_size);
    this.h = new Float32Array(B * c.hidden_size);
    const I = c.intermediate_size;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((3 * B * I * 4) / 65536) });
    this.gateUp = new Float32Array(memory.buffer, 0, 2 * B * I);
    this.act = new Float32Array(memory.buffer, 2 * B * I * 4, B * I);
    this.swiglu = swigluKernel(I, memory);
    this.attn = new Float32Array(B * c.num_attention_heads * c.head_dim);
    this.logp = new Float32Array(B * c.vocab_size);
    ({ cos: this.cos, sin: this.sin } = ropeAngles(Int32Array.from({ length: cache.maxLen }, (_, i) => i), c.head_dim, c.rope_theta));
  }

  /**
   * Feed tokens[i] at positions[i] for batch row rows[i] (cache column `col`) and return log-softmax
   * [n, V] of the next token, n = rows.length. The returned array is reused by the next step.
   */
  step(rows: Int32Array, tokens: Int32Array, positions: Int32Array, col: number): Float32Array {
    const { w, cache, x, h } = this;
    const c = w.model.config;
    const n = rows.length;
    const d = c.hidden_size;
    const H = c.num_attention_heads;
    const Hkv = c.num_key_value_heads;
    const hd = c.head_dim;
    const D = cache.dim;
    const I = c.intermediate_size;
    const qkvDim = (H + 2 * Hkv) * hd;
    const qScale = 1 / Math.sqrt(hd);
    cache.rows.set(rows);

    w.embed.lookup(tokens, x);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const L = w.layers[l];
      const K = cache.keys[l];
      const V = cache.values[l];
      rmsNormHost(x, n, L.inNorm, c.rms_norm_eps, h);
      const qkv = hostMatMul(h, n, L.qkv); // [n, (H + 2Hkv) hd]: q | k | v
      for (let i = 0; i < n; i++) {
        const src = i * qkvDim;
        const a = positions[i] * hd;
        biasRope(qkv, src, L.qkvBias, 0, H, hd, cache.query, i * H * D, D, this.cos, this.sin, a, qScale);
        const kv0 = cache.offset(rows[i], 0, col); // kv head j at kv0 + j * maxLen * D
        biasRope(qkv, src + H * hd, L.qkvBias, H * hd, Hkv, hd, K, kv0, cache.maxLen * D, this.cos, this.sin, a, 1);
        for (let kh = 0; kh < Hkv; kh++) {
          const s = src + (H + Hkv + kh) * hd;
          const bo = (H + Hkv + kh) * hd;
          const o = kv0 + kh * cache.maxLen * D;
          for (let j = 0; j < hd; j++) V[o + j] = qkv[s + j] + L.qkvBias[bo + j];
        }
      }
      cache.attend(l, n, col);
      const o = hostMatMul(this.unpadHeads(n), n, L.o); // [n, d]
      addInto(x, o, n * d);
      rmsNormHost(x, n, L.postNorm, c.rms_norm_eps, h);
      this.gateUp.set(hostMatMul(h, n, L.gateUp)); // [n, 2I]: gate | up
      this.swiglu(this.gateUp.byteOffset, this.act.byteOffset, n); // act [n, I]
      addInto(x, hostMatMul(this.act, n, L.down), n * d);
    }
    rmsNormHost(x, n, w.finalNorm, c.rms_norm_eps, h);
    logSoftmaxHost(hostMatMul(h, n, w.lmHead), n, c.vocab_size, this.logp);
    return this.logp.subarray(0, n * c.vocab_size);
  }

  /** The attention output as [n, H*hd] (drops the head padding lanes when D != hd). */
  private unpadHeads(n: number): Float32Array {
    const { cache } = this;
    const hd = cache.headDim;
    const D = cache.dim;
    if (D === hd) return cache.out;
    for (let r = 0; r < n * cache.heads; r++) this.attn.set(cache.out.subarray(r * D, r * D + hd), r * hd);
    return this.attn;
  }
}

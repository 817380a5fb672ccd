/**
 * Full-sequence forward pass (prefill, teacher forcing, training).
 *
 * Shapes: B sequences of T tokens, N = B*T rows; d = hidden, H / Hkv = query / key-value heads,
 * hd = head_dim, I = intermediate, V = vocab. Activations are row-major [N, features], rows (b, t).
 * On wasm attention runs head by head as plain 2-D matmuls: batched matMul over many small matrices is
 * ~5x slower there than a loop of plain ones, and every matmul is plain (no transpose flags). On the
 * native tensorflow backend, where each op costs ~0.1 ms of dispatch, all heads go through one batched
 * matmul instead (`opPaths()` in ops.ts; both paths give the same numbers, test/model/op-paths.test.ts).
 *
 * With `save` the pass keeps what `backward.ts` needs; the caller owns and disposes it.
 *
 * `temperature` T divides the logits before the log-softmax, logp = log_softmax(z / T), so that training
 * scores tokens under the distribution they were sampled from (TRL and verl do the same: logits / T).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertWasmHealthy } from '../backend/wasm-health.js';
import { CausalLM, MASK_NEG } from './model.js';
import { opPaths, repeatKv, rowBlocks } from './ops.js';

export interface ForwardInput {
  /** Token ids [B*T], row-major. */
  ids: Int32Array;
  B: number;
  T: number;
  /** Position of every token [B*T]; default 0..T-1 per row (right padding or no padding). */
  positions?: Int32Array;
  /** 1 for real tokens, 0 for padding that no query may attend to [B*T]; default all real. */
  keyMask?: Uint8Array;
}

export interface RmsSaved {
  x: tf.Tensor2D; // input [N, d]
  r: tf.Tensor2D; // 1/rms [N, 1]
}

export interface LayerSaved {
  norm1: RmsSaved;
  h: tf.Tensor2D; // normed input [N, d]
  q: tf.Tensor2D; // roped, scaled queries, head-major rows (b, h, t): [B*H*T, hd]
  k: tf.Tensor2D; // roped keys, head-major [B*Hkv*T, hd]
  v: tf.Tensor2D; // values, head-major [B*Hkv*T, hd]
  p: tf.Tensor3D; // attention probabilities [B*H, T, T]
  o: tf.Tensor2D; // merged heads before o_proj [N, H*hd]
  norm2: RmsSaved;
  h2: tf.Tensor2D; // [N, d]
  g: tf.Tensor2D; // gate pre-activation [N, I]
  u: tf.Tensor2D; // up [N, I]
  sig: tf.Tensor2D; // sigmoid(g) [N, I]
  a: tf.Tensor2D; // silu(g) * u [N, I]
}

export interface ForwardSaved {
  B: number;
  T: number;
  /** The sampling temperature the logits were divided by (backward divides dlogits by it too). */
  temperature: number;
  ids: tf.Tensor1D;
  rope: { cosQ: tf.Tensor2D; sinQ: tf.Tensor2D; cosK: tf.Tensor2D; sinK: tf.Tensor2D };
  layers: LayerSaved[];
  normF: RmsSaved;
  hF: tf.Tensor2D; // final normed hidden [N, d]
}

export interface ForwardOutput {
  /** log-softmax over the vocabulary [N, V], of logits / temperature. */
  logp: tf.Tensor2D;
  /** Keys and values per layer, head-major [B, Hkv, T, hd] (for the KV cache), when asked. */
  kv?: { k: tf.Tensor4D; v: tf.Tensor4D }[];
  saved?: ForwardSaved;
}

/** RMSNorm: y = x / sqrt(mean(x^2) + eps) * w. Returns y and 1/rms [N, 1]. */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number): { y: tf.Tensor2D; r: tf.Tensor2D } {
  const d = x.shape[1];
  const ms = tf.mul(tf.sum(tf.square(x), -1, true), 1 / d);
  const r = tf.rsqrt(tf.add(ms, eps)) as tf.Tensor2D;
  return { y: tf.mul(tf.mul(x, r), w), r };
}

/** x @ W (+ b) with W [in, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, w as tf.Tensor2D);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

/** rope(x) = x*cos + (x @ R)*sin on rows [N*heads, hd]. */
export function applyRope(x: tf.Tensor2D, rotate: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(x, cos), tf.mul(tf.matMul(x, rotate), sin));
}

/** [B*T*heads, hd] rows (b, t, h) -> head-major [B*heads*T, hd] rows (b, h, t). */
export function toHeadMajor(x: tf.Tensor2D, B: number, T: number, heads: number, hd: number): tf.Tensor2D {
  return tf.reshape(tf.transpose(tf.reshape(x, [B, T, heads, hd]), [0, 2, 1, 3]), [B * heads * T, hd]);
}

/** head-major [B*heads*T, hd] -> rows (b, t) with heads side by side [B*T, heads*hd]. */
export function fromHeadMajor(x: tf.Tensor2D, B: number, T: number, heads: number, hd: number): tf.Tensor2D {
  return tf.reshape(tf.transpose(tf.reshape(x, [B, heads, T, hd]), [0, 2, 1, 3]), [B * T, heads * hd]);
}

/** Index of the key-value head block serving query block i = b*H + h (grouped-query attention). */
export function kvBlock(i: number, H: number, Hkv: number): number {
  const b = Math.floor(i / H);
  const h = i % H;
  return b * Hkv + Math.floor(h / (H / Hkv));
}

/** Additive attention mask: [T, T] causal, or [B, 1, T, T] when some keys are padding. */
function attentionMask(model: CausalLM, input: ForwardInput): tf.Tensor {
  const { B, T, keyMask } = input;
  if (!keyMask) return model.causalMask(T);
  const data = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        data[(b * T + i) * T + j] = j > i || keyMask[b * T + j] === 0 ? MASK_NEG : 0;
      }
    }
  }
  return tf.tensor4d(data, [B, 1, T, T]);
}

function attention(model: CausalLM, layer: number, h: tf.Tensor2D, input: ForwardInput, rope: ForwardSaved['rope'], mask: tf.Tensor) {
  const c = model.config;
  const { B, T } = input;
  const H = c.num_attention_heads;
  const Hkv = c.num_key_value_heads;
  const hd = c.head_dim;
  const p = `model.layers.${layer}.self_attn.`;
  const bias = (n: string) => (c.attention_bias ? model.w(p + n + '.bias') : undefined);

  const qLin = linear(h, model.w(p + 'q_proj.weight'), bias('q_proj')); // [N, H*hd]
  const kLin = linear(h, model.w(p + 'k_proj.weight'), bias('k_proj')); // [N, Hkv*hd]
  const vLin = linear(h, model.w(p + 'v_proj.weight'), bias('v_proj')); // [N, Hkv*hd]
  const qRot = applyRope(tf.reshape(qLin, [B * T * H, hd]), model.rotate, rope.cosQ, rope.sinQ);
  const kRot = applyRope(tf.reshape(kLin, [B * T * Hkv, hd]), model.rotate, rope.cosK, rope.sinK);

  const q = toHeadMajor(qRot, B, T, H, hd); // [B*H*T, hd]
  const k = toHeadMajor(kRot, B, T, Hkv, hd); // [B*Hkv*T, hd]
  const v = toHeadMajor(tf.reshape(vLin, [B * T * Hkv, hd]), B, T, Hkv, hd);
  const heads = opPaths().attention === 'batched' ? batchedHeads(q, k, v, B, T, H, Hkv, mask) : loopedHeads(q, kRot, v, B, T, H, Hkv, mask);
  const o = fromHeadMajor(heads.o, B, T, H, hd); // [N, H*hd]
  const out = linear(o, model.w(p + 'o_proj.weight'));
  return { out, q, k, v, p: heads.probs, o };
}

/** softmax(scores + mask) over the keys; scores [B*H, T, T], mask [T, T] or [B, 1, T, T]. */
function maskedSoftmax(s: tf.Tensor3D, mask: tf.Tensor, B: number, H: number, T: number): tf.Tensor3D {
  const masked = mask.rank === 2 ? tf.add(s, mask) : tf.reshape(tf.add(tf.reshape(s, [B, H, T, T]), mask), [B * H, T, T]);
  return tf.softmax(masked) as tf.Tensor3D;
}

/** Per-head attention as a loop of plain 2-D matmuls (the wasm path). Returns probs [B*H, T, T], o head-major [B*H*T, hd]. */
function loopedHeads(q: tf.Tensor2D, kRot: tf.Tensor2D, v: tf.Tensor2D, B: number, T: number, H: number, Hkv: number, mask: tf.Tensor) {
  const hd = q.shape[1];
  // K^T per block without a transposed matmul: [B, T, Hkv, hd] -> [B, Hkv, hd, T].
  const kT = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(kRot, [B, T, Hkv, hd]), [0, 2, 3, 1]), [B * Hkv * hd, T]);
  const qB = rowBlocks(q, B * H);
  const kTB = rowBlocks(kT, B * Hkv);
  const vB = rowBlocks(v, B * Hkv);
  const scores: tf.Tensor2D[] = [];
  for (let i = 0; i < B * H; i++) scores.push(tf.matMul(qB[i], kTB[kvBlock(i, H, Hkv)])); // [T, T]
  const probs = maskedSoftmax(tf.stack(scores) as tf.Tensor3D, mask, B, H, T); // [B*H, T, T]
  const pB = rowBlocks(tf.reshape(probs, [B * H * T, T]), B * H);
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < B * H; i++) outs.push(tf.matMul(pB[i], vB[kvBlock(i, H, Hkv)])); // [T, hd]
  return { probs, o: tf.concat(outs, 0) as tf.Tensor2D };
}

/** All heads in one batched matmul each for Q K^T and P V (the tensorflow path). Same outputs as loopedHeads. */
function batchedHeads(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, B: number, T: number, H: number, Hkv: number, mask: tf.Tensor) {
  const hd = q.shape[1];
  const q3 = tf.reshape(q, [B * H, T, hd]);
  const k3 = repeatKv(tf.reshape(k, [B * Hkv, T, hd]), B, H, Hkv); // [B*H, T, hd]
  const v3 = repeatKv(tf.reshape(v, [B * Hkv, T, hd]), B, H, Hkv);
  const probs = maskedSoftmax(tf.matMul(q3, k3, false, true), mask, B, H, T); // [B*H, T, T]
  return { probs, o: tf.reshape(tf.matMul(probs, v3), [B * H * T, hd]) as tf.Tensor2D };
}

function mlp(model: CausalLM, layer: number, h2: tf.Tensor2D) {
  const p = `model.layers.${layer}.mlp.`;
  const g = linear(h2, model.w(p + 'gate_proj.weight')); // [N, I]
  const u = linear(h2, model.w(p + 'up_proj.weight')); // [N, I]
  const sig = tf.sigmoid(g) as tf.Tensor2D;
  const a = tf.mul<tf.Tensor2D>(tf.mul(g, sig), u); // silu(g) * u
  const out = linear(a, model.w(p + 'down_proj.weight')); // [N, d]
  return { out, g, u, sig, a };
}

/** Logits weight as [d, V]: lm_head, or the transposed embedding when tied. */
export function lmHeadWeight(model: CausalLM): tf.Tensor2D {
  return model.config.tie_word_embeddings
    ? tf.transpose(model.w('model.embed_tokens.weight') as tf.Tensor2D, [1, 0])
    : (model.w('lm_head.weight') as tf.Tensor2D);
}

export interface ForwardOptions {
  /** Keep the activations backward.ts needs (ForwardOutput.saved). */
  save?: boolean;
  /** Return the keys and values per layer (for the KV cache). */
  kv?: boolean;
  /** Logits are divided by this before the log-softmax (default 1: the model's own distribution). */
  temperature?: number;
}

export function forward(model: CausalLM, input: ForwardInput, opts: ForwardOptions = {}): ForwardOutput {
  const c = model.config;
  const temperature = opts.temperature ?? 1;
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`forward: temperature must be a finite number > 0, got ${temperature}`);
  const { B, T } = input;
  const eps = c.rms_norm_eps;
  const rope = input.positions !== undefined ? model.ropeForPositions(input.positions) : model.ropeForShape(B, T);
  const ids = tf.tensor1d(input.ids, 'int32');
  const mask = attentionMask(model, input);
  const layers: LayerSaved[] = [];
  const kv: { k: tf.Tensor4D; v: tf.Tensor4D }[] = [];

  let x = tf.gather(model.w('model.embed_tokens.weight'), ids) as tf.Tensor2D; // [N, d]
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const prefix = `model.layers.${l}.`;
    const xIn = x;
    const step = tf.tidy(() => {
      const n1 = rmsNorm(xIn, model.w(prefix + 'input_layernorm.weight'), eps);
      const at = attention(model, l, n1.y, input, rope, mask);
      const x1 = tf.add(xIn, at.out) as tf.Tensor2D;
      const n2 = rmsNorm(x1, model.w(prefix + 'post_attention_layernorm.weight'), eps);
      const m = mlp(model, l, n2.y);
      const x2 = tf.add(x1, m.out) as tf.Tensor2D;
      return { x2, x1, n1, n2, at, m };
    });
    if (opts.kv) {
      const hd = c.head_dim;
      const Hkv = c.num_key_value_heads;
      kv.push({ k: tf.reshape(step.at.k, [B, Hkv, T, hd]), v: tf.reshape(step.at.v, [B, Hkv, T, hd]) });
    }
    if (opts.save) {
      layers.push({
        norm1: { x: xIn, r: step.n1.r },
        h: step.n1.y,
        q: step.at.q,
        k: step.at.k,
        v: step.at.v,
        p: step.at.p,
        o: step.at.o,
        norm2: { x: step.x1, r: step.n2.r },
        h2: step.n2.y,
        g: step.m.g,
        u: step.m.u,
        sig: step.m.sig,
        a: step.m.a,
      });
      tf.dispose([step.at.out, step.m.out]);
    } else {
      // Everything the layer made but its output (tf.dispose walks the object).
      const { x2: _next, ...rest } = step;
      tf.dispose([xIn, rest as unknown as tf.TensorContainer]);
    }
    x = step.x2;
  }
  const { logp, normF, hF } = tf.tidy(() => {
    const nf = rmsNorm(x, model.w('model.norm.weight'), eps);
    const raw = tf.matMul(nf.y, lmHeadWeight(model)); // [N, V]
    const logits = temperature === 1 ? raw : tf.div(raw, temperature); // T = 1 stays bit-identical
    return { logp: tf.logSoftmax(logits) as tf.Tensor2D, normF: { x, r: nf.r }, hF: nf.y };
  });
  mask.dispose();
  assertWasmHealthy(); // a wasm backend out of memory computes garbage without throwing (wasm-health.ts)
  if (opts.save) {
    return { logp, kv: opts.kv ? kv : undefined, saved: { B, T, temperature, ids, rope, layers, normF, hF } };
  }
  tf.dispose([ids, normF, hF, rope] as unknown as tf.TensorContainer);
  return { logp, kv: opts.kv ? kv : undefined };
}

/** Free every tensor a saved forward holds: tf.dispose walks the object, so a new field needs no line here. */
export function disposeSaved(s: ForwardSaved): void {
  tf.dispose(s as unknown as tf.TensorContainer);
}

/**
 * One decode step for a batch of B rows, orchestrated on the host.
 *
 * At decode time every activation is tiny ([B, d] with B ~ 40), so each tfjs op costs more in dispatch
 * than in arithmetic. Only the matmuls (>95% of the FLOPs) go to the backend, as four fused calls per
 * layer (qkv, o, gate|up, down); RMSNorm, rope, SwiGLU, residuals and attention over the host KV cache
 * run as plain loops over Float32Arrays. Equality with the full forward pass is tested.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { lmHeadWeight } from '../model/forward.js';
import { ropeAngles } from '../model/rope.js';
import type { KvCache } from './kv-cache.js';

interface LayerWeights {
  inNorm: Float32Array;
  postNorm: Float32Array;
  qkv: tf.Tensor2D; // [d, (H + 2 Hkv) * hd]
  qkvBias: Float32Array | null;
  o: tf.Tensor2D; // [H*hd, d]
  gateUp: tf.Tensor2D; // [d, 2I]
  down: tf.Tensor2D; // [I, d]
}

/** Weights rearranged for decoding; build once per generate() call (parameters change between calls). */
export class DecodeWeights {
  readonly layers: LayerWeights[] = [];
  readonly finalNorm: Float32Array;
  readonly lmHead: tf.Tensor2D; // [d, V]
  readonly embed: tf.Tensor2D; // [V, d] (a view of the variable, not owned)

  constructor(readonly model: CausalLM) {
    const c = model.config;
    const host = (n: string) => Float32Array.from(model.w(n).dataSync() as Float32Array);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const a = p + 'self_attn.';
      this.layers.push({
        inNorm: host(p + 'input_layernorm.weight'),
        postNorm: host(p + 'post_attention_layernorm.weight'),
        qkv: tf.concat([model.w(a + 'q_proj.weight'), model.w(a + 'k_proj.weight'), model.w(a + 'v_proj.weight')], 1) as tf.Tensor2D,
        qkvBias: c.attention_bias
          ? Float32Array.from([...host(a + 'q_proj.bias'), ...host(a + 'k_proj.bias'), ...host(a + 'v_proj.bias')])
          : null,
        o: model.w(a + 'o_proj.weight') as tf.Tensor2D,
        gateUp: tf.concat([model.w(p + 'mlp.gate_proj.weight'), model.w(p + 'mlp.up_proj.weight')], 1) as tf.Tensor2D,
        down: model.w(p + 'mlp.down_proj.weight') as tf.Tensor2D,
      });
    }
    this.finalNorm = host('model.norm.weight');
    this.lmHead = c.tie_word_embeddings ? lmHeadWeight(model) : (model.w('lm_head.weight') as tf.Tensor2D);
    this.embed = model.w('model.embed_tokens.weight') as tf.Tensor2D;
  }

  dispose(): void {
    for (const l of this.layers) tf.dispose([l.qkv, l.gateUp]);
    if (this.model.config.tie_word_embeddings) this.lmHead.dispose();
  }
}

/** Host copy of a tensor's values; disposes it. (Never return typed arrays from tf.tidy: it walks them.) */
function readAndDispose(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/** y = x @ W on the backend for a host x [rows, in]; returns host [rows, out]. */
function hostMatMul(x: Float32Array, rows: number, w: tf.Tensor2D): Float32Array {
  const xt = tf.tensor2d(x, [rows, w.shape[0]]);
  const y = tf.matMul(xt, w);
  const out = y.dataSync() as Float32Array;
  tf.dispose([xt, y]);
  return out;
}

/** RMSNorm of each row of x [rows, d] into out. */
function rmsNormHost(x: Float32Array, w: Float32Array, eps: number, out: Float32Array): void {
  const d = w.length;
  for (let r = 0; r < x.length / d; r++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[r * d + j] * x[r * d + j];
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let j = 0; j < d; j++) out[r * d + j] = Math.fround(x[r * d + j] * inv) * w[j];
  }
}

/** In-place rope on `heads` vectors of length hd starting at offset, for one token at angle row `a`. */
function ropeHost(v: Float32Array, offset: number, heads: number, hd: number, cos: Float32Array, sin: Float32Array, a: number, scale: number): void {
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    const o = offset + h * hd;
    for (let j = 0; j < half; j++) {
      const x1 = v[o + j];
      const x2 = v[o + j + half];
      const c = cos[a + j];
      const s = sin[a + j];
      v[o + j] = (x1 * c - x2 * s) * scale;
      v[o + j + half] = (x2 * c + x1 * s) * scale;
    }
  }
}

/**
 * Feed tokens [B] at positions [B] (cache column `col`) and return log-softmax [B, V] on the host.
 */
export function decodeStep(w: DecodeWeights, cache: KvCache, tokens: Int32Array, positions: Int32Array, col: number): Float32Array {
  const c = w.model.config;
  const B = tokens.length;
  const d = c.hidden_size;
  const H = c.num_attention_heads;
  const Hkv = c.num_key_value_heads;
  const hd = c.head_dim;
  const I = c.intermediate_size;
  const qkvDim = (H + 2 * Hkv) * hd;
  const { cos, sin } = ropeAngles(positions, hd, c.rope_theta);
  const qScale = 1 / Math.sqrt(hd);

  const x = readAndDispose(tf.tidy(() => tf.gather(w.embed, tf.tensor1d(tokens, 'int32'))));
  const h = new Float32Array(B * d);
  const q = new Float32Array(B * H * hd);
  const k = new Float32Array(B * Hkv * hd);
  const v = new Float32Array(B * Hkv * hd);
  const attn = new Float32Array(B * H * hd);
  const act = new Float32Array(B * I);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const L = w.layers[l];
    rmsNormHost(x, L.inNorm, c.rms_norm_eps, h);
    const qkv = hostMatMul(h, B, L.qkv); // [B, (H + 2Hkv) hd]
    for (let b = 0; b < B; b++) {
      const src = b * qkvDim;
      for (let j = 0; j < qkvDim; j++) {
        const val = L.qkvBias ? Math.fround(qkv[src + j] + L.qkvBias[j]) : qkv[src + j];
        if (j < H * hd) q[b * H * hd + j] = val;
        else if (j < (H + Hkv) * hd) k[b * Hkv * hd + j - H * hd] = val;
        else v[b * Hkv * hd + j - (H + Hkv) * hd] = val;
      }
      ropeHost(q, b * H * hd, H, hd, cos, sin, b * hd, qScale);
      ropeHost(k, b * Hkv * hd, Hkv, hd, cos, sin, b * hd, 1);
    }
    cache.write(l, col, k, v);
    cache.attend(l, q, H, col, attn);
    const o = hostMatMul(attn, B, L.o); // [B, d]
    for (let i = 0; i < x.length; i++) x[i] += o[i];
    rmsNormHost(x, L.postNorm, c.rms_norm_eps, h);
    const gu = hostMatMul(h, B, L.gateUp); // [B, 2I]: gate | up
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < I; j++) {
        const g = gu[b * 2 * I + j];
        act[b * I + j] = (g / (1 + Math.exp(-g))) * gu[b * 2 * I + I + j];
      }
    }
    const m = hostMatMul(act, B, L.down); // [B, d]
    for (let i = 0; i < x.length; i++) x[i] += m[i];
  }
  rmsNormHost(x, w.finalNorm, c.rms_norm_eps, h);
  return readAndDispose(tf.tidy(() => tf.logSoftmax(tf.matMul(tf.tensor2d(h, [B, d]), w.lmHead))));
}

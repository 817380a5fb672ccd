/**
 * Hand-written backward pass of forward.ts, from the gradient of the loss with respect to each target
 * token's log-probability. Written out (rather than left to tfjs autograd) so that on wasm every matmul
 * is plain and per-head attention stays a loop of 2-D matmuls — the two paths that dominate a naive tfjs
 * train step on wasm (docs/engine.md); on tensorflow it takes batched and transposed matmuls instead
 * (`opPaths()`, ops.ts). Checked against finite differences in test/model.
 *
 * Notation: dX is dLoss/dX; shapes as in forward.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertWasmHealthy } from '../backend/wasm-health.js';
import type { Grads } from './params.js';
import { CausalLM } from './model.js';
import { fromHeadMajor, kvBlock, lmHeadWeight, toHeadMajor, type ForwardSaved, type RmsSaved } from './forward.js';
import { colSum, matMulAT, matMulBT, opPaths, repeatKv, rowBlocks, sumRepeatedKv } from './ops.js';

/**
 * RMSNorm backward. y = xhat * w, xhat = x * r, r = (mean(x^2) + eps)^-1/2:
 *   dw = sum_rows(dy * xhat);  g = dy * w;  dx = r * (g - xhat * mean(g * xhat))
 */
function rmsNormBackward(s: RmsSaved, w: tf.Tensor, dy: tf.Tensor2D): { dx: tf.Tensor2D; dw: tf.Tensor1D } {
  const d = s.x.shape[1];
  const xhat = tf.mul(s.x, s.r) as tf.Tensor2D;
  const dw = colSum(tf.mul(dy, xhat) as tf.Tensor2D);
  const g = tf.mul(dy, w);
  const proj = tf.mul(tf.sum(tf.mul(g, xhat), -1, true), 1 / d);
  const dx = tf.mul(s.r, tf.sub(g, tf.mul(xhat, proj))) as tf.Tensor2D;
  return { dx, dw };
}

/** Backward of x @ W (+ b): returns dx and records dW (and db). */
function linearBackward(grads: Grads, name: string, x: tf.Tensor2D, w: tf.Tensor, dy: tf.Tensor2D, hasBias: boolean): tf.Tensor2D {
  grads[name + '.weight'] = matMulAT(x, dy); // [in, out]
  if (hasBias) grads[name + '.bias'] = colSum(dy);
  return matMulBT(dy, w as tf.Tensor2D); // [N, in]
}

/** Inverse of applyRope: dx = dy * cos + (dy * sin) @ R^T. */
function ropeBackward(dy: tf.Tensor2D, rotate: tf.Tensor2D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(dy, cos), matMulBT(tf.mul(dy, sin) as tf.Tensor2D, rotate));
}

/** Softmax backward: dS = P * (dP - rowsum(dP * P)). Masked entries have P = 0, so dS = 0 there. */
function softmaxBackward(probs: tf.Tensor3D, dP: tf.Tensor3D): tf.Tensor3D {
  return tf.mul(probs, tf.sub(dP, tf.sum(tf.mul(dP, probs), -1, true))) as tf.Tensor3D;
}

/** Head-major gradients of attention's q, k, v [B*H*T | B*Hkv*T, hd] from dO head-major [B*H*T, hd]. */
interface HeadGrads {
  dQ: tf.Tensor2D;
  dK: tf.Tensor2D;
  dV: tf.Tensor2D;
}

/** The per-head loop of plain 2-D matmuls (the wasm path). */
function loopedHeadsBackward(ls: ForwardSaved['layers'][number], dOhm: tf.Tensor2D, B: number, T: number, H: number, Hkv: number): HeadGrads {
  const hd = dOhm.shape[1];
  const dOB = rowBlocks(dOhm, B * H);
  // V^T blocks [hd, T] and P^T blocks [T, T] via fast 4-D / 3-D transposes.
  const vT = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(ls.v, [B, Hkv, T, hd]), [0, 1, 3, 2]), [B * Hkv * hd, T]);
  const vTB = rowBlocks(vT, B * Hkv);
  const pTB = rowBlocks(tf.reshape(tf.transpose(ls.p, [0, 2, 1]), [B * H * T, T]), B * H);

  const dP: tf.Tensor2D[] = [];
  const dV: (tf.Tensor2D | null)[] = new Array(B * Hkv).fill(null);
  for (let i = 0; i < B * H; i++) {
    const j = kvBlock(i, H, Hkv);
    dP.push(tf.matMul(dOB[i], vTB[j])); // dP = dO V^T  [T, T]
    const dv: tf.Tensor2D = tf.matMul(pTB[i], dOB[i]); // dV = P^T dO [T, hd]
    dV[j] = dV[j] ? (tf.add(dV[j]!, dv) as tf.Tensor2D) : dv;
  }
  const dS = softmaxBackward(ls.p, tf.stack(dP) as tf.Tensor3D); // [B*H, T, T]
  const dSB = rowBlocks(tf.reshape(dS, [B * H * T, T]), B * H);
  const dSTB = rowBlocks(tf.reshape(tf.transpose(dS, [0, 2, 1]), [B * H * T, T]), B * H);
  const qB = rowBlocks(ls.q, B * H);
  const kB = rowBlocks(ls.k, B * Hkv);
  const dQ: tf.Tensor2D[] = [];
  const dK: (tf.Tensor2D | null)[] = new Array(B * Hkv).fill(null);
  for (let i = 0; i < B * H; i++) {
    const j = kvBlock(i, H, Hkv);
    dQ.push(tf.matMul(dSB[i], kB[j])); // dQ = dS K   [T, hd]
    const dk: tf.Tensor2D = tf.matMul(dSTB[i], qB[i]); // dK = dS^T Q [T, hd]
    dK[j] = dK[j] ? (tf.add(dK[j]!, dk) as tf.Tensor2D) : dk;
  }
  return { dQ: tf.concat(dQ, 0), dK: tf.concat(dK as tf.Tensor2D[], 0), dV: tf.concat(dV as tf.Tensor2D[], 0) };
}

/** All heads at once with batched, transposed matmuls (the tensorflow path); same numbers as the loop. */
function batchedHeadsBackward(ls: ForwardSaved['layers'][number], dOhm: tf.Tensor2D, B: number, T: number, H: number, Hkv: number): HeadGrads {
  const hd = dOhm.shape[1];
  const dO3 = tf.reshape(dOhm, [B * H, T, hd]);
  const q3 = tf.reshape(ls.q, [B * H, T, hd]);
  const k3 = repeatKv(tf.reshape(ls.k, [B * Hkv, T, hd]), B, H, Hkv); // [B*H, T, hd]
  const v3 = repeatKv(tf.reshape(ls.v, [B * Hkv, T, hd]), B, H, Hkv);
  const dS = softmaxBackward(ls.p, tf.matMul(dO3, v3, false, true)); // dP = dO V^T [B*H, T, T]
  const dV = sumRepeatedKv(tf.matMul(ls.p, dO3, true, false), B, H, Hkv); // P^T dO [B*Hkv, T, hd]
  const dQ = tf.matMul(dS, k3); // dS K [B*H, T, hd]
  const dK = sumRepeatedKv(tf.matMul(dS, q3, true, false), B, H, Hkv); // dS^T Q
  return { dQ: tf.reshape(dQ, [B * H * T, hd]), dK: tf.reshape(dK, [B * Hkv * T, hd]), dV: tf.reshape(dV, [B * Hkv * T, hd]) };
}

function attentionBackward(
  model: CausalLM,
  layer: number,
  ls: ForwardSaved['layers'][number],
  saved: ForwardSaved,
  dOut: tf.Tensor2D,
  grads: Grads,
): tf.Tensor2D {
  const c = model.config;
  const { B, T } = saved;
  const H = c.num_attention_heads;
  const Hkv = c.num_key_value_heads;
  const hd = c.head_dim;
  const p = `model.layers.${layer}.self_attn.`;

  const dO = linearBackward(grads, p + 'o_proj', ls.o, model.w(p + 'o_proj.weight'), dOut, false); // [N, H*hd]
  const dOhm = toHeadMajor(tf.reshape(dO, [B * T * H, hd]), B, T, H, hd); // [B*H*T, hd]
  const heads = opPaths().attention === 'batched' ? batchedHeadsBackward(ls, dOhm, B, T, H, Hkv) : loopedHeadsBackward(ls, dOhm, B, T, H, Hkv);
  // Back to token rows (b, t, head), through rope, to the projections.
  const rope = saved.rope;
  const dQrot = fromHeadMajor(heads.dQ, B, T, H, hd); // [N, H*hd]
  const dKrot = fromHeadMajor(heads.dK, B, T, Hkv, hd);
  const dVlin = fromHeadMajor(heads.dV, B, T, Hkv, hd);
  const dQlin = tf.reshape(ropeBackward(tf.reshape(dQrot, [B * T * H, hd]), model.rotate, rope.cosQ, rope.sinQ), [B * T, H * hd]) as tf.Tensor2D;
  const dKlin = tf.reshape(ropeBackward(tf.reshape(dKrot, [B * T * Hkv, hd]), model.rotate, rope.cosK, rope.sinK), [B * T, Hkv * hd]) as tf.Tensor2D;

  const bias = c.attention_bias;
  const dh = tf.add(
    tf.add(
      linearBackward(grads, p + 'q_proj', ls.h, model.w(p + 'q_proj.weight'), dQlin, bias),
      linearBackward(grads, p + 'k_proj', ls.h, model.w(p + 'k_proj.weight'), dKlin, bias),
    ),
    linearBackward(grads, p + 'v_proj', ls.h, model.w(p + 'v_proj.weight'), dVlin, bias),
  ) as tf.Tensor2D;
  return dh;
}

/** SwiGLU backward; returns d(h2). a = silu(g) * u, silu'(g) = sig * (1 + g * (1 - sig)). */
function mlpBackward(model: CausalLM, layer: number, ls: ForwardSaved['layers'][number], dOut: tf.Tensor2D, grads: Grads): tf.Tensor2D {
  const p = `model.layers.${layer}.mlp.`;
  const da = linearBackward(grads, p + 'down_proj', ls.a, model.w(p + 'down_proj.weight'), dOut, false); // [N, I]
  const silu = tf.mul(ls.g, ls.sig);
  const du = tf.mul(da, silu) as tf.Tensor2D;
  const dsilu = tf.mul(ls.sig, tf.add(1, tf.mul(ls.g, tf.sub(1, ls.sig))));
  const dg = tf.mul(tf.mul(da, ls.u), dsilu) as tf.Tensor2D;
  return tf.add(
    linearBackward(grads, p + 'gate_proj', ls.h2, model.w(p + 'gate_proj.weight'), dg, false),
    linearBackward(grads, p + 'up_proj', ls.h2, model.w(p + 'up_proj.weight'), du, false),
  ) as tf.Tensor2D;
}

export interface BackwardOptions {
  /**
   * The temperature of the forward pass that produced `logp` and `saved`; it must match
   * saved.temperature (default: that one). With z the raw logits and T the temperature,
   * logp = log_softmax(z / T), so dlogits = dTok * (onehot(target) - softmax(z / T)) / T.
   */
  temperature?: number;
}

/**
 * Gradients of all parameters given dLoss/dlogp_target [N] for target ids [N].
 * logp_target = z[target] / T - logsumexp(z / T)  =>  dz = dTok * (onehot(target) - exp(logp)) / T,
 * exp(logp) being the tempered softmax the forward returned. T = 1 is the plain log-softmax.
 * Returns a fresh dict of gradient tensors (caller disposes); `saved` is left intact.
 */
export function backward(
  model: CausalLM,
  saved: ForwardSaved,
  logp: tf.Tensor2D,
  targets: tf.Tensor1D,
  dTokenLogp: tf.Tensor1D,
  opts: BackwardOptions = {},
): Grads {
  const c = model.config;
  const temperature = opts.temperature ?? saved.temperature;
  if (temperature !== saved.temperature) {
    throw new Error(`backward: temperature ${temperature} differs from the forward pass's ${saved.temperature}; pass the forward's temperature`);
  }
  const grads: Grads = {};
  const keep = (g: Grads) => {
    for (const t of Object.values(g)) tf.keep(t);
  };

  let dx = tf.tidy(() => {
    const g: Grads = {};
    const V = c.vocab_size;
    const dTok = temperature === 1 ? dTokenLogp : tf.div(dTokenLogp, temperature); // the 1 / T of z / T
    const dLogits = tf.mul(tf.reshape(dTok, [-1, 1]), tf.sub(tf.oneHot(targets, V), tf.exp(logp))) as tf.Tensor2D; // [N, V]
    const wLm = lmHeadWeight(model); // [d, V]
    const dWlm = matMulAT(saved.hF, dLogits); // [d, V]
    if (c.tie_word_embeddings) g['model.embed_tokens.weight'] = tf.transpose(dWlm, [1, 0]);
    else g['lm_head.weight'] = dWlm;
    const dhF = matMulBT(dLogits, wLm); // [N, d]
    const nb = rmsNormBackward(saved.normF, model.w('model.norm.weight'), dhF);
    g['model.norm.weight'] = nb.dw;
    keep(g);
    Object.assign(grads, g);
    return nb.dx;
  });

  for (let l = c.num_hidden_layers - 1; l >= 0; l--) {
    const ls = saved.layers[l];
    const prefix = `model.layers.${l}.`;
    const dxIn = dx;
    dx = tf.tidy(() => {
      const g: Grads = {};
      const dh2 = mlpBackward(model, l, ls, dxIn, g);
      const n2 = rmsNormBackward(ls.norm2, model.w(prefix + 'post_attention_layernorm.weight'), dh2);
      g[prefix + 'post_attention_layernorm.weight'] = n2.dw;
      const dx1 = tf.add(dxIn, n2.dx) as tf.Tensor2D;
      const dh = attentionBackward(model, l, ls, saved, dx1, g);
      const n1 = rmsNormBackward(ls.norm1, model.w(prefix + 'input_layernorm.weight'), dh);
      g[prefix + 'input_layernorm.weight'] = n1.dw;
      keep(g);
      Object.assign(grads, g);
      return tf.add(dx1, n1.dx) as tf.Tensor2D;
    });
    dxIn.dispose();
  }

  // Embedding rows: scatter-add of dx into the looked-up rows (scatterND sums duplicate indices;
  // gather's own gradient needs UnsortedSegmentSum, which wasm lacks).
  const dEmb = tf.tidy(() => {
    const V = c.vocab_size;
    const d = c.hidden_size;
    const scattered = tf.scatterND(tf.reshape(saved.ids, [-1, 1]), dx, [V, d]);
    const tied = grads['model.embed_tokens.weight'];
    return tied ? tf.add(tied, scattered) : scattered;
  });
  if (grads['model.embed_tokens.weight']) grads['model.embed_tokens.weight'].dispose();
  grads['model.embed_tokens.weight'] = dEmb;
  dx.dispose();
  assertWasmHealthy();
  return grads;
}

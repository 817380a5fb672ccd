/**
 * One optimisation step on the decoder: forward with saved activations, the caller's loss over the
 * target log-probs, the hand-written backward pass, global-norm clipping, AdamW.
 *
 * The loss is any differentiable function of token log-probs [B, T] (cross-entropy, the GRPO/PPO
 * surrogate, the ThinkTuning shaping): tfjs autograd differentiates that small function, and
 * `backward` carries dLoss/dlogp through the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { disposeSaved, forward } from '../model/forward.js';
import { backward } from '../model/backward.js';
import type { Grads } from '../model/params.js';
import { gatherTargets, type PackedBatch } from '../engine/score.js';
import { AdamW, clipByGlobalNorm } from './optim.js';

/** Loss over token log-probs [B, T]; must return a scalar. Extra outputs are returned as numbers. */
export type TokenLoss = (tokenLogp: tf.Tensor2D) => tf.Scalar;

export interface LossAndGrads {
  loss: number;
  grads: Grads;
  /** Token log-probs under the current parameters [B*T] (before the update). */
  tokenLogp: Float32Array;
  /** Mean entropy of the predictive distribution over masked positions (nats). */
  entropy: number;
}

export function lossAndGrads(model: CausalLM, batch: PackedBatch, lossFn: TokenLoss): LossAndGrads {
  const { B, T } = batch;
  const out = forward(model, { ids: batch.inputs, B, T }, { save: true });
  const targets = tf.tensor1d(batch.targets, 'int32');
  try {
    const tok = gatherTargets(out.logp, targets);
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => lossFn(tf.reshape(t, [B, T])))(tok);
    const dTok = tf.reshape(grad, [B * T]) as tf.Tensor1D;
    const grads = backward(model, out.saved!, out.logp, targets, dTok);
    const entropy = tf.tidy(() => {
      const mask = tf.tensor1d(batch.mask);
      const h = tf.neg(tf.sum(tf.mul(tf.exp(out.logp), out.logp), -1));
      return tf.div(tf.sum(tf.mul(h, mask)), tf.maximum(tf.sum(mask), 1));
    });
    const result = { loss: value.dataSync()[0], grads, tokenLogp: tok.dataSync() as Float32Array, entropy: entropy.dataSync()[0] };
    tf.dispose([tok, value, grad, dTok, entropy]);
    return result;
  } finally {
    targets.dispose();
    out.logp.dispose();
    disposeSaved(out.saved!);
  }
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  entropy: number;
  /** True when the loss or gradient norm was not finite and the update was skipped. */
  skipped: boolean;
  tokenLogp: Float32Array;
}

/** Forward, backward, clip, AdamW. A non-finite loss or gradient skips the update (reported). */
export function trainStep(model: CausalLM, opt: AdamW, batch: PackedBatch, lossFn: TokenLoss, o: { lr: number; maxGradNorm: number }): StepResult {
  const r = lossAndGrads(model, batch, lossFn);
  const clipped = clipByGlobalNorm(r.grads, o.maxGradNorm);
  const skipped = !Number.isFinite(r.loss) || !Number.isFinite(clipped.norm);
  if (!skipped) opt.step(model.params, clipped.grads, o.lr);
  const toDispose = new Set<tf.Tensor>([...Object.values(r.grads), ...Object.values(clipped.grads)]);
  tf.dispose([...toDispose]);
  return { loss: r.loss, gradNorm: clipped.norm, entropy: r.entropy, skipped, tokenLogp: r.tokenLogp };
}

/** Masked mean negative log-likelihood: the pretraining / SFT loss. */
export function crossEntropyLoss(mask: Float32Array): TokenLoss {
  return (tokenLogp) => tf.tidy(() => {
    const m = tf.tensor2d(mask, tokenLogp.shape);
    return tf.div(tf.neg(tf.sum(tf.mul(tokenLogp, m))), Math.max(1, mask.reduce((a, b) => a + b, 0))) as tf.Scalar;
  });
}

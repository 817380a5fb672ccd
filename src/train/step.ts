/**
 * One optimisation step on the decoder: forward with saved activations, the caller's loss over the
 * target log-probs, the hand-written backward pass, global-norm clipping, AdamW.
 *
 * The loss is a function of the target tokens' log-probs [B*T] evaluated on the host together with its
 * derivative (cross-entropy, the GRPO/PPO surrogate, the ThinkTuning shaping are all sums of per-token
 * terms with closed-form derivatives, see src/rl/shaping.ts); `backward` carries dLoss/dlogp through
 * the model. No tfjs autograd is involved (tfjs-core's Node bundle registers no gradients anyway).
 *
 * `temperature` (TrainOptions) scores tokens under log_softmax(logits / T), the distribution the
 * rollouts were sampled from, as TRL and verl do; the backward pass carries the 1 / T.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { disposeSaved, forward } from '../model/forward.js';
import { backward } from '../model/backward.js';
import type { Grads } from '../model/params.js';
import { gatherTargets, rowEntropy, type PackedBatch } from '../model/score.js';
import { AdamW, clipByGlobalNorm } from './optim.js';

/** Loss over token log-probs [B*T] (row-major [B, T]) and dLoss/dlogp for each token. */
export type TokenLoss = (tokenLogp: Float32Array) => { loss: number; dLogp: Float32Array };

interface PartResult {
  loss: number;
  /** Null for a scoring pass. */
  grads: Grads | null;
  /** Token log-probs under the current parameters [B*T] (before the update), at the step's temperature. */
  tokenLogp: Float32Array;
  /** Entropy of the predictive distribution at every position [B*T] (nats; padding included, unmasked). */
  tokenEntropy: Float32Array;
}

/**
 * Forward (saving activations only when `withGrads`), the loss on the host, and the backward pass when
 * `withGrads`. Without it this is a scoring pass: log-probs, loss and entropy, `grads` null.
 * `temperature` divides the logits (forward.ts); the backward pass reads it from the saved forward.
 */
function evaluatePart(model: CausalLM, batch: PackedBatch, lossFn: TokenLoss, withGrads: boolean, temperature: number): PartResult {
  const { B, T } = batch;
  const out = forward(model, { ids: batch.inputs, B, T }, { save: withGrads, temperature });
  const targets = tf.tensor1d(batch.targets, 'int32');
  try {
    const tok = gatherTargets(out.logp, targets);
    const tokenLogp = tok.dataSync() as Float32Array;
    const { loss, dLogp } = lossFn(tokenLogp);
    const dTok = withGrads ? tf.tensor1d(dLogp) : null;
    const grads = dTok ? backward(model, out.saved!, out.logp, targets, dTok, { temperature }) : null;
    const ent = rowEntropy(out.logp);
    const result = { loss, grads, tokenLogp, tokenEntropy: ent.dataSync() as Float32Array };
    tf.dispose([tok, ent]);
    if (dTok) dTok.dispose();
    return result;
  } finally {
    targets.dispose();
    out.logp.dispose();
    if (out.saved) disposeSaved(out.saved);
  }
}

/** One micro-batch of an update. `scoreOnly`: forward and loss only, its gradient is known to be zero. */
export interface TrainPart {
  batch: PackedBatch;
  lossFn: TokenLoss;
  scoreOnly?: boolean;
  /**
   * [B*T] positions the `entropy` figure averages over (default batch.mask, every real target). The
   * RL step passes its completion tokens so that prompt tokens do not dilute it.
   */
  entropyMask?: Float32Array;
}

export interface TrainOptions {
  lr: number;
  maxGradNorm: number;
  /** Logits are divided by this in the forward pass and the gradient follows (default 1). */
  temperature?: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** Mean entropy over the parts' entropy masks (nats). */
  entropy: number;
  /** True when the loss or gradient norm was not finite and the update was skipped. */
  skipped: boolean;
  tokenLogp: Float32Array;
  /** [B*T] entropy at every position. */
  tokenEntropy: Float32Array;
}

/** Forward, backward, clip, AdamW. A non-finite loss or gradient skips the update (reported). */
export function trainStep(model: CausalLM, opt: AdamW, batch: PackedBatch, lossFn: TokenLoss, o: TrainOptions): StepResult {
  const r = accumulatedTrainStep(model, opt, [{ batch, lossFn }], o);
  return { ...r, tokenLogp: r.tokenLogp[0], tokenEntropy: r.tokenEntropy[0] };
}

export type AccumulatedStepResult = Omit<StepResult, 'tokenLogp' | 'tokenEntropy'> & {
  /** Per part, in its own [B*T] layout. */
  tokenLogp: Float32Array[];
  tokenEntropy: Float32Array[];
};

/**
 * One update from several micro-batches: their gradients are summed before clipping and AdamW, so the
 * losses must already be normalised for the whole step (a sum of the parts = the step's loss). Used to
 * bucket sequences by length: one padded batch of a few long and many short rollouts wastes most of its
 * compute on padding. A part with `scoreOnly` is only scored (forward, loss, entropy; no backward): for
 * rows whose loss has zero gradient, such as GRPO rollouts with advantage 0. With no gradient part at
 * all the update still runs, on zero gradients (AdamW's momentum and weight decay move the weights, as
 * torch's optimizer.step() would after a zero loss).
 */
export function accumulatedTrainStep(model: CausalLM, opt: AdamW, parts: TrainPart[], o: TrainOptions): AccumulatedStepResult {
  const temperature = o.temperature ?? 1;
  let grads: Grads | null = null;
  let loss = 0;
  let entropyWeighted = 0;
  let tokens = 0;
  const tokenLogp: Float32Array[] = [];
  const tokenEntropy: Float32Array[] = [];
  for (const part of parts) {
    const r = evaluatePart(model, part.batch, part.lossFn, !part.scoreOnly, temperature);
    loss += r.loss;
    const mask = part.entropyMask ?? part.batch.mask;
    for (let i = 0; i < mask.length; i++) {
      entropyWeighted += mask[i] * r.tokenEntropy[i];
      tokens += mask[i];
    }
    tokenLogp.push(r.tokenLogp);
    tokenEntropy.push(r.tokenEntropy);
    if (!r.grads) continue;
    if (!grads) grads = r.grads;
    else {
      const acc: Grads = grads;
      for (const [k, g] of Object.entries(r.grads)) {
        const sum = tf.add(acc[k], g);
        tf.dispose([acc[k], g]);
        acc[k] = sum;
      }
    }
  }
  grads ??= tf.tidy(() => Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, tf.zerosLike(v)])));
  const clipped = clipByGlobalNorm(grads, o.maxGradNorm);
  const skipped = !Number.isFinite(loss) || !Number.isFinite(clipped.norm);
  if (!skipped) opt.step(model.params, clipped.grads, o.lr);
  tf.dispose([...new Set<tf.Tensor>([...Object.values(grads), ...Object.values(clipped.grads)])]);
  return { loss, gradNorm: clipped.norm, entropy: tokens ? entropyWeighted / tokens : 0, skipped, tokenLogp, tokenEntropy };
}

/** Masked mean negative log-likelihood: the pretraining / SFT loss. */
export function crossEntropyLoss(mask: Float32Array): TokenLoss {
  const n = Math.max(
    1,
    mask.reduce((a, b) => a + b, 0),
  );
  return (tokenLogp) => {
    let loss = 0;
    const dLogp = new Float32Array(tokenLogp.length);
    for (let i = 0; i < tokenLogp.length; i++) {
      loss -= (mask[i] * tokenLogp[i]) / n;
      dLogp[i] = -mask[i] / n;
    }
    return { loss, dLogp };
  };
}

/**
 * The one mapping from the run's config to what the loss and the update stage take, so that no key is
 * copied (or renamed) by hand anywhere else.
 */
import type { TrainConfig } from '../config/train-config.js';
import type { PolicyLossConfig } from '../rl/policy-loss.js';
import { deriveSeed } from './sampler.js';
import { learningRate } from '../train/schedule.js';
import type { UpdateSettings } from './update.js';

/** grpo.* and guidance.* as the policy loss names them. */
export function lossSettings(config: TrainConfig): PolicyLossConfig {
  const { grpo, guidance } = config;
  return {
    lossType: grpo.lossType,
    // Dr. GRPO's constant L: the response cap (a guided rollout's teacher part may run past it; the
    // divisor stays the constant all the same).
    maxCompletionTokens: grpo.maxNewTokens,
    epsLow: grpo.epsLow,
    epsHigh: grpo.epsHigh,
    dualClip: grpo.dualClip,
    beta: grpo.beta,
    shaping: guidance.shaping,
    gMin: guidance.gMin,
    gMax: guidance.gMax,
    aMin: guidance.aMin,
    aMax: guidance.aMax,
    gamma: guidance.gamma,
    fallbackP: guidance.fallbackP,
    luffyGamma: guidance.luffyGamma,
  };
}

/** Label of the update stage's random stream in deriveSeed (1 is the rollouts' and the teacher's). */
export const UPDATE_STREAM = 2;

/**
 * Everything the update of training step `step` needs. The learning rate follows the schedule per
 * training step (one rollout batch), as verl steps its scheduler once per batch, not per mini-batch.
 * The mini-batch shuffle has a stream of its own, so changing grpo.miniBatches never changes the
 * rollouts or the teacher's choices.
 */
export function updateSettings(config: TrainConfig, step: number, padId: number): UpdateSettings {
  const { grpo, guidance, optim, run } = config;
  return {
    loss: lossSettings(config),
    masks: { teacherMask: guidance.teacherMask, maskTruncated: grpo.maskTruncated },
    miniBatches: grpo.miniBatches,
    numIterations: grpo.numIterations,
    temperature: grpo.temperature,
    lr: learningRate(step, {
      lr: optim.lr,
      schedule: optim.schedule,
      warmupSteps: optim.warmupSteps,
      totalSteps: run.totalSteps,
      minLrRatio: optim.minLrRatio,
    }),
    maxGradNorm: optim.gradClip,
    padId,
    seed: deriveSeed(run.seed, step, UPDATE_STREAM),
  };
}

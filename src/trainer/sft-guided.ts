/**
 * The distillation baseline the paper says ThinkTuning avoids (`run.objective: sft-guided`): each step
 * generates rollouts and asks the teacher exactly as ThinkTuning does (same schedule, same teacher, same
 * choice of rollouts), then fits the student to the teacher-augmented rollouts alone with supervised
 * fine-tuning: token-mean cross-entropy over every completion token of those rollouts (the student's
 * part, the teacher's part and the end token: the whole-response mask), no advantage, no RL term, and
 * nothing from the rollouts the teacher did not finish. One optimiser step per training step, at the
 * step's learning rate and gradient clip; grpo.miniBatches does not apply (it splits RL's batch into
 * off-policy steps, which SFT has no notion of). Log-probs are the model's own (temperature 1): SFT fits
 * a distribution, it compares no ratio with the sampler.
 *
 * A step with no augmented rollout (the schedule has switched the teacher off, or every answer failed
 * to parse) makes no update at all: no forward, no AdamW step (so no momentum or weight decay either),
 * `perf/optimizer_steps` 0 and `sft/rows` 0 in the metrics.
 *
 * The outcome has the policy update's shape (update.ts), so the step report and rollouts.jsonl work
 * unchanged: the policy metrics are null, entropy is over the trained rows only (entropy/guided), and
 * every trained token's "shaping weight" is 1.
 */
import type { TrainConfig } from '../config/train-config.js';
import { TrainConfigError } from '../config/train-config.js';
import { emptyTally } from '../rl/policy-loss.js';
import { accumulatedTrainStep, crossEntropyLoss, type TokenLoss, type TrainPart } from '../train/step.js';
import type { StepMetrics } from './events.js';
import { MICRO_BATCH_TOKENS, lengthBuckets, packRollouts, scatterRows, type MaskOptions } from './pack.js';
import type { Rollout } from './rollout.js';
import { updatePolicy, type PolicyModels, type UpdateOutcome, type UpdateRecord, type UpdateSettings } from './update.js';

/** SFT trains on the whole augmented response, truncated or not (a guided rollout never is). */
const SFT_MASKS: MaskOptions = { teacherMask: 'whole-response', maskTruncated: false };

/** crossEntropyLoss over one micro-batch, scaled so the parts of a step add up to its token mean. */
function partOfTokenMean(mask: Float32Array, stepTokens: number): TokenLoss {
  const ce = crossEntropyLoss(mask);
  const share = mask.reduce((a, b) => a + b, 0) / stepTokens;
  return (tokenLogp) => {
    const { loss, dLogp } = ce(tokenLogp);
    for (let i = 0; i < dLogp.length; i++) dLogp[i] *= share;
    return { loss: loss * share, dLogp };
  };
}

/** The SFT step over the guided rollouts (see the header). Mutates the student and the optimiser only. */
export function sftGuidedUpdate(models: Pick<PolicyModels, 'student' | 'optimizer'>, rollouts: Rollout[], s: UpdateSettings): UpdateOutcome {
  const full = packRollouts(rollouts, s.padId, s.masks);
  const { B, T } = full.pack;
  const rows = rollouts.flatMap((r, b) => (r.guided ? [b] : []));
  const teacherTokenWeight = new Float32Array(B * T);
  const outcome: UpdateOutcome = {
    full,
    oldLogp: new Float32Array(B * T),
    updates: [],
    loss: NaN,
    gradNorm: NaN,
    skipped: false,
    policy: null,
    entropy: { all: null, guided: null, unguided: null },
    teacherTokenWeight,
    tokensProcessed: 0,
  };
  if (rows.length === 0) return outcome;

  const parts = lengthBuckets(
    rows.map((b) => rollouts[b]),
    s.microBatchTokens ?? MICRO_BATCH_TOKENS,
  )
    .map((bucket) => bucket.map((k) => rows[k]))
    .map((ix) => ({
      rows: ix,
      sub: packRollouts(
        ix.map((b) => rollouts[b]),
        s.padId,
        SFT_MASKS,
      ),
    }));
  const tokens = parts.reduce((n, p) => n + p.sub.batch.completionMask.reduce((a, b) => a + b, 0), 0);
  const trainParts: TrainPart[] = parts.map((p) => ({
    batch: p.sub.pack,
    entropyMask: p.sub.responseMask,
    lossFn: partOfTokenMean(p.sub.batch.completionMask, tokens),
  }));
  const r = accumulatedTrainStep(models.student, models.optimizer, trainParts, { lr: s.lr, maxGradNorm: s.maxGradNorm, temperature: 1 });
  const rec: UpdateRecord = {
    pass: 0,
    miniBatch: 0,
    rows,
    trained: rows,
    normalizers: { tokens, sequences: rows.length, rows: rows.length },
    loss: r.loss,
    gradNorm: r.gradNorm,
    skipped: r.skipped,
    logp: new Float32Array(B * T),
    ratio: new Float32Array(B * T),
    tally: emptyTally(),
  };
  parts.forEach((p, k) => {
    scatterRows(r.tokenLogp[k], p.sub.pack.T, p.rows, rec.logp, T);
    scatterRows(p.sub.batch.completionMask, p.sub.pack.T, p.rows, teacherTokenWeight, T);
    outcome.tokensProcessed += p.sub.pack.mask.reduce((a, b) => a + b, 0);
  });
  return { ...outcome, updates: [rec], loss: r.loss, gradNorm: r.gradNorm, skipped: r.skipped, entropy: { all: null, guided: r.entropy, unguided: null } };
}

/** The update stage for the run's objective: the policy update (rl) or the SFT baseline. */
export function objectiveUpdate(config: TrainConfig, models: PolicyModels, rollouts: Rollout[], s: UpdateSettings): UpdateOutcome {
  if (config.run.objective === 'rl') return updatePolicy(models, rollouts, s);
  if (!config.guidance.enabled) {
    throw new TrainConfigError(
      'config: run.objective is sft-guided but guidance.enabled is false, so there is nothing to learn from; set guidance.enabled=true or run.objective=rl',
    );
  }
  return sftGuidedUpdate(models, rollouts, s);
}

/** Metrics only the SFT objective has: rollouts and tokens it trained on (0 and 0: no update this step). */
export function objectiveMetrics(config: TrainConfig, u: UpdateOutcome): StepMetrics {
  if (config.run.objective === 'rl') return {};
  return { 'sft/rows': u.updates[0]?.trained.length ?? 0, 'sft/tokens': u.updates[0]?.normalizers.tokens ?? 0 };
}

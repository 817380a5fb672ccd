/**
 * The last stage of a step: what it tells the world. Step metrics under TRL's names (plus the
 * ThinkTuning ones), and the per-rollout records of rollouts.jsonl and the dashboard. Pure functions of
 * the earlier stages' outputs, except the tensor count, read when the metrics are made.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rewardMetrics } from '../rl/rewards.js';
import type { AdvantageStats } from '../rl/advantages.js';
import type { RolloutRecord, StepMetrics } from './events.js';
import type { GuidanceOutcome } from './guide.js';
import { completionIds, completionText, type Rollout } from './rollout.js';
import type { UpdateOutcome } from './update.js';
import type { RewardMetricName, StepMetricName } from './metrics.js';
import { meanOrNull } from '../math.js';

/** performance.now() at the start of the step and at the end of each timed stage (ms). */
export interface StageTimes {
  start: number;
  generated: number;
  guided: number;
  end: number;
}

export interface StepReportInput {
  step: number;
  /** Every rollout of the step, in the update's order (its [B*T] layout). */
  rollouts: Rollout[];
  rewardNames: string[];
  advantageStats: AdvantageStats;
  guidance: { pct: number; outcome: GuidanceOutcome };
  update: UpdateOutcome;
  lr: number;
  times: StageTimes;
}

export function stepMetrics(x: StepReportInput): StepMetrics {
  const { rollouts, update: u, times } = x;
  const pm = u.policy;
  const rewardsOf = (rs: Rollout[]) => rs.map((r) => r.reward).filter((v): v is number => v !== null);
  const guided = rollouts.filter((r) => r.guided);
  const unguided = rollouts.filter((r) => !r.guided);
  const lengths = rollouts.map((r) => completionIds(r).length);
  const s = (a: number, b: number) => (b - a) / 1000;
  // Exactly the names of the metric table (metrics.ts): a missing, extra or misspelt one does not compile.
  const named = {
    step: x.step,
    loss: u.loss,
    reward: x.advantageStats.reward,
    reward_std: x.advantageStats.rewardStd,
    frac_reward_zero_std: x.advantageStats.fracRewardZeroStd,
    'completions/mean_length': meanOrNull(lengths),
    'completions/max_length': Math.max(...lengths),
    'completions/clipped_ratio': rollouts.filter((r) => r.truncated).length / rollouts.length,
    // Fractions over the tokens of every optimiser step of the step (update.ts).
    'clip_ratio/low_mean': pm ? pm['clip_ratio/low_mean'] : null,
    'clip_ratio/high_mean': pm ? pm['clip_ratio/high_mean'] : null,
    'clip_ratio/region_mean': pm ? pm['clip_ratio/region_mean'] : null,
    kl: pm ? pm.kl : null,
    'clip_ratio/dual': pm ? pm['clip_ratio/dual'] : null,
    'teacher/guard_frac': pm ? pm['teacher/guard_frac'] : null,
    'loss/guided': pm ? pm['loss/guided'] : null,
    'loss/unguided': pm ? pm['loss/unguided'] : null,
    // The sampling policy's entropy over completion tokens only, so GRPO's and ThinkTuning's compare.
    entropy: u.entropy.all,
    'entropy/guided': u.entropy.guided,
    'entropy/unguided': u.entropy.unguided,
    grad_norm: u.gradNorm,
    lr: x.lr,
    'guidance/pct': x.guidance.pct,
    'guidance/count': guided.length,
    'guidance/chosen': x.guidance.outcome.chosen,
    'guidance/no_feedback': x.guidance.outcome.noFeedback,
    'reward/guided': meanOrNull(rewardsOf(guided)),
    'reward/unguided': meanOrNull(rewardsOf(unguided)),
    'advantage/guided_mean': meanOrNull(guided.map((r) => r.advantage)),
    'advantage/std': Math.sqrt(meanOrNull(rollouts.map((r) => r.advantage ** 2)) ?? 0),
    'teacher/tokens': pm ? pm['teacher/tokens'] : null,
    'teacher/mean_p': pm ? pm['teacher/mean_p'] : null,
    'teacher/fallback_frac': pm ? pm['teacher/fallback_frac'] : null,
    'perf/step_time': s(times.start, times.end),
    'perf/generate_time': s(times.start, times.generated),
    'perf/teacher_time': s(times.generated, times.guided),
    'perf/update_time': s(times.guided, times.end),
    'perf/tokens_per_s': u.tokensProcessed / s(times.guided, times.end),
    'perf/optimizer_steps': u.updates.length,
    'mem/num_tensors': tf.memory().numTensors,
    'mem/bytes': tf.memory().numBytes,
    skipped: u.skipped ? 1 : 0,
  } satisfies Record<StepMetricName, number | null>;
  const perRewardFunction: Partial<Record<RewardMetricName, number | null>> = rewardMetrics(
    rollouts.map((r) => r.rewards),
    x.rewardNames,
  );
  return { ...named, ...perRewardFunction };
}

/**
 * What rollouts.jsonl and the dashboard see of each rollout. `weights` [B*T] are the teacher-token
 * shaping weights in the packed layout (row b, target position t), T its row length.
 */
export function rolloutRecords(step: number, rollouts: Rollout[], weights: Float32Array, T: number, templateVersion: number): RolloutRecord[] {
  return rollouts.map((r, b) => {
    const studentLen = r.studentText.length;
    // Teacher token j is the target at position prompt + student + j - 1.
    const base = b * T + r.promptIds.length + r.studentIds.length - 1;
    return {
      step,
      group: r.group,
      sample: r.sample,
      promptId: r.problem.id,
      prompt: r.promptText,
      text: completionText(r),
      studentSpan: [0, studentLen],
      teacherSpan: r.guided ? [studentLen, studentLen + r.teacherText.length] : null,
      studentTokens: r.studentIds.length,
      teacherTokens: r.teacherIds.length,
      guided: r.guided,
      style: r.style,
      feedback: r.feedback ? { opinion: r.feedback.opinion, reason: r.feedback.reason, phrase: r.feedback.phrase } : null,
      noFeedbackReason: r.noFeedbackReason,
      reward: r.reward,
      rewards: r.rewards,
      advantage: r.advantage,
      terminated: r.ended,
      truncated: r.truncated,
      answer: r.problem.answer,
      endedBy: r.endId !== null ? 'end-token' : r.ended ? 'stop-string' : 'length',
      teacherTokenWeights: r.guided ? r.teacherIds.map((_, j) => weights[base + j]) : null,
      templateVersion,
    };
  });
}

/**
 * Every step metric a run reports, in one typed table: its name (TRL's GRPOTrainer names where TRL has
 * one; the guided / unguided split is LUFFY's on/off-policy split, guided = rollouts with teacher
 * feedback spliced in), a short label for lines and charts, and how its value is written. The step
 * (step-report.ts) must emit exactly these names, and the printer (print.ts) and the dashboard
 * (ui/state/metric-keys.ts) name metrics only through StepMetricName, so a typo does not compile.
 * Per reward function there are also `rewards/<name>/mean` and `/std` (rl/rewards.ts rewardMetrics).
 */
import { formatDuration, formatMemory, formatMetric } from './number-format.js';

/**
 * How a value is written: `value` as formatMetric (0.531, 12.3, 1.2k, 3.4e-4), `count` a whole number,
 * `seconds` a duration, `bytes` with a binary unit, `fraction` as formatMetric of a number in 0..1.
 */
export type MetricFormat = 'value' | 'count' | 'seconds' | 'bytes' | 'fraction';

export interface MetricInfo {
  label: string;
  format: MetricFormat;
}

const v = (label: string): MetricInfo => ({ label, format: 'value' });
const n = (label: string): MetricInfo => ({ label, format: 'count' });
const f = (label: string): MetricInfo => ({ label, format: 'fraction' });
const s = (label: string): MetricInfo => ({ label, format: 'seconds' });

export const STEP_METRICS = {
  /** 0-based step index (shown 1-based). */
  step: n('step'),
  loss: v('loss'),
  reward: v('reward'),
  reward_std: v('reward std'),
  frac_reward_zero_std: f('zero-std'),
  'completions/mean_length': v('length'),
  'completions/max_length': n('max length'),
  'completions/clipped_ratio': f('clipped'),
  // Fractions over the tokens of every optimiser step of the step (update.ts); 0 when every ratio is 1.
  'clip_ratio/low_mean': f('clip low'),
  'clip_ratio/high_mean': f('clip high'),
  'clip_ratio/region_mean': f('clip'),
  'clip_ratio/dual': f('dual clip'),
  kl: v('kl'),
  'teacher/guard_frac': f('guard'),
  'loss/guided': v('loss guided'),
  'loss/unguided': v('loss unguided'),
  /** The sampling policy's entropy over completion tokens only, so GRPO's and ThinkTuning's compare. */
  entropy: v('entropy'),
  'entropy/guided': v('entropy guided'),
  'entropy/unguided': v('entropy unguided'),
  grad_norm: v('gnorm'),
  lr: v('lr'),
  /** The guidance schedule's fraction (0..1) of eligible rollouts sent to the teacher. */
  'guidance/pct': f('pct'),
  /** Rollouts of the step that got feedback spliced in. */
  'guidance/count': n('guided'),
  /** Rollouts of the step sent to the teacher (asked for feedback). */
  'guidance/chosen': n('asked'),
  /** Of those, the ones whose teacher answer gave no usable feedback (an error or an unparseable reply). */
  'guidance/no_feedback': n('no feedback'),
  'reward/guided': v('guided'),
  'reward/unguided': v('unguided'),
  'advantage/guided_mean': v('adv guided'),
  /** Standard deviation of the advantages over the batch: ~0 means no learning signal. */
  'advantage/std': v('adv std'),
  'teacher/tokens': n('teacher tokens'),
  'teacher/mean_p': v('teacher p'),
  'teacher/fallback_frac': f('fallback'),
  /** Seconds for the whole step, and for its stages. */
  'perf/step_time': s('step time'),
  'perf/generate_time': s('generate'),
  'perf/teacher_time': s('teacher'),
  'perf/update_time': s('update'),
  'perf/tokens_per_s': v('tok/s'),
  'perf/optimizer_steps': n('optimizer steps'),
  'mem/num_tensors': n('tensors'),
  /** Bytes held by tfjs tensors (tf.memory().numBytes), not the process's memory. */
  'mem/bytes': { label: 'tensor memory', format: 'bytes' },
  /** 1 when the step made no update (a non-finite loss was skipped). */
  skipped: n('skipped'),
} as const satisfies Record<string, MetricInfo>;

export type StepMetricName = keyof typeof STEP_METRICS;
/** Per reward function (rl/rewards.ts rewardMetrics). */
export type RewardMetricName = `rewards/${string}/mean` | `rewards/${string}/std`;

/** A step metric's value written as its table entry says; `missing` when the step did not report it. */
export function formatStepMetric(name: StepMetricName, value: number | null | undefined, missing = '–'): string {
  if (value === null || value === undefined) return missing;
  switch (STEP_METRICS[name].format) {
    case 'count':
      return Number.isInteger(value) ? String(value) : formatMetric(value, missing);
    case 'seconds':
      return formatDuration(value, missing);
    case 'bytes':
      return Number.isFinite(value) ? formatMemory(value / 2 ** 20) : formatMetric(value, missing);
    case 'value':
    case 'fraction':
      return formatMetric(value, missing);
  }
}

/**
 * The step metrics the dashboard reads, by the names of the one metric table (src/trainer/metrics.ts,
 * which the trainer's step emits exactly): a name that is not in it does not compile. A metric a run
 * does not send (an older run's files) shows as blank; nothing here is required.
 */
import { STEP_METRICS, type StepMetricName } from '../../src/trainer/metrics.js';

export const METRIC = {
  reward: 'reward',
  rewardStd: 'reward_std',
  rewardGuided: 'reward/guided',
  rewardUnguided: 'reward/unguided',
  /** Standard deviation of the advantages over the batch: ~0 means no learning signal. */
  advantageStd: 'advantage/std',
  fracRewardZeroStd: 'frac_reward_zero_std',
  kl: 'kl',
  entropy: 'entropy',
  meanLength: 'completions/mean_length',
  tokensPerS: 'perf/tokens_per_s',
  /** Seconds for the whole step. */
  stepTimeS: 'perf/step_time',
  numTensors: 'mem/num_tensors',
  /** Bytes held by tfjs tensors (tf.memory().numBytes). */
  memoryBytes: 'mem/bytes',
  /** The guidance schedule's fraction (0..1) of eligible rollouts sent to the teacher (the trainer calls it pct). */
  guidanceFraction: 'guidance/pct',
  /** Rollouts of the step sent to the teacher (asked for feedback). */
  guidanceChosen: 'guidance/chosen',
  /** Of those, the ones whose teacher answer gave no usable feedback (an error or an unparseable reply). */
  guidanceNoFeedback: 'guidance/no_feedback',
} as const satisfies Record<string, StepMetricName>;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** One sparkline: which metric, its label, and which charts share a vertical scale. */
export interface ChartDef {
  label: string;
  metric: StepMetricName;
  /** Charts with the same scale group are drawn against one min/max so they can be compared. */
  scale?: string;
  /** Theme role for the line colour (ui/theme.ts). */
  role?: 'guided' | 'unguided';
  /** Drawn from the compared run (`thinktune watch RUN_A RUN_B`) rather than the watched one. */
  compared?: boolean;
}

const chart = (metric: StepMetricName, extra: Omit<ChartDef, 'label' | 'metric'> = {}): ChartDef => ({ label: STEP_METRICS[metric].label, metric, ...extra });

/** In priority order: a narrow or short screen shows the first ones. Labels are the metric table's. */
export const CHARTS: readonly ChartDef[] = [
  chart(METRIC.reward, { scale: 'reward' }),
  chart(METRIC.rewardGuided, { scale: 'reward', role: 'guided' }),
  chart(METRIC.rewardUnguided, { scale: 'reward', role: 'unguided' }),
  chart(METRIC.meanLength),
  chart(METRIC.advantageStd),
  chart(METRIC.kl),
  chart(METRIC.entropy),
  chart(METRIC.fracRewardZeroStd),
];

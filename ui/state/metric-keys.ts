/**
 * The step-metric names the dashboard reads, in one table so the trainer and the UI agree on them.
 * Training metrics follow TRL's GRPOTrainer names; the guided/unguided split follows LUFFY's
 * on/off-policy split (guided = rollouts that got teacher feedback spliced in).
 * Names match what src/trainer/think-step.ts emits. A metric the trainer does not send shows as
 * blank; nothing here is required.
 */
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
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** One sparkline: which metric, its label, and which charts share a vertical scale. */
export interface ChartDef {
  label: string;
  metric: string;
  /** Charts with the same scale group are drawn against one min/max so they can be compared. */
  scale?: string;
  /** Theme role for the line colour (ui/theme.ts). */
  role?: 'guided' | 'unguided';
  /** Drawn from the compared run (`thinktune watch RUN_A RUN_B`) rather than the watched one. */
  compared?: boolean;
}

/** In priority order: a narrow or short screen shows the first ones. */
export const CHARTS: readonly ChartDef[] = [
  { label: 'reward', metric: METRIC.reward, scale: 'reward' },
  { label: 'guided', metric: METRIC.rewardGuided, scale: 'reward', role: 'guided' },
  { label: 'unguided', metric: METRIC.rewardUnguided, scale: 'reward', role: 'unguided' },
  { label: 'length', metric: METRIC.meanLength },
  { label: 'adv std', metric: METRIC.advantageStd },
  { label: 'kl', metric: METRIC.kl },
  { label: 'entropy', metric: METRIC.entropy },
  { label: 'zero-std', metric: METRIC.fracRewardZeroStd },
];

/**
 * Group-relative advantages (GRPO; docs/method.md, "Training loop" step 8: A = (r - mean) / (std + 1e-6) per prompt group,
 * augmented rollouts included), with TRL's `scale_rewards` switch:
 *   'group': A = (r - mean_group) / (std_group + eps)
 *   'batch': A = (r - mean_group) / (std_batch + eps)     (std over every reward in the batch)
 *   'none' : A =  r - mean_group                           (Dr. GRPO)
 *
 * Standard deviation: TRL (grpo_trainer.py, `_generate_and_score_completions`) uses torch's `.std()`,
 * which is the unbiased sample std (divides by N - 1); that is the default here (`stdKind: 'sample'`).
 * 'population' divides by N. With fewer than two values the sample std is taken as 0 (TRL does the
 * same when num_generations is 1). eps defaults to docs/method.md's 1e-6 (TRL uses 1e-4).
 *
 * Null rewards (unscorable rollouts) are left out of every mean and std and get advantage 0, so they
 * neither push nor pull the policy.
 */
import { mean } from '../math.js';

export type RewardScaling = 'group' | 'batch' | 'none';
export type StdKind = 'population' | 'sample';

/** Per-step reward statistics under the metric names TRL logs. */
export interface AdvantageStats {
  /** Mean of all non-null rewards (TRL: `reward`); null when every reward is null. */
  reward: number | null;
  /** Mean of the per-group stds over groups with a reward (TRL: `reward_std` in group/none mode). */
  rewardStd: number | null;
  /** Fraction of groups whose std is ~0, i.e. no learning signal (TRL: `frac_reward_zero_std`). */
  fracRewardZeroStd: number;
  /** Std over every non-null reward in the batch (the divisor in 'batch' mode). */
  batchStd: number | null;
  /** Per group: mean and std of its non-null rewards (null when the group has none). */
  groupMeans: (number | null)[];
  groupStds: (number | null)[];
}

export interface GroupAdvantages {
  /** [numGroups][G], same shape as the rewards. */
  advantages: number[][];
  stats: AdvantageStats;
}

/** torch.isclose(std, 0) with its default atol: a group this flat carries no signal. */
const ZERO_STD_ATOL = 1e-8;

/** Std of xs (sample: / (N - 1), population: / N); 0 for a sample std of fewer than two values. */
export function standardDeviation(xs: number[], kind: StdKind): number {
  const denom = kind === 'sample' ? xs.length - 1 : xs.length;
  if (denom <= 0) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / denom);
}

function present(group: (number | null)[]): number[] {
  return group.filter((r): r is number => r !== null);
}

function validate(rewards: (number | null)[][], scale: string, eps: number, stdKind: string): void {
  if (!['group', 'batch', 'none'].includes(scale)) throw new Error(`Unknown reward scaling "${scale}": use group, batch or none.`);
  if (!['population', 'sample'].includes(stdKind)) throw new Error(`Unknown std kind "${stdKind}": use population or sample.`);
  if (!(eps >= 0)) throw new Error(`Advantage eps must be >= 0, got ${eps}.`);
  for (const group of rewards) {
    for (const r of group) {
      if (r !== null && !Number.isFinite(r)) throw new Error(`Reward ${r} is not finite: reward functions must return finite numbers or null.`);
    }
  }
}

/**
 * Advantages for rewards[numGroups][G] (one row per prompt, one column per rollout; rows may differ in
 * length), plus the step's reward statistics.
 */
export function groupAdvantages(rewards: (number | null)[][], scale: RewardScaling = 'group', eps = 1e-6, stdKind: StdKind = 'sample'): GroupAdvantages {
  validate(rewards, scale, eps, stdKind);
  const groups = rewards.map(present);
  const groupMeans = groups.map((g) => (g.length > 0 ? mean(g) : null));
  const groupStds = groups.map((g) => (g.length > 0 ? standardDeviation(g, stdKind) : null));
  const all = groups.flat();
  const batchStd = all.length > 0 ? standardDeviation(all, stdKind) : null;

  const advantages = rewards.map((group, gi) =>
    group.map((r) => {
      const m = groupMeans[gi];
      if (r === null || m === null) return 0;
      const centred = r - m;
      if (scale === 'none') return centred;
      const denom = (scale === 'group' ? groupStds[gi]! : batchStd!) + eps;
      return denom > 0 ? centred / denom : 0; // denom 0 only when eps = 0 and every reward is equal
    }),
  );

  const scored = groupStds.filter((s): s is number => s !== null);
  const stats: AdvantageStats = {
    reward: all.length > 0 ? mean(all) : null,
    rewardStd: scored.length > 0 ? mean(scored) : null,
    fracRewardZeroStd: scored.length > 0 ? scored.filter((s) => s <= ZERO_STD_ATOL).length / scored.length : 0,
    batchStd,
    groupMeans,
    groupStds,
  };
  return { advantages, stats };
}

/**
 * Reward functions: plain functions of one rollout, returning a number or null ("cannot score this
 * sample", e.g. no ground truth). Shaped like TRL's reward functions (one column per function in the
 * rollouts x functions matrix, combined by a weighted sum that skips missing values, as TRL's nansum).
 *
 * The ThinkTuning reward (docs/method.md, "Training loop" step 7) is `mathAnswerReward`: 1 if the response terminated
 * properly (exactly one end-of-sequence token, not truncated) and its last \boxed{} (else `#### N`)
 * is math-equivalent to the ground truth, otherwise 0. For augmented rollouts the completion is the
 * augmented text (student part + teacher feedback), scored exactly like the student's own rollouts.
 *
 * Reward functions from user files (grpo.rewards[i].file) are loaded by reward-file.ts and arrive here as
 * plain RewardFns that throw a RewardError on a bad value.
 */
import { answersEquivalent, extractAnswer, extractFirstAnswer } from './math-answer.js';

/** Everything a reward function may look at for one rollout. */
export interface RewardContext {
  prompt: string;
  /** The response text without its end token. */
  completion: string;
  /** Ground truth: a bare answer ("72"), or a full solution holding `#### 72` / `\boxed{72}`. */
  answer: string;
  /** True when generation stopped on an end token (false: truncated at the length limit). */
  terminated: boolean;
  /** How many end-of-sequence tokens the rollout emitted; undefined when the caller does not count them. */
  endTokenCount?: number;
  /** The raw dataset row, for custom reward functions. */
  sample: Record<string, unknown>;
}

/** A reward function: a score for one rollout, or null when it cannot score it. */
export type RewardFn = (ctx: RewardContext) => number | null;

/** A reward function in a weighted combination; `name` keys its column in logs. */
export interface WeightedReward {
  name: string;
  fn: RewardFn;
  weight: number;
}

/**
 * A reward function failed or returned something that is not a score (a throw, NaN, a string, a Promise),
 * or a list of rewards cannot be used (two with one name, an unknown built-in, a file that does not load).
 * The message is one line naming the reward and the fix. It is not caught on the way up: a reward that
 * cannot score means the run's rewards are wrong, so the trainer stops rather than train on them.
 */
export class RewardError extends Error {
  override name = 'RewardError';
}

/**
 * "Terminated properly" per docs/method.md: generation stopped on an end token and exactly one end
 * token was emitted (when the caller counts them; otherwise `terminated` alone decides).
 */
export function endedProperly(ctx: RewardContext): boolean {
  return ctx.terminated && (ctx.endTokenCount === undefined || ctx.endTokenCount === 1);
}

/** The ground-truth final answer: extracted from `#### N` / `\boxed{}` when present, else the whole string. */
export function groundTruthAnswer(answer: string): string | null {
  const extracted = /####|\\boxed|\\fbox/.test(answer) ? extractAnswer(answer) : answer.trim();
  return extracted ? extracted : null;
}

/**
 * The reward of an answer that `extract` reads from the completion: 1 if the rollout ended properly and
 * that answer is equivalent to the ground truth; 0 otherwise (including "no answer"); null when there is
 * no ground truth.
 */
function answerReward(extract: (completion: string) => string | null): RewardFn {
  return (ctx) => {
    const truth = groundTruthAnswer(ctx.answer);
    if (truth === null) return null;
    if (!endedProperly(ctx)) return 0;
    const predicted = extract(ctx.completion);
    return predicted !== null && answersEquivalent(predicted, truth) ? 1 : 0;
  };
}

/**
 * 1 if the rollout ended properly and its final answer (last \boxed{}, else `#### N`) is equivalent to
 * the ground truth; 0 otherwise (including "no final answer"); null when there is no ground truth.
 */
export const mathAnswerReward: RewardFn = answerReward(extractAnswer);

/**
 * Not in the paper: as `mathAnswerReward`, but for the FIRST answer (first \boxed{}, else `#### N`): the
 * answer before any reflection. Added to `accuracy`, it pays a right first try more than a wrong one
 * that a reflection (or the teacher's feedback) repairs. A response without a reflection gives one
 * answer, so for plain GRPO it equals `accuracy`; as advantages are normalised per group, `accuracy`
 * plus any weight of it gives GRPO the advantages of `accuracy` alone (up to the 1e-6 in their
 * denominator).
 */
export const firstAnswerReward: RewardFn = answerReward(extractFirstAnswer);

/** 1 if the rollout ended with exactly one end token (not truncated), else 0. */
export const terminationReward: RewardFn = (ctx) => (endedProperly(ctx) ? 1 : 0);

/** Built-in reward functions by the name a config uses. */
export const BUILTIN_REWARDS: Readonly<Record<string, RewardFn>> = Object.freeze({
  /** The paper's reward (docs/method.md, "Training loop" step 7): terminated and the last \boxed{} is right. */
  accuracy: mathAnswerReward,
  math_answer: mathAnswerReward,
  termination: terminationReward,
  /** Not in the paper: the first \boxed{} is right (the answer before any reflection). */
  first_answer: firstAnswerReward,
});

/** The built-in reward called `name`; throws a one-line error listing the known names. */
export function builtinReward(name: string): RewardFn {
  const fn = BUILTIN_REWARDS[name];
  if (!fn) throw new RewardError(`Unknown reward "${name}": use one of ${Object.keys(BUILTIN_REWARDS).join(', ')}.`);
  return fn;
}

/**
 * Scores one rollout with every function: perFunction[name] = fn(ctx) (null if unscorable) and
 * total = sum over non-null of weight * value; total is null when every function returned null.
 * (TRL would count an all-NaN row as 0; null lets the advantage step leave such a rollout out.)
 * A function's RewardError (and any other throw) propagates unchanged: nothing here catches.
 */
export function combineRewards(fns: WeightedReward[], ctx: RewardContext): { perFunction: Record<string, number | null>; total: number | null } {
  const perFunction: Record<string, number | null> = {};
  let total: number | null = null;
  for (const { name, fn, weight } of fns) {
    if (name in perFunction) throw new RewardError(`Reward "${name}" is listed twice: give each reward function a distinct name.`);
    const value = fn(ctx);
    if (value !== null && !Number.isFinite(value)) {
      throw new RewardError(`Reward "${name}" returned ${value}: reward functions must return a finite number or null.`);
    }
    perFunction[name] = value;
    if (value !== null) total = (total ?? 0) + weight * value;
  }
  return { perFunction, total };
}

/** Mean and sample std of the finite values; null where there are too few (none for the mean, one for the std). */
function meanAndStd(values: readonly number[]): { mean: number | null; std: number | null } {
  const n = values.length;
  if (n === 0) return { mean: null, std: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  // TRL's nanstd applies Bessel's correction (count / (count - 1)); with one value that is 0 * inf = NaN
  // there, and null here (metrics are number | null).
  if (n === 1) return { mean, std: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Per-function metrics of one step, under TRL's names: `rewards/<name>/mean` and `rewards/<name>/std` over
 * the step's rollouts (`perFunction` is each rollout's combineRewards(...).perFunction). As TRL's
 * torch.nanmean / nanstd over the rollouts x functions matrix: null (TRL: NaN) values are skipped, the
 * std is the unbiased sample std, and a function with no value gets null for both (one value: std null).
 * A rollout without a key for `name` counts as null. Keys come in `names` order, mean before std.
 */
export function rewardMetrics(perFunction: readonly Record<string, number | null>[], names: readonly string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of names) {
    const values = perFunction.map((r) => r[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const { mean, std } = meanAndStd(values);
    out[`rewards/${name}/mean`] = mean;
    out[`rewards/${name}/std`] = std;
  }
  return out;
}

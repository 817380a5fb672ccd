/**
 * Which rollouts the teacher finishes (docs/method.md, "Training loop" steps 2-3).
 *
 * Schedule: pct falls linearly from initPct to minPct over D decay steps (the paper: D = floor(totalSteps
 * / 3), guidanceDecaySteps) and then stays at minPct; once pct <= offThreshold the teacher is switched
 * off for good and training is plain GRPO.
 * With the defaults (0.10 -> 0.01, off at 0.06) the teacher is on for the first 4/9 of the decay
 * window, about 15% of training: 0.10 - 0.09 * s / D <= 0.06  <=>  s >= 4D/9.
 *
 * Selection: in each prompt group only completed rollouts (exactly one end token, not truncated) are
 * eligible; k = max(1, floor(eligible * pct)) of them are chosen uniformly at random without
 * replacement. Correctness plays no part.
 */

export interface GuidanceSchedule {
  /** Fraction guided at step 0 (paper: 0.10). */
  initPct?: number;
  /** Fraction guided after the decay (paper: 0.01). */
  minPct?: number;
  /** The teacher is switched off once pct <= this (paper: 0.06). */
  offThreshold?: number;
}

export const DEFAULT_GUIDANCE_SCHEDULE: Required<GuidanceSchedule> = { initPct: 0.1, minPct: 0.01, offThreshold: 0.06 };

/** Absorbs float error in the pct arithmetic (0.10 - 0.04 = 0.06000000000000001 must count as 0.06). */
const PCT_EPS = 1e-12;

function checkFraction(name: string, x: number): void {
  if (!(x >= 0 && x <= 1)) throw new Error(`Guidance ${name} must be a fraction in [0, 1], got ${x}.`);
}

/** The linear schedule without the switch-off: initPct -> minPct over decaySteps steps. */
function scheduledPct(step: number, decaySteps: number, initPct: number, minPct: number): number {
  if (decaySteps <= 0) return minPct; // no decay window (e.g. 'auto' with fewer than 3 steps): at minPct from the start
  const t = Math.min(step, decaySteps) / decaySteps;
  return initPct + (minPct - initPct) * t;
}

/**
 * Length of the decay window: guidance.decaySteps, where 'auto' is the paper's floor(totalSteps / 3)
 * (0 when totalSteps < 3: no window, pct is minPct from step 0).
 */
export function guidanceDecaySteps(setting: 'auto' | number, totalSteps: number): number {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new Error(`Total steps must be an integer >= 1, got ${totalSteps}.`);
  if (setting === 'auto') return Math.floor(totalSteps / 3);
  if (!Number.isInteger(setting) || setting < 1) throw new Error(`Guidance decaySteps must be 'auto' or an integer >= 1, got ${setting}.`);
  return setting;
}

/**
 * Fraction of eligible rollouts to guide at `step` (0-based) when pct decays over `decaySteps` steps
 * (guidanceDecaySteps); 0 means the teacher is off. Stateless: "stays off" holds because the schedule
 * is linear, so it was at or below the threshold at some earlier step exactly when it is now or was at
 * step 0.
 */
export function guidancePct(step: number, decaySteps: number, schedule: GuidanceSchedule = {}): number {
  const { initPct, minPct, offThreshold } = { ...DEFAULT_GUIDANCE_SCHEDULE, ...schedule };
  if (!Number.isInteger(step) || step < 0) throw new Error(`Guidance step must be an integer >= 0, got ${step}.`);
  if (!Number.isInteger(decaySteps) || decaySteps < 0) throw new Error(`Guidance decay steps must be an integer >= 0, got ${decaySteps}.`);
  checkFraction('initPct', initPct);
  checkFraction('minPct', minPct);
  if (!Number.isFinite(offThreshold)) throw new Error(`Guidance offThreshold must be a number (negative: never switch off), got ${offThreshold}.`);
  const now = scheduledPct(step, decaySteps, initPct, minPct);
  const lowestSoFar = Math.min(now, scheduledPct(0, decaySteps, initPct, minPct));
  return lowestSoFar <= offThreshold + PCT_EPS ? 0 : now;
}

/**
 * Rollout indices to guide in one group, ascending: k = max(1, floor(n * pct)) of the n eligible
 * indices, uniformly without replacement (partial Fisher-Yates driven by `rng`, uniform in [0, 1)).
 * None when pct is 0 or nothing is eligible.
 */
export function chooseGuided(eligible: number[], pct: number, rng: () => number): number[] {
  checkFraction('pct', pct);
  const n = eligible.length;
  if (pct === 0 || n === 0) return [];
  const k = Math.min(n, Math.max(1, Math.floor(n * pct + PCT_EPS)));
  const pool = [...eligible];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

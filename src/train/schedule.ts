/**
 * Learning-rate schedules, as a pure function of the optimizer step.
 *
 * Step convention: `step` is the 0-based index of the optimizer step about to be taken (0 for the first
 * update). Warmup ramps linearly so that step 0 already gets lr/warmupSteps (a zero learning rate would
 * waste the first update, as nanoGPT notes) and step warmupSteps-1 gets the full lr.
 *
 * - 'constant':      lr at every step (warmupSteps and totalSteps are ignored).
 * - 'linear-warmup': lr*(step+1)/warmupSteps for step < warmupSteps, then lr.
 * - 'cosine':        the same warmup, then half a cosine from lr down to lr*minLrRatio, reached at
 *                    step == totalSteps and held after it (the curve of HF transformers'
 *                    get_cosine_schedule_with_warmup with a floor, as in nanoGPT).
 */

export type ScheduleKind = 'constant' | 'linear-warmup' | 'cosine';

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'linear-warmup', 'cosine'];

export interface ScheduleOptions {
  /** Peak learning rate (after warmup). */
  lr: number;
  schedule: ScheduleKind;
  /** Steps of linear warmup; 0 for none. Ignored by 'constant'. */
  warmupSteps?: number;
  /** Step at which the cosine reaches its floor. Used (and required) by 'cosine' only. */
  totalSteps?: number;
  /** Floor of the cosine as a fraction of lr, in [0, 1]. Default 0. */
  minLrRatio?: number;
}

/** The learning rate for optimizer step `step` (0-based) under `opts`. */
export function learningRate(step: number, opts: ScheduleOptions): number {
  validate(step, opts);
  const { lr, schedule } = opts;
  if (schedule === 'constant') return lr;
  const warmupSteps = opts.warmupSteps ?? 0;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  if (schedule === 'linear-warmup') return lr;
  const totalSteps = opts.totalSteps as number;
  const minLr = lr * (opts.minLrRatio ?? 0);
  // progress in [0, 1] over the decay phase; held at 1 past totalSteps.
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

function validate(step: number, opts: ScheduleOptions): void {
  if (!Number.isFinite(step) || step < 0) {
    throw new Error(`learningRate: step must be a finite number >= 0, got ${step}`);
  }
  if (!Number.isFinite(opts.lr) || opts.lr < 0) {
    throw new Error(`learningRate: lr must be a finite number >= 0, got ${opts.lr}`);
  }
  if (!SCHEDULE_KINDS.includes(opts.schedule)) {
    throw new Error(`learningRate: schedule must be one of ${SCHEDULE_KINDS.join(', ')}, got '${opts.schedule}'`);
  }
  if (opts.schedule === 'constant') return;
  const warmupSteps = opts.warmupSteps ?? 0;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new Error(`learningRate: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  }
  if (opts.schedule !== 'cosine') return;
  const { totalSteps } = opts;
  if (totalSteps === undefined || !Number.isInteger(totalSteps) || totalSteps <= warmupSteps) {
    throw new Error(`learningRate: cosine needs an integer totalSteps > warmupSteps (${warmupSteps}), got ${totalSteps}`);
  }
  const ratio = opts.minLrRatio ?? 0;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new Error(`learningRate: minLrRatio must be in [0, 1], got ${ratio}`);
  }
}

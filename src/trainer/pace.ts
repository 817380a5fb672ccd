/**
 * How fast a run goes: the durations of its recent steps, and the time left they predict.
 * Step indices in events are 0-based, so after the step with index i, `totalSteps - (i + 1)` are left.
 */

/** Seconds left: steps left x mean of the recent step times (seconds); null when either is unknown. */
export function etaSeconds(stepsLeft: number | null, recentStepS: readonly number[]): number | null {
  if (stepsLeft === null || recentStepS.length === 0) return null;
  const mean = recentStepS.reduce((a, b) => a + b, 0) / recentStepS.length;
  return Math.max(0, stepsLeft) * mean;
}

/** A step time worth averaging: finite and positive (a clock jump or a missing figure is not). */
export const isStepTime = (s: number | null | undefined): s is number => typeof s === 'number' && Number.isFinite(s) && s > 0;

/**
 * Tracks step-start times and the last `window` step durations. The trainer reports each step's own
 * time (`perf/step_time`); a source that does not is timed from its step-start to its step event.
 */
export class StepPace {
  private times: number[] = [];
  private started: { step: number; at: number } | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly window = 20,
  ) {}

  /** A new run: the old run's speed says nothing about this one. */
  reset(): void {
    this.times = [];
    this.started = null;
  }

  stepStarted(step: number): void {
    this.started = { step, at: this.now() };
  }

  /** Step `step` (0-based) finished; returns its duration in seconds (the reported one, else measured), or null. */
  stepFinished(step: number, reportedS: number | null | undefined): number | null {
    const measured = this.started !== null && this.started.step === step ? (this.now() - this.started.at) / 1000 : null;
    this.started = null;
    const seconds = isStepTime(reportedS) ? reportedS : measured;
    if (!isStepTime(seconds)) return null;
    this.times.push(seconds);
    if (this.times.length > this.window) this.times.shift();
    return seconds;
  }

  /** Seconds left once `done` of `total` steps are finished; null before any step time is known. */
  etaS(done: number, total: number | null): number | null {
    return etaSeconds(total === null ? null : total - done, this.times);
  }
}

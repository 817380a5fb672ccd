/**
 * Plain one-line-per-event progress output: the one format for headless `thinktune train`, the
 * dashboard's fallback without a terminal (ui/plain.ts) and `thinktune compare`'s log. No colour, no
 * cursor movement, ASCII only, so the lines read the same in a pipe, a CI log or under nohup.
 *
 *   run demo in runs/demo: steps 1..200 on wasm (no WebGPU)
 *   step 12/200  reward 0.531 (guided 0.612, unguided 0.480)  teacher 2/6 (pct 0.250)  adv std 0.812  kl 1.2e-3  entropy 1.234  len 123  gnorm 0.412  |  1234 tok/s  3.5s/step  ETA 10m 58s
 *   warning: teacher: 3 of 8 calls failed at step 13: teacher at http://gpu:8000/v1 failed after 3 attempts: HTTP 503: ...
 *   checkpoint saved at step 20: runs/demo/checkpoints/step-20
 *   done after step 200 (completed)
 *
 * Step numbers count finished steps from 1 ("step 1/200" after the first step), while events carry
 * 0-based step indices (`e.step`); checkpoint and done events already carry counts. The ETA is the
 * steps this process has left (to --max-steps when set, else to the total) x the mean of the recent
 * step times (trainer/pace.ts).
 * These lines are for people: programs read `thinktune train --json` instead (protocol.ts), never these.
 */
import type { StepMetrics, TrainEvent } from './events.js';
import { formatStepMetric, type StepMetricName } from './metrics.js';
import { formatDuration } from './number-format.js';
import { StepPace } from './pace.js';

/** Where a line belongs: callers may send warnings and errors to stderr. */
export type LineLevel = 'info' | 'warning' | 'error';

export interface ProgressLine {
  text: string;
  level: LineLevel;
}

/** Metric names the step line reads (the metric table, metrics.ts). */
const M = {
  reward: 'reward',
  rewardGuided: 'reward/guided',
  rewardUnguided: 'reward/unguided',
  teacherCount: 'guidance/count',
  teacherChosen: 'guidance/chosen',
  guidancePct: 'guidance/pct',
  advantageStd: 'advantage/std',
  kl: 'kl',
  entropy: 'entropy',
  meanLength: 'completions/mean_length',
  gradNorm: 'grad_norm',
  tokensPerS: 'perf/tokens_per_s',
  stepTimeS: 'perf/step_time',
} as const satisfies Record<string, StepMetricName>;

/**
 * The number a user reads for the step with 0-based index `index` (events, rollouts.jsonl and
 * annotations store indices): its 1-based position, the count of steps finished once it is done.
 */
export const stepNumber = (index: number): number => index + 1;

const secs = (s: number | null) => formatDuration(s, '-');

export interface StepLineInput {
  /** Steps finished, this one included (1 after the first step). */
  done: number;
  /** null while the run's size is unknown (a printer that joined after run-start). */
  total: number | null;
  metrics: StepMetrics;
  /** This step's duration and the time left, in seconds; null when not known yet. */
  stepS: number | null;
  etaS: number | null;
}

export function stepLine({ done, total, metrics: m, stepS, etaS }: StepLineInput): string {
  const has = (key: StepMetricName) => m[key] !== undefined;
  const num = (key: StepMetricName) => formatStepMetric(key, m[key], '-');
  const split = has(M.rewardGuided) || has(M.rewardUnguided) ? ` (guided ${num(M.rewardGuided)}, unguided ${num(M.rewardUnguided)})` : '';
  const teacher =
    has(M.teacherCount) || has(M.teacherChosen) ? [`teacher ${m[M.teacherCount] ?? 0}/${m[M.teacherChosen] ?? 0} (pct ${num(M.guidancePct)})`] : [];
  return [
    `step ${done}/${total ?? '?'}`,
    `reward ${num(M.reward)}${split}`,
    ...teacher,
    `adv std ${num(M.advantageStd)}`,
    `kl ${num(M.kl)}`,
    `entropy ${num(M.entropy)}`,
    `len ${num(M.meanLength)}`,
    `gnorm ${num(M.gradNorm)}`,
    '|',
    `${num(M.tokensPerS)} tok/s`,
    `${secs(stepS)}/step`,
    `ETA ${secs(etaS)}`,
  ].join('  ');
}

const info = (text: string): ProgressLine => ({ text, level: 'info' });
const warning = (text: string): ProgressLine => ({ text: `warning: ${text}`, level: 'warning' });

function showValue(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The line for an event that needs no memory of earlier ones (everything but step lines). */
export function eventLine(e: Exclude<TrainEvent, { type: 'step' }>): ProgressLine | null {
  switch (e.type) {
    case 'run-start': {
      const steps = e.startStep < e.totalSteps ? `steps ${e.startStep + 1}..${e.totalSteps}` : `no steps left (${e.startStep} of ${e.totalSteps} done)`;
      const resumed = e.resumedFrom ? `, resumed from ${e.resumedFrom}` : '';
      return info(`run ${e.runName} in ${e.runDir}: ${steps} on ${e.backend}${e.backendReason ? ` (${e.backendReason})` : ''}${resumed}`);
    }
    case 'checkpoint':
      return info(`checkpoint saved at step ${e.step}: ${e.path}`);
    case 'templates':
      if (e.error) return warning(`template edit rejected, v${e.version} stays in force: ${e.error}`);
      return info(`templates v${e.version} in force${e.changed.length ? `: ${e.changed.join(', ')}` : ''}`);
    case 'setting':
      return e.ok ? info(`set ${e.key} = ${showValue(e.value)}`) : warning(`set ${e.key} rejected: ${e.error ?? 'rejected by the trainer'}`);
    case 'state':
      return info(`state: ${e.state}`);
    case 'warning':
      return warning(e.message);
    case 'fatal':
      return { text: `error: ${e.message}`, level: 'error' };
    case 'done':
      if (e.budget) return info(`done after step ${e.step} (${e.reason}: generated-token budget reached, ${e.budget.tokens} >= ${e.budget.budget} tokens)`);
      return info(`done after step ${e.step} (${e.reason})`);
    case 'step-start':
    case 'rollouts':
    case 'teacher-feedback':
      return null; // too detailed for a progress log; the run folder has them
  }
}

/**
 * Formats a run's events one by one. It remembers what a line needs from earlier events: the run's
 * size (from run-start, else `totalSteps`) and the recent step times for the ETA.
 */
export class ProgressPrinter {
  private total: number | null;
  /** Where this process stops (run-start's stopAt: --max-steps); the ETA counts to it, the line to total. */
  private stopAt: number | null = null;
  private readonly pace: StepPace;

  constructor(opts: { totalSteps?: number | null; now?: () => number } = {}) {
    this.total = opts.totalSteps ?? null;
    this.pace = new StepPace(opts.now);
  }

  line(e: TrainEvent): ProgressLine | null {
    if (e.type === 'run-start') {
      this.total = e.totalSteps;
      this.stopAt = e.stopAt ?? null;
      this.pace.reset();
    } else if (e.type === 'step-start') {
      this.pace.stepStarted(e.step);
    } else if (e.type === 'step') {
      const done = stepNumber(e.step);
      const stepS = this.pace.stepFinished(e.step, e.metrics[M.stepTimeS]);
      return info(stepLine({ done, total: this.total, metrics: e.metrics, stepS, etaS: this.pace.etaS(done, this.stopAt ?? this.total) }));
    }
    return eventLine(e);
  }
}

/** Each event's line for people, handed to `write` (events too detailed for a progress log have none). */
export function eventPrinter(totalSteps: number, write: (text: string) => void): (e: TrainEvent) => void {
  const printer = new ProgressPrinter({ totalSteps });
  return (e) => {
    const line = printer.line(e);
    if (line) write(line.text);
  };
}

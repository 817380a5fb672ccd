/**
 * The dashboard's fallback when stdout is not a terminal (piped, CI): one plain progress line per
 * step, plus one line for each run-level event (start, checkpoint, warning, done), in the format of
 * headless `thinktune train` (src/trainer/print.ts owns it), plus eval lines. Warnings and errors go
 * to `err`. Messages go through the same validation as the dashboard's.
 *   step 12/200  reward 0.531 (guided 0.612, unguided 0.480)  adv std 0.812  kl 1.2e-3  entropy 1.234  len 123  gnorm 0.412  |  1234 tok/s  3.5s/step  ETA 10m 58s
 *
 * `thinktune watch RUN_A RUN_B` piped: a line after the run line names the compared run, and each step
 * line ends with that run's reward at the same step (ui/sources/compare-run.ts), as the dashboard's
 * `B reward` chart shows it:
 *   ...  ETA 10m 58s  |  B think-run reward 0.590 (guided 0.612, unguided 0.480)
 */
import type { TrainEvent } from '../src/trainer/events.js';
import { ProgressPrinter } from '../src/trainer/print.js';
import { formatMetric, stepNumber } from './format.js';
import { parseWorkerMessage, type EvalEvent, type ParseResult, type WorkerMessage } from './protocol.js';
import { comparedRun, type ComparedRun } from './sources/compare-run.js';
import { METRIC } from './state/metric-keys.js';
import type { EventSource } from './sources/types.js';

export interface PlainOutput {
  write(text: string): unknown;
}

/** The compared run's part of a step line: its reward at step index `step`, or that it has not got there. */
export function comparedStepText(run: ComparedRun, step: number): string {
  let row = null;
  for (let i = run.rows.length - 1; i >= 0 && !row; i--) if (run.rows[i]!.step === step) row = run.rows[i]!;
  const newest = run.rows[run.rows.length - 1];
  if (!row) return `B ${run.name}: no step ${stepNumber(step)} yet${newest ? ` (newest ${stepNumber(newest.step)})` : ''}`;
  const m = row.metrics;
  const num = (v: number | null | undefined) => formatMetric(v, '-');
  const split = m[METRIC.rewardGuided] !== undefined || m[METRIC.rewardUnguided] !== undefined;
  return `B ${run.name} reward ${num(m[METRIC.reward])}${split ? ` (guided ${num(m[METRIC.rewardGuided])}, unguided ${num(m[METRIC.rewardUnguided])})` : ''}`;
}

/**
 * Returns a function that prints the lines for one raw worker message (and returns it validated).
 * `compared` gives the second run of `thinktune watch RUN_A RUN_B` (null: none).
 */
export function createPlainPrinter(
  out: PlainOutput,
  err: PlainOutput = out,
  now: () => number = Date.now,
  compared: () => ComparedRun | null = () => null,
): (raw: unknown) => ParseResult<WorkerMessage> {
  const progress = new ProgressPrinter({ now });
  const line = (text: string) => out.write(`${text}\n`);
  const warn = (text: string) => err.write(`${text}\n`);

  const onEval = (e: EvalEvent) => {
    if (e.type === 'eval-result')
      line(
        `eval ${e.id}: ${Object.entries(e.result)
          .map(([k, v]) => `${k} ${formatMetric(v, '-')}`)
          .join('  ')}`,
      );
    else if (e.type === 'eval-error') warn(`warning: eval ${e.id} failed: ${e.error}`);
  };

  return (raw) => {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) warn(`warning: ignored a message from the worker: ${parsed.error}`);
    else if (parsed.msg.kind === 'event') {
      const e = parsed.msg.event;
      const printed = progress.line(e);
      if (printed) (printed.level === 'info' ? line : warn)(withCompared(printed.text, e, compared()));
      const other = e.type === 'run-start' ? compared() : null;
      if (other) line(`compared with run ${other.name} in ${other.runDir}: its reward at the same step ends each step line (B)`);
    } else onEval(parsed.msg.event);
    return parsed;
  };
}

/** A step line with the compared run's reward at that step after it; any other line as it is. */
function withCompared(text: string, e: TrainEvent, run: ComparedRun | null): string {
  return run && e.type === 'step' ? `${text}  |  ${comparedStepText(run, e.step)}` : text;
}

/**
 * Print a source's messages as plain lines until the run ends. With a compared run (showComparison, as
 * `thinktune watch RUN_A RUN_B` sets it), its reward follows each step line. Resolves with the run's end
 * ('completed' | 'stopped' | 'nan' | 'fatal') and unsubscribes.
 */
export function runPlain(source: EventSource, out: PlainOutput, err: PlainOutput = out, compared: () => ComparedRun | null = comparedRun): Promise<string> {
  const print = createPlainPrinter(out, err, Date.now, compared);
  return new Promise((resolve) => {
    const unsubscribe = source.subscribe((raw) => {
      const parsed = print(raw);
      if (parsed.ok && parsed.msg.kind === 'event') {
        const e = parsed.msg.event;
        if (e.type === 'done' || e.type === 'fatal') {
          // Unsubscribe after the current delivery finishes (the source may be iterating its listeners).
          queueMicrotask(() => unsubscribe());
          resolve(e.type === 'done' ? e.reason : 'fatal');
        }
      }
    });
  });
}

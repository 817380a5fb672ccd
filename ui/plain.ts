/**
 * The dashboard's fallback when stdout is not a terminal (piped, CI): one plain progress line per
 * step, plus one line for each run-level event (start, checkpoint, warning, done). No colour, no
 * cursor movement. Messages go through the same validation as the dashboard's.
 *   step 12/200  reward 0.531 (guided 0.612, unguided 0.480)  adv std 0.812  kl 1.2e-3  entropy 1.234  len 123  |  1234 tok/s  3.5s/step  ETA 11m 33s
 */
import type { StepMetrics, TrainEvent } from '../src/trainer/events.js';
import { formatDuration, formatMetric } from './format.js';
import { parseWorkerMessage, type EvalEvent, type ParseResult, type WorkerMessage } from './protocol.js';
import { METRIC } from './state/metric-keys.js';
import { Ring } from './state/ring.js';
import type { EventSource } from './sources/types.js';

export interface PlainOutput {
  write(text: string): unknown;
}

/** Returns a function that prints the lines for one raw worker message (and returns it validated). */
export function createPlainPrinter(
  out: PlainOutput,
  err: PlainOutput = out,
  now: () => number = Date.now,
): (raw: unknown) => ParseResult<WorkerMessage> {
  let totalSteps: number | null = null;
  let stepStartedAt: number | null = null;
  let stepTimes = new Ring<number>(20);
  const line = (text: string) => out.write(`${text}\n`);
  const warn = (text: string) => err.write(`${text}\n`);

  const onStep = (step: number, m: StepMetrics) => {
    const reported = m[METRIC.stepTimeS];
    const stepS = typeof reported === 'number' ? reported : stepStartedAt === null ? null : (now() - stepStartedAt) / 1000;
    if (stepS !== null && Number.isFinite(stepS) && stepS > 0) stepTimes.push(stepS);
    const times = stepTimes.toArray();
    const mean = times.length ? times.reduce((a, b) => a + b, 0) / times.length : null;
    const eta = mean !== null && totalSteps !== null ? Math.max(0, totalSteps - step) * mean : null;
    line(stepLine(step, totalSteps, m, stepS, eta));
  };

  const onEvent = (e: TrainEvent) => {
    switch (e.type) {
      case 'run-start':
        totalSteps = e.totalSteps;
        stepTimes = new Ring<number>(20); // a new run's speed says nothing about the old one's
        line(`run ${e.runName}: ${e.totalSteps} steps from step ${e.startStep} on ${e.backend} (${e.backendReason})${e.resumedFrom ? `, resumed from ${e.resumedFrom}` : ''} -> ${e.runDir}`);
        return;
      case 'step-start':
        stepStartedAt = now();
        return;
      case 'step':
        onStep(e.step, e.metrics);
        stepStartedAt = null;
        return;
      case 'checkpoint':
        return line(`checkpoint at step ${e.step}: ${e.path}`);
      case 'templates':
        return e.error ? warn(`warning: templates not reloaded: ${e.error}`) : line(`templates v${e.version}${e.changed.length ? `: ${e.changed.join(', ')}` : ''}`);
      case 'setting':
        return e.ok ? line(`set ${e.key} = ${JSON.stringify(e.value)}`) : warn(`warning: set ${e.key} failed: ${e.error ?? 'rejected'}`);
      case 'state':
        return line(e.state);
      case 'warning':
        return warn(`warning: ${e.message}`);
      case 'done':
        return line(`done at step ${e.step}: ${e.reason === 'nan' ? 'loss became NaN' : e.reason}`);
      case 'fatal':
        return warn(`fatal: ${e.message}`);
      case 'rollouts':
      case 'teacher-feedback':
        return; // too detailed for a progress log; the run folder has them
    }
  };

  const onEval = (e: EvalEvent) => {
    if (e.type === 'eval-result') line(`eval ${e.id}: ${Object.entries(e.result).map(([k, v]) => `${k} ${formatMetric(v)}`).join('  ')}`);
    else if (e.type === 'eval-error') warn(`warning: eval ${e.id} failed: ${e.error}`);
  };

  return (raw) => {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) warn(`warning: ignored a message from the worker: ${parsed.error}`);
    else if (parsed.msg.kind === 'event') onEvent(parsed.msg.event);
    else onEval(parsed.msg.event);
    return parsed;
  };
}

export function stepLine(step: number, totalSteps: number | null, m: StepMetrics, stepS: number | null, etaS: number | null): string {
  const v = (key: string) => formatMetric(m[key]);
  const split = m[METRIC.rewardGuided] !== undefined || m[METRIC.rewardUnguided] !== undefined ? ` (guided ${v(METRIC.rewardGuided)}, unguided ${v(METRIC.rewardUnguided)})` : '';
  return [
    `step ${step}/${totalSteps ?? '?'}`,
    `reward ${v(METRIC.reward)}${split}`,
    `adv std ${v(METRIC.advantageStd)}`,
    `kl ${v(METRIC.kl)}`,
    `entropy ${v(METRIC.entropy)}`,
    `len ${v(METRIC.meanLength)}`,
    '|',
    `${v(METRIC.tokensPerS)} tok/s`,
    `${formatDuration(stepS)}/step`,
    `ETA ${formatDuration(etaS)}`,
  ].join('  ');
}

/**
 * Print a source's messages as plain lines until the run ends. Resolves with the run's end
 * ('completed' | 'stopped' | 'nan' | 'fatal') and unsubscribes.
 */
export function runPlain(source: EventSource, out: PlainOutput, err: PlainOutput = out): Promise<string> {
  const print = createPlainPrinter(out, err);
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

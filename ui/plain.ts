/**
 * The dashboard's fallback when stdout is not a terminal (piped, CI): one plain progress line per
 * step, plus one line for each run-level event (start, checkpoint, warning, done), in the format of
 * headless `thinktune train` (src/trainer/print.ts owns it), plus eval lines. Warnings and errors go
 * to `err`. Messages go through the same validation as the dashboard's.
 *   step 12/200  reward 0.531 (guided 0.612, unguided 0.480)  adv std 0.812  kl 1.2e-3  entropy 1.234  len 123  gnorm 0.412  |  1234 tok/s  3.5s/step  ETA 10m 58s
 */
import { ProgressPrinter } from '../src/trainer/print.js';
import { formatMetric } from './format.js';
import { parseWorkerMessage, type EvalEvent, type ParseResult, type WorkerMessage } from './protocol.js';
import type { EventSource } from './sources/types.js';

export interface PlainOutput {
  write(text: string): unknown;
}

/** Returns a function that prints the lines for one raw worker message (and returns it validated). */
export function createPlainPrinter(out: PlainOutput, err: PlainOutput = out, now: () => number = Date.now): (raw: unknown) => ParseResult<WorkerMessage> {
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
      const printed = progress.line(parsed.msg.event);
      if (printed) (printed.level === 'info' ? line : warn)(printed.text);
    } else onEval(parsed.msg.event);
    return parsed;
  };
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

/**
 * EvalLauncher over ui/eval/runner.ts's EvalQueue (one `thinktune eval` child at a time): turns the
 * queue's job snapshots into EvalMessages so eval progress goes through the same validated path and
 * reducer as the trainer's events.
 */
import { EvalQueue, type EvalQueueOptions } from '../eval/runner.js';
import { evalMessage, type EvalEvent } from '../protocol.js';
import type { EvalJob } from '../state/types.js';
import type { EvalLauncher } from './types.js';

export interface QueueLauncher extends EvalLauncher {
  /** Cancel everything and wait for the running child to exit (call when the dashboard closes). */
  close(): Promise<void>;
}

export function evalQueueLauncher(options: Pick<EvalQueueOptions, 'command'> = {}): QueueLauncher {
  const reporters = new Map<string, (msg: unknown) => void>();
  const seen = new Map<string, EvalJob>();
  const queue = new EvalQueue({
    ...options,
    onUpdate(jobs) {
      for (const job of jobs) {
        const report = reporters.get(job.id);
        if (!report) continue;
        for (const e of jobEvents(seen.get(job.id), job)) report(evalMessage(e));
        seen.set(job.id, job);
      }
    },
  });
  return {
    start(request, report) {
      reporters.set(request.id, report);
      queue.enqueue({ id: request.id, model: request.model, data: request.data, promptConfig: request.promptConfig });
    },
    cancel(id) {
      queue.cancel(id);
    },
    close: () => queue.close(),
  };
}

/** The events that take a job from its previous snapshot to `job`. */
export function jobEvents(prev: EvalJob | undefined, job: EvalJob): EvalEvent[] {
  const out: EvalEvent[] = [];
  const id = job.id;
  const wasRunning = prev?.status === 'running';
  if (job.status === 'running' && !wasRunning) out.push({ type: 'eval-start', id, model: job.model, data: job.data, total: job.total });
  if ((job.status === 'running' || job.status === 'done') && (prev?.done !== job.done || prev?.total !== job.total)) {
    out.push({ type: 'eval-progress', id, done: job.done, total: job.total });
  }
  if (prev?.status === job.status) return out;
  if (job.status === 'done') out.push({ type: 'eval-result', id, result: job.result ?? {} });
  if (job.status === 'failed') out.push({ type: 'eval-error', id, error: job.error ?? 'evaluation failed' });
  if (job.status === 'cancelled') out.push({ type: 'eval-cancelled', id });
  return out;
}

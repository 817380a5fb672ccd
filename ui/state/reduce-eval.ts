/** Evaluation jobs: requested from the command line, then driven by progress events from the eval child. */
import type { EvalEvent } from '../protocol.js';
import type { Draft } from './draft.js';
import { CAPACITY } from './initial.js';
import type { EvalJob, EvalRequest } from './types.js';

export const NO_EVAL_LAUNCHER = 'no evaluator is attached to this dashboard, so :eval cannot start a job';

export function applyEvalRequest(d: Draft, request: EvalRequest, available: boolean, at: number): void {
  const job: EvalJob = {
    ...request,
    status: available ? 'queued' : 'failed',
    done: 0,
    total: 0,
    result: null,
    error: available ? null : NO_EVAL_LAUNCHER,
  };
  setJobs(d, [...d.s.evals, job]);
  if (!available) d.notice(at, 'warning', 'eval', NO_EVAL_LAUNCHER);
}

export function applyEvalEvent(d: Draft, e: EvalEvent, at: number): void {
  const existing = d.s.evals.find((j) => j.id === e.id);
  // An event for a job this window did not start (e.g. launched before a restart) still gets a row.
  const job: EvalJob = existing ?? { id: e.id, model: '?', data: '?', status: 'queued', done: 0, total: 0, result: null, error: null };
  let next: EvalJob;
  switch (e.type) {
    case 'eval-start':
      next = { ...job, model: e.model, data: e.data, total: e.total, status: 'running' };
      break;
    case 'eval-progress':
      next = { ...job, done: e.done, total: e.total, status: 'running' };
      break;
    case 'eval-result':
      next = { ...job, status: 'done', done: job.total || job.done, result: e.result };
      break;
    case 'eval-error':
      next = { ...job, status: 'failed', error: e.error };
      d.notice(at, 'warning', 'eval', `eval ${e.id} failed: ${e.error}`);
      break;
    case 'eval-cancelled':
      next = { ...job, status: 'cancelled' };
      break;
  }
  setJobs(d, existing ? d.s.evals.map((j) => (j === existing ? next : j)) : [...d.s.evals, next]);
}

/** Keep at most CAPACITY.evalJobs, dropping the oldest finished jobs first. */
function setJobs(d: Draft, jobs: EvalJob[]): void {
  const out = [...jobs];
  while (out.length > CAPACITY.evalJobs) {
    const finished = out.findIndex((j) => j.status !== 'queued' && j.status !== 'running');
    out.splice(finished >= 0 ? finished : 0, 1);
  }
  d.s.evals = out;
}

/**
 * Results read from the run folder go before the jobs of this window (same id: this window's copy
 * stays), then the usual bound applies; the notice says how many came back.
 */
export function applyEvalsLoaded(d: Draft, loaded: EvalJob[], at: number): void {
  const session = new Set(d.s.evals.map((j) => j.id));
  const earlier = loaded.filter((j) => !session.has(j.id));
  if (earlier.length === 0) return;
  setJobs(d, [...earlier, ...d.s.evals]);
  d.notice(at, 'info', 'eval', `loaded ${earlier.length} earlier evaluation result${earlier.length === 1 ? '' : 's'} from the run folder`);
}

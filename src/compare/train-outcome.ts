/**
 * How a comparison's training run went, read from its events: the one place a run's outcome is put
 * together, whether the events come from a Trainer in this process (budget.ts driveRun) or from a
 * child's `--json` lines (children.ts). Both paths therefore agree on what "finished" means: a done
 * event with reason 'completed' (a compute-matched run's budget stop is passed on as completed, with
 * the tokens it spent) and at least one checkpoint saved.
 */
import type { TrainEvent } from '../trainer/events.js';
import { generatedTokensOf } from './run-facts.js';

export interface TrainOutcome {
  /** The newest checkpoint saved (the one evaluated); null before any. */
  checkpoint: string | null;
  /** Steps finished, from the done event. */
  steps: number;
  /** Why the run produced nothing usable, else null. */
  error: string | null;
  /** Generated tokens of the rollouts seen so far (run-facts.ts says what counts). */
  generatedTokens: number;
  /** budget given and reached (false: run.totalSteps came first); null without a budget. */
  budgetReached: boolean | null;
}

export const newTrainOutcome = (budget: number | null): TrainOutcome => ({
  checkpoint: null,
  steps: 0,
  error: null,
  generatedTokens: 0,
  budgetReached: budget === null ? null : false,
});

/** Updates `out` from one event of the run, in the order the run yields them. */
export function observeTrainEvent(out: TrainOutcome, e: TrainEvent): void {
  if (e.type === 'rollouts') out.generatedTokens += e.rollouts.reduce((n, r) => n + generatedTokensOf(r), 0);
  else if (e.type === 'checkpoint') out.checkpoint = e.path;
  else if (e.type === 'fatal') out.error ??= e.message;
  else if (e.type === 'done') {
    out.steps = e.step;
    if (e.budget !== undefined) out.budgetReached = true;
    if (e.reason !== 'completed') out.error ??= `the run ended early (${e.reason}) after ${e.step} steps`;
  }
}

/** The outcome once the run has ended: one that saved nothing has nothing to evaluate. */
export function finishTrainOutcome(out: TrainOutcome): TrainOutcome {
  if (out.error === null && out.checkpoint === null) out.error = 'the run saved no checkpoint';
  return out;
}

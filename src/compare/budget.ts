/**
 * Drives one comparison training run to its end and reports how it went; for a compute-matched method
 * also enforces its generated-token budget (run-facts.ts says what counts).
 *
 * The budget is enforced from outside the trainer, through its own stop command: after each step's
 * rollouts the running count goes up, and once it reaches the budget the stop is queued before the
 * trainer resumes, so it takes effect at that very step boundary (a run overshoots by less than one
 * step's tokens, and the same seed always stops at the same step). The trainer then saves a checkpoint
 * at the stop and ends with reason 'stopped'; for a budgeted run that is its normal end, so the done
 * event is passed on as 'completed' with the tokens spent (`budget`: the headless line says the budget
 * was reached, and a child's parent reads it from its --json line). A run that reaches run.totalSteps first ends as usual, its
 * budget not reached (results.json says so, and the table's notes).
 */
import type { TrainEvent } from '../trainer/events.js';
import type { Trainer } from '../trainer/trainer.js';
import { finishTrainOutcome, newTrainOutcome, observeTrainEvent, type TrainOutcome } from './train-outcome.js';

/**
 * Runs `trainer` to its end, handing each event on to `onEvent` (the caller prints it for people or as
 * protocol lines); with `budget`, stops once the run has generated that many tokens, and the done event
 * it passes on carries the tokens spent. Disposes nothing (the caller owns the trainer).
 */
export async function driveRun(
  trainer: Pick<Trainer, 'run' | 'command'>,
  o: { budget: number | null; onEvent: (e: TrainEvent) => void },
): Promise<TrainOutcome> {
  const out = newTrainOutcome(o.budget);
  let stopQueued = false;
  for await (const e of trainer.run()) {
    if (e.type === 'step' && o.budget !== null && !stopQueued && out.generatedTokens >= o.budget) {
      stopQueued = true;
      trainer.command({ type: 'stop', save: true }); // queued now, read at the next step boundary
    }
    if (e.type === 'state' && e.state === 'stopping' && stopQueued) continue; // our own stop: no news
    const passed: TrainEvent =
      e.type === 'done' && stopQueued
        ? { ...e, reason: e.reason === 'stopped' ? 'completed' : e.reason, budget: { tokens: out.generatedTokens, budget: o.budget! } }
        : e;
    observeTrainEvent(out, passed);
    o.onEvent(passed);
  }
  return finishTrainOutcome(out);
}

/**
 * Drives one comparison training run to its end and reports how it went; for a compute-matched method
 * also enforces its generated-token budget (run-facts.ts says what counts).
 *
 * The budget is enforced from outside the trainer, through its own stop command: after each step's
 * rollouts the running count goes up, and once it reaches the budget the stop is queued before the
 * trainer resumes, so it takes effect at that very step boundary (a run overshoots by less than one
 * step's tokens, and the same seed always stops at the same step). The trainer then saves a checkpoint
 * at the stop and ends with reason 'stopped'; for a budgeted run that is its normal end, so the done
 * event is passed on as 'completed' (what compare's readers and the headless format expect), preceded
 * by a line saying the budget was reached. A run that reaches run.totalSteps first ends as usual, its
 * budget not reached (results.json says so, and the table's notes).
 */
import type { TrainEvent } from '../trainer/events.js';
import { ProgressPrinter } from '../trainer/print.js';
import type { Trainer } from '../trainer/trainer.js';
import { generatedTokensOf } from './run-facts.js';

export interface TrainOutcome {
  /** The newest checkpoint saved (the one evaluated). */
  checkpoint: string | null;
  steps: number;
  /** Why the run produced nothing usable, else null. */
  error: string | null;
  generatedTokens: number;
  /** budget given and reached (false: run.totalSteps came first); null without a budget. */
  budgetReached: boolean | null;
}

/** The line a budgeted run prints when it stops (parseBudgetLine reads it back). */
export function budgetLine(tokens: number, budget: number, steps: number): string {
  return `generated-token budget reached: ${tokens} >= ${budget} tokens after step ${steps}`;
}

export function parseBudgetLine(line: string): { tokens: number; budget: number; steps: number } | null {
  const m = /^generated-token budget reached: (\d+) >= (\d+) tokens after step (\d+)$/.exec(line);
  return m ? { tokens: Number(m[1]), budget: Number(m[2]), steps: Number(m[3]) } : null;
}

/**
 * Runs `trainer` to its end, printing the headless `thinktune train` lines through `log`; with
 * `budget`, stops once the run has generated that many tokens. Disposes nothing (the caller owns it).
 */
export async function driveRun(
  trainer: Pick<Trainer, 'run' | 'command'>,
  o: { budget: number | null; totalSteps: number; log: (line: string) => void },
): Promise<TrainOutcome> {
  const printer = new ProgressPrinter({ totalSteps: o.totalSteps });
  const out: TrainOutcome = { checkpoint: null, steps: 0, error: null, generatedTokens: 0, budgetReached: o.budget === null ? null : false };
  const say = (e: TrainEvent) => {
    const line = printer.line(e);
    if (line) o.log(line.text);
  };
  for await (const e of trainer.run()) {
    if (e.type === 'rollouts') out.generatedTokens += e.rollouts.reduce((n, r) => n + generatedTokensOf(r), 0);
    if (e.type === 'step' && o.budget !== null && !out.budgetReached && out.generatedTokens >= o.budget) {
      out.budgetReached = true;
      trainer.command({ type: 'stop', save: true }); // queued now, read at the next step boundary
    }
    if (e.type === 'state' && e.state === 'stopping' && out.budgetReached) continue; // our own stop: no news
    if (e.type === 'done' && out.budgetReached) {
      o.log(budgetLine(out.generatedTokens, o.budget!, e.step));
      const done: TrainEvent = { ...e, reason: e.reason === 'stopped' ? 'completed' : e.reason };
      out.steps = e.step;
      if (done.reason !== 'completed') out.error ??= `the run ended early (${done.reason}) after ${e.step} steps`;
      say(done);
      continue;
    }
    say(e);
    if (e.type === 'checkpoint') out.checkpoint = e.path;
    else if (e.type === 'fatal') out.error = e.message;
    else if (e.type === 'done') {
      out.steps = e.step;
      if (e.reason !== 'completed') out.error ??= `the run ended early (${e.reason}) after ${e.step} steps`;
    }
  }
  if (out.error === null && out.checkpoint === null) out.error = 'the run saved no checkpoint';
  return out;
}

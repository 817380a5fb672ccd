// compare --jobs N reads a train child's --json lines: checkpoint, how the run ended, its error, made
// into the run's outcome by the same reader the in-process path uses (src/compare/train-outcome.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finishTrainOutcome, newTrainOutcome, observeTrainEvent, type TrainOutcome } from '../../src/compare/train-outcome.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { eventMessage, jsonLine, parseJsonLine } from '../../src/trainer/protocol.js';

/** The people's lines `thinktune train --headless` prints for these events (compare logs the same). */
function headless(events: TrainEvent[]): string[] {
  const p = new ProgressPrinter();
  return events.map((e) => p.line(e)?.text).filter((t): t is string => t !== undefined);
}

/** The stdout of `thinktune train --json` for these events, read back as compare's parent reads it. */
function readJson(events: TrainEvent[], budget: number | null = null): Omit<TrainOutcome, 'generatedTokens' | 'budgetReached'> & Partial<TrainOutcome> {
  const out = newTrainOutcome(budget);
  for (const line of events.map((e) => jsonLine(eventMessage(e)))) {
    const parsed = parseJsonLine(line.trimEnd());
    assert.ok(parsed?.ok && parsed.msg.kind === 'event', line);
    observeTrainEvent(out, parsed.msg.event);
  }
  const { generatedTokens: _tokens, budgetReached, ...rest } = finishTrainOutcome(out);
  return budget === null ? rest : { ...rest, budgetReached };
}

const run: TrainEvent = {
  type: 'run-start',
  runDir: 'r',
  runName: 'r',
  totalSteps: 2,
  startStep: 0,
  backend: 'wasm',
  backendReason: '',
  config: {},
  resumedFrom: null,
};
const step = (i: number): TrainEvent => ({ type: 'step', step: i, metrics: { reward: 0.5, 'perf/step_time': 1 } });

test('a completed run: the newest checkpoint and the step count, no error', () => {
  const events: TrainEvent[] = [
    run,
    step(0),
    { type: 'checkpoint', step: 1, path: 'r/checkpoints/step-1' },
    step(1),
    { type: 'warning', message: 'error: not fatal' },
    { type: 'checkpoint', step: 2, path: 'r/checkpoints/step-2' },
    { type: 'done', step: 2, reason: 'completed' },
  ];
  assert.deepEqual(
    headless(events)
      .filter((l) => l.startsWith('step '))
      .map((l) => l.split('  ')[0]),
    ['step 1/2', 'step 2/2'],
  );
  assert.deepEqual(readJson(events), { checkpoint: 'r/checkpoints/step-2', steps: 2, error: null });
});

test('a fatal error is kept; a run that ended early says so; a run that saved nothing has nothing to evaluate', () => {
  const fatal = readJson([run, step(0), { type: 'fatal', message: '2 steps in a row had a non-finite loss' }, { type: 'done', step: 1, reason: 'nan' }]);
  assert.deepEqual(fatal, { checkpoint: null, steps: 1, error: '2 steps in a row had a non-finite loss' });
  const stopped = readJson([run, { type: 'done', step: 0, reason: 'stopped' }]);
  assert.equal(stopped.error, 'the run ended early (stopped) after 0 steps');
  assert.equal(readJson([run, step(0), { type: 'done', step: 1, reason: 'completed' }]).error, 'the run saved no checkpoint');
});

test("a budgeted child's done event says the budget was reached; without it, it was not", () => {
  const ckpt: TrainEvent = { type: 'checkpoint', step: 1, path: 'r/checkpoints/step-1' };
  const reached = readJson([run, step(0), ckpt, { type: 'done', step: 1, reason: 'completed', budget: { tokens: 130, budget: 120 } }], 120);
  assert.deepEqual(reached, { checkpoint: 'r/checkpoints/step-1', steps: 1, error: null, budgetReached: true });
  assert.equal(readJson([run, step(0), ckpt, { type: 'done', step: 1, reason: 'completed' }], 120).budgetReached, false);
});

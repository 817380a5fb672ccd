// compare --jobs N reads a train child's headless lines back: checkpoint, how the run ended, its error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTrainProgress, readTrainLine } from '../../src/compare/children.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';

/** The stdout of `thinktune train --headless` for these events (the printer it uses). */
function headless(events: TrainEvent[]): string[] {
  const p = new ProgressPrinter();
  return events.map((e) => p.line(e)?.text).filter((t): t is string => t !== undefined);
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
  const p = newTrainProgress();
  const lines = headless([
    run,
    step(0),
    { type: 'checkpoint', step: 1, path: 'r/checkpoints/step-1' },
    step(1),
    { type: 'warning', message: 'error: not fatal' },
    { type: 'checkpoint', step: 2, path: 'r/checkpoints/step-2' },
    { type: 'done', step: 2, reason: 'completed' },
  ]);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('step ')).map((l) => l.split('  ')[0]),
    ['step 1/2', 'step 2/2'],
  );
  for (const l of lines) readTrainLine(p, l);
  assert.deepEqual(p, { checkpoint: 'r/checkpoints/step-2', steps: 2, error: null });
});

test('a fatal error is kept; a run that ended early says so', () => {
  const fatal = newTrainProgress();
  for (const l of headless([run, step(0), { type: 'fatal', message: '2 steps in a row had a non-finite loss' }, { type: 'done', step: 1, reason: 'nan' }]))
    readTrainLine(fatal, l);
  assert.deepEqual(fatal, { checkpoint: null, steps: 1, error: '2 steps in a row had a non-finite loss' });
  const stopped = newTrainProgress();
  for (const l of headless([run, { type: 'done', step: 0, reason: 'stopped' }])) readTrainLine(stopped, l);
  assert.equal(stopped.error, 'the run ended early (stopped) after 0 steps');
});

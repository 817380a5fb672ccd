/**
 * Browsing every step of a run on the whole dashboard: steps older than the ring of newest ones are read
 * from the run folder's rollouts.jsonl, the held view says where it is and stops at the oldest step, and
 * a trace being read is not replaced by the next step.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { CAPACITY, initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import { browsableSteps, shownStep, shownStepNumber } from '../../ui/state/selectors.js';
import type { UiAction, UiState } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart, stepEvents, stepMetrics, wrap } from './helpers/events.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-browse-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Two groups of two samples; each trace names its step (1-based, as the screen counts). */
function rolloutsOf(step: number): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  for (let g = 0; g < 2; g++) for (let i = 0; i < 2; i++) out.push(rollout(step, g, i, { text: `trace of step ${step + 1}, answer 4` }));
  return out;
}

/** One step as the trainer does it: rollouts.jsonl appended, then the events. */
function step(runDir: string, n: number): TrainEvent[] {
  const rollouts = rolloutsOf(n);
  appendFileSync(join(runDir, 'rollouts.jsonl'), rollouts.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return [
    { type: 'step-start', step: n },
    { type: 'rollouts', step: n, rollouts },
    { type: 'step', step: n, metrics: stepMetrics(n) },
  ];
}

async function startRun(steps: number) {
  const runDir = mkdtempSync(join(root, 'run-'));
  writeFileSync(join(runDir, 'rollouts.jsonl'), '');
  const script: TrainEvent[] = [runStart({ runDir, totalSteps: 150 })];
  for (let n = 0; n < steps; n++) script.push(...step(runDir, n));
  const app = await startApp({ script, size: { columns: 120, rows: 30 } });
  return { app, runDir };
}

test('[ reaches any step of the run from rollouts.jsonl, stops at the oldest, and f follows again', async () => {
  assert.ok(CAPACITY.rolloutSteps < 30, 'the steps browsed here are older than the ring keeps');
  const { app } = await startRun(40);
  await app.until(/\[groups\].*step 40 · g 1\/2/);
  for (let i = 0; i < 30; i++) await app.press('[');
  await app.until(/step 10 of 40 \(held\) · g 1\/2 · #1\/2/);
  assert.match(app.frame(), /trace of step 10, answer 4/, "step 10's rollouts are shown, read from the file");
  assert.doesNotMatch(app.frame(), /trace of step (?!10,)/);

  for (let i = 0; i < 9; i++) await app.press('[');
  await app.until(/step 1 of 40 \(held\) · g 1\/2/);
  assert.match(app.frame(), /trace of step 1, answer 4/);
  await app.press('[');
  await app.until(/step 1 of 40 \(held\) · the oldest step · g 1\/2/);
  assert.match(app.frame(), /trace of step 1, answer 4/, 'it stays at step 1: no wrap to the newest');

  await app.press(']');
  await app.until(/step 2 of 40 \(held\) · g 1\/2/);
  await app.press('f');
  await app.until(/\[groups\].*step 40 · g 1\/2/);
  assert.match(app.frame(), /trace of step 40, answer 4/);
  app.ui.unmount();
});

test('a scrolled trace or a moved selection holds its step while new steps arrive', async () => {
  const { app, runDir } = await startRun(20);
  await app.until(/\[groups\].*step 20 · g 1\/2/);
  await app.press(KEYS.tab);
  await app.until(/\[trace\].*step 20 · g 1\/2/);
  await app.press('j');
  for (const e of step(runDir, 20)) app.source.emitEvent(e);
  await app.until(/\[trace\].*step 20 of 21 \(held\)/);
  assert.match(app.frame(), /trace of step 20/);
  // Held past the ring's reach: the step leaves memory and stays on screen.
  // Steps with index 21 to `newest - 1` (numbers 22 to `newest`).
  const newest = 21 + CAPACITY.rolloutSteps + 2;
  for (let n = 21; n < newest; n++) for (const e of step(runDir, n)) app.source.emitEvent(e);
  await app.until(new RegExp(`step 20 of ${newest} \\(held\\)`));
  assert.match(app.frame(), /trace of step 20/);
  await app.press('f');
  await app.until(new RegExp(`\\[trace\\].*step ${newest} · g`));

  // In the group view, moving to another sample holds the step the same way.
  await app.press(KEYS.shiftTab);
  await app.until(/\[groups\]/);
  await app.press('j');
  await app.until(/#2\/2/);
  for (const e of step(runDir, newest)) app.source.emitEvent(e);
  await app.until(new RegExp(`\\[groups\\].*step ${newest} of ${newest + 1} \\(held\\) · g 1/2 · #2/2`));
  await app.press('f');
  await app.until(new RegExp(`\\[groups\\].*step ${newest + 1} · g`));
  app.ui.unmount();
});

const msg = (event: TrainEvent): UiAction => ({ type: 'message', msg: wrap(event), at: 0 });
const reduceAll = (s: UiState, actions: UiAction[]) => actions.reduce(uiReducer, s);
const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => stepEvents(from + i, 1, 2).map(msg)).flat();

test('reducer: steps on disk and in the ring are browsed as one list; a held step leaving the ring stays shown', () => {
  let s = reduceAll(initialUiState(), [msg(runStart({ runDir: '/runs/a' })), ...steps(0, CAPACITY.rolloutSteps)]);
  s = uiReducer(s, { type: 'history-index', steps: [0, 1, 2, 3] });
  assert.deepEqual(
    browsableSteps(s),
    Array.from({ length: CAPACITY.rolloutSteps }, (_, i) => i),
  );
  s = uiReducer(s, { type: 'step-cursor', delta: -(CAPACITY.rolloutSteps - 1) });
  assert.equal(shownStep(s)?.step, 0, 'the oldest step, still in the ring');
  s = reduceAll(s, steps(CAPACITY.rolloutSteps, CAPACITY.rolloutSteps + 2));
  assert.equal(s.history.rollouts.at(0)?.step, 2, 'step 0 left the ring');
  assert.equal(shownStep(s)?.step, 0, 'and is kept for the held view');
  s = uiReducer(s, { type: 'step-cursor', delta: 1 });
  assert.equal(shownStepNumber(s), 1);
  assert.equal(shownStep(s), null, 'step 1 is on disk only: the hook reads it');
  s = uiReducer(s, { type: 'history-step-loaded', step: 1, rollouts: [rollout(1, 0, 0)] });
  assert.equal(shownStep(s)?.rollouts.length, 1);
});

test('reducer: the loaded cache stays small, and a run-start forgets what another folder held', () => {
  let s = reduceAll(initialUiState(), [msg(runStart({ runDir: '/runs/a' })), ...steps(0, 30)]);
  s = uiReducer(s, { type: 'history-index', steps: Array.from({ length: 30 }, (_, i) => i) });
  for (let step = 0; step < 10; step++) s = uiReducer(s, { type: 'history-step-loaded', step, rollouts: [rollout(step, 0, 0)] });
  assert.equal(s.browse.loaded.length, CAPACITY.browsedSteps);
  assert.deepEqual(
    s.browse.loaded.map((e) => e.step),
    [4, 5, 6, 7, 8, 9],
  );
  const resumed = uiReducer(s, msg(runStart({ runDir: '/runs/a', startStep: 6, resumedFrom: '/runs/a/checkpoints/step-6' })));
  assert.deepEqual(resumed.browse.diskSteps, [0, 1, 2, 3, 4, 5], 'the steps a resume redoes are dropped');
  assert.deepEqual(
    resumed.browse.loaded.map((e) => e.step),
    [4, 5],
  );
  const other = uiReducer(s, msg(runStart({ runDir: '/runs/b' })));
  assert.deepEqual(other.browse, { diskSteps: [], loaded: [] });
});

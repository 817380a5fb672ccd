import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { evalMessage } from '../../ui/protocol.js';
import { CAPACITY, initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import { runStatus, selectedRollout, shownStep } from '../../ui/state/selectors.js';
import type { UiAction, UiState } from '../../ui/state/types.js';
import { rollout, runStart, stepEvents, wrap } from './helpers/events.js';

const msg = (event: TrainEvent, at = 0): UiAction => ({ type: 'message', msg: wrap(event), at });
const reduceAll = (s: UiState, actions: UiAction[]) => actions.reduce(uiReducer, s);

test('run-start and step events fill run info, step, perf and the ETA', () => {
  let s = reduceAll(initialUiState(), [msg(runStart({ totalSteps: 10 }))]);
  assert.equal(s.stepsDone, 0, 'no step finished yet');
  s = reduceAll(
    s,
    stepEvents(0).map((e) => msg(e, 1000)),
  );
  assert.equal(s.run?.name, 'gsm8k-qwen');
  assert.equal(s.status, 'running');
  assert.equal(s.stepsDone, 1, 'the step with index 0 is the first finished');
  assert.equal(s.perf.tokensPerS, 1234);
  assert.equal(s.perf.stepTimeS, 3.5);
  assert.equal(s.perf.etaS, 9 * 3.5); // 1 of 10 finished: 9 left
  assert.equal(s.perf.numTensors, 321);
  assert.equal(s.perf.guidancePct, 25);
  assert.equal(s.history.steps.size, 1);
  assert.equal(s.history.feedback.size, 1);
  assert.equal(shownStep(s)?.rollouts.length, 8);
  s = uiReducer(s, msg({ type: 'state', state: 'paused' }));
  assert.equal(runStatus(s), 'paused');
  s = reduceAll(
    s,
    [...stepEvents(9), { type: 'done', step: 10, reason: 'completed' } as const].map((e) => msg(e)),
  );
  assert.equal(s.stepsDone, 10, 'the last index (9) is the 10th step');
  assert.equal(s.perf.etaS, 0);
});

test('a resumed run counts from the checkpoint it resumed from', () => {
  const s = reduceAll(initialUiState(), [msg(runStart({ totalSteps: 10, startStep: 4, resumedFrom: 'runs/demo/checkpoints/step-4' }))]);
  assert.equal(s.stepsDone, 4);
  assert.equal(
    reduceAll(
      s,
      stepEvents(4).map((e) => msg(e)),
    ).stepsDone,
    5,
  );
});

test('step time is measured from step-start when the trainer does not report it', () => {
  const s = reduceAll(initialUiState(), [
    msg(runStart({ totalSteps: 5 })),
    msg({ type: 'step-start', step: 1 }, 10_000),
    msg({ type: 'step', step: 1, metrics: { reward: 0.5 } }, 12_500),
  ]);
  assert.equal(s.perf.stepTimeS, 2.5);
  assert.equal(s.perf.etaS, 3 * 2.5); // index 1 is the 2nd of 5 steps: 3 left
});

test('the reducer never mutates the state it is given', () => {
  const before = reduceAll(
    initialUiState(),
    stepEvents(1).map((e) => msg(e)),
  );
  const stepsBefore = before.history.steps.toArray();
  const after = reduceAll(
    before,
    stepEvents(2).map((e) => msg(e)),
  );
  assert.deepEqual(before.history.steps.toArray(), stepsBefore);
  assert.equal(after.history.steps.size, 2);
  assert.notEqual(before.history.steps, after.history.steps);
});

test('done, fatal and NaN set the status and its reason', () => {
  let s = uiReducer(initialUiState(), msg({ type: 'done', step: 7, reason: 'nan' }));
  assert.equal(s.status, 'crashed');
  assert.match(s.statusReason!, /NaN at step 7/);
  s = uiReducer(initialUiState(), msg({ type: 'fatal', message: 'worker ran out of memory' }));
  assert.equal(s.status, 'crashed');
  assert.equal(s.statusReason, 'worker ran out of memory');
  s = uiReducer(initialUiState(), msg({ type: 'done', step: 200, reason: 'completed' }));
  assert.equal(s.status, 'stopped');
});

test('rollouts of one step sent in two messages are kept together', () => {
  const s = reduceAll(initialUiState(), [
    msg({ type: 'rollouts', step: 3, rollouts: [rollout(3, 0, 0)] }),
    msg({ type: 'rollouts', step: 3, rollouts: [rollout(3, 1, 0)] }),
  ]);
  assert.equal(s.history.rollouts.size, 1);
  assert.equal(shownStep(s)?.rollouts.length, 2);
});

test('selection moves within the shown step and across kept steps', () => {
  let s = reduceAll(
    initialUiState(),
    [...stepEvents(1, 1, 2), ...stepEvents(2, 1, 3)].map((e) => msg(e)),
  );
  s = uiReducer(s, { type: 'move', delta: 10 });
  assert.equal(s.view.sample, 2, 'clamped to the last sample');
  s = uiReducer(s, { type: 'step-cursor', delta: -1 });
  assert.equal(shownStep(s)?.step, 1);
  assert.equal(selectedRollout(s)?.sample, 1, 'index clamped to the older step');
  s = reduceAll(
    s,
    stepEvents(3).map((e) => msg(e)),
  );
  assert.equal(shownStep(s)?.step, 1, 'an explicit step stays shown while new steps arrive');
  s = uiReducer(s, { type: 'step-cursor', delta: 0 });
  assert.equal(shownStep(s)?.step, 3);
});

test('group cursor walks the groups of the shown step, keeping the sample position', () => {
  let s = reduceAll(
    initialUiState(),
    stepEvents(1, 3, 2).map((e) => msg(e)),
  );
  s = uiReducer(s, { type: 'sample-cursor', delta: 1 });
  s = uiReducer(s, { type: 'group-cursor', delta: 1 });
  assert.deepEqual([selectedRollout(s)?.group, selectedRollout(s)?.sample], [1, 1]);
  s = uiReducer(s, { type: 'group-cursor', delta: 5 });
  assert.equal(selectedRollout(s)?.group, 2);
  s = uiReducer(s, { type: 'group-cursor', delta: -9 });
  assert.equal(selectedRollout(s)?.group, 0);
});

test('templates: reload marks files pending until the answer arrives; errors keep the old version', () => {
  let s = uiReducer(initialUiState(), msg({ type: 'templates', version: 1, changed: ['hint.md', 'critique.md'], error: null }));
  s = uiReducer(s, { type: 'command-sent', command: { type: 'reload-templates' }, at: 0 });
  assert.ok(s.templates.files.every((f) => f.pending));
  s = uiReducer(s, msg({ type: 'templates', version: 2, changed: ['hint.md'], error: 'hint.md: missing {{answer}}' }));
  assert.equal(s.templates.version, 1);
  assert.deepEqual(
    s.templates.files.map((f) => [f.name, f.pending, f.error]),
    [
      ['critique.md', false, null],
      ['hint.md', false, 'hint.md: missing {{answer}}'],
    ],
  );
});

test('eval jobs: requested, started, progressed, finished; no launcher fails at once', () => {
  let s = uiReducer(initialUiState(), { type: 'eval-requested', request: { id: 'e1', model: 'ckpt-10', data: 'gsm8k' }, available: true, at: 0 });
  s = uiReducer(s, { type: 'message', msg: evalMessage({ type: 'eval-start', id: 'e1', model: 'ckpt-10', data: 'gsm8k', total: 50 }), at: 0 });
  s = uiReducer(s, { type: 'message', msg: evalMessage({ type: 'eval-progress', id: 'e1', done: 10, total: 50 }), at: 0 });
  assert.equal(runStatus(s), 'evaluating');
  s = uiReducer(s, { type: 'message', msg: evalMessage({ type: 'eval-result', id: 'e1', result: { accuracy: 0.4 } }), at: 0 });
  assert.deepEqual(s.evals[0], { id: 'e1', model: 'ckpt-10', data: 'gsm8k', status: 'done', done: 50, total: 50, result: { accuracy: 0.4 }, error: null });
  s = uiReducer(s, { type: 'eval-requested', request: { id: 'e2', model: 'm', data: 'd' }, available: false, at: 0 });
  assert.equal(s.evals[1]!.status, 'failed');
});

test('100k events keep every history, list and counter-driven structure bounded', () => {
  let s = uiReducer(initialUiState(), msg(runStart({ totalSteps: 100_000 })));
  let step = 0;
  let actions: UiAction[] = [];
  // Coalesced like the container does: batches of ~100 actions.
  const flush = () => {
    s = uiReducer(s, { type: 'batch', actions });
    actions = [];
  };
  for (let n = 0; n < 100_000; ) {
    step++;
    for (const e of stepEvents(step, 2, 2)) actions.push(msg(e, step * 1000)), n++;
    actions.push(msg({ type: 'warning', message: `w${step}` }, step), { type: 'invalid-message', error: 'x', at: step });
    actions.push(msg({ type: 'templates', version: step, changed: [`t${step}.md`], error: null }));
    actions.push({ type: 'eval-requested', request: { id: `e${step}`, model: 'm', data: 'd' }, available: true, at: 0 });
    actions.push({
      type: 'annotate',
      annotation: {
        id: `a${step}`,
        time: new Date(0).toISOString(),
        step,
        group: 0,
        sample: 0,
        target: 'trace',
        verdict: 'good',
        note: '',
        templateVersion: 1,
      },
    });
    n += 5;
    if (actions.length >= 100) flush();
  }
  flush();
  const h = s.history;
  assert.equal(h.steps.size, CAPACITY.steps);
  assert.equal(h.rollouts.size, CAPACITY.rolloutSteps);
  assert.equal(h.feedback.size, CAPACITY.feedback);
  assert.equal(h.notices.size, CAPACITY.notices);
  assert.equal(h.annotations.size, CAPACITY.annotations);
  assert.equal(h.stepTimes.size, CAPACITY.stepTimes);
  assert.ok(s.evals.length <= CAPACITY.evalJobs);
  assert.ok(s.templates.files.length <= CAPACITY.templateFiles);
  assert.equal(s.stepsDone, step + 1, 'a count of finished steps: the newest index + 1');
  assert.ok(s.counters.messages > 50_000);
});

test('100k single (unbatched) events also stay bounded', () => {
  let s = initialUiState();
  for (let i = 0; i < 100_000; i++) {
    s = uiReducer(s, msg({ type: 'step', step: i, metrics: { reward: i } }, i));
  }
  assert.equal(s.history.steps.size, CAPACITY.steps);
  assert.equal(s.history.steps.last()!.step, 99_999);
});

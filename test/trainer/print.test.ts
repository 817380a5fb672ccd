// The plain progress lines (headless train, the dashboard without a terminal, compare's log): step
// numbers counted from 1, step time and ETA, the run-level lines, and reading them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepMetrics, TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter, eventLine, stepLine, stepNumber } from '../../src/trainer/print.js';
import { parseProgressLine } from '../helpers/progress-lines.js';

const metrics: StepMetrics = {
  reward: 0.5312,
  'reward/guided': 0.6125,
  'reward/unguided': 0.48,
  'guidance/count': 2,
  'guidance/chosen': 6,
  'guidance/pct': 0.25,
  'advantage/std': 0.812,
  kl: 0.0012,
  entropy: 1.234,
  'completions/mean_length': 123.4,
  grad_norm: 0.4121,
  'perf/tokens_per_s': 1234,
  'perf/step_time': 3.5,
};

const start = (over: Partial<Extract<TrainEvent, { type: 'run-start' }>> = {}): TrainEvent => ({
  type: 'run-start',
  runDir: 'runs/demo',
  runName: 'demo',
  totalSteps: 4,
  startStep: 0,
  backend: 'wasm',
  backendReason: 'no WebGPU',
  config: {},
  resumedFrom: null,
  ...over,
});

const texts = (p: ProgressPrinter, events: TrainEvent[]) => events.map((e) => p.line(e)?.text ?? null);

test('the first step prints "step 1/4" and the last "step 4/4", with step time and ETA', () => {
  const p = new ProgressPrinter();
  const lines = texts(p, [start(), ...[0, 1, 2, 3].map((step): TrainEvent => ({ type: 'step', step, metrics }))]);
  assert.equal(lines[0], 'run demo in runs/demo: steps 1..4 on wasm (no WebGPU)');
  assert.equal(
    lines[1],
    'step 1/4  reward 0.531 (guided 0.613, unguided 0.480)  teacher 2/6 (pct 0.250)  adv std 0.812  kl 1.2e-3  entropy 1.234  len 123  gnorm 0.412  |  1234 tok/s  3.5s/step  ETA 11s', // 3 left x 3.5 s
  );
  assert.deepEqual(
    lines.slice(1).map((l) => /^step (\d\/4) .* ETA (\S+)$/.exec(l!)?.slice(1).join(' ')),
    ['1/4 11s', '2/4 7.0s', '3/4 3.5s', '4/4 0.0s'],
  );
});

test('the ETA is the steps left x the mean of the recent step times; a new run forgets the old one', () => {
  const p = new ProgressPrinter();
  p.line(start({ totalSteps: 10 }));
  p.line({ type: 'step', step: 0, metrics: { 'perf/step_time': 2 } });
  const second = p.line({ type: 'step', step: 1, metrics: { 'perf/step_time': 4 } })!.text;
  assert.match(second, /^step 2\/10 .* 4\.0s\/step {2}ETA 24s$/, '8 left x mean(2, 4) s');
  p.line(start({ totalSteps: 10 }));
  assert.match(p.line({ type: 'step', step: 0, metrics: { 'perf/step_time': 1 } })!.text, / 1\.0s\/step {2}ETA 9\.0s$/);
});

test('with --max-steps the ETA counts the steps this process runs (run-start stopAt), the line still the total', () => {
  const p = new ProgressPrinter();
  p.line(start({ totalSteps: 150, stopAt: 30 }));
  const first = p.line({ type: 'step', step: 0, metrics: { 'perf/step_time': 2 } })!.text;
  assert.match(first, /^step 1\/150 .* 2\.0s\/step {2}ETA 58s$/, '29 left to step 30 x 2 s, not 149 x 2 s');
  assert.deepEqual(parseProgressLine(first), { kind: 'step', done: 1, total: 150 });
  p.line(start({ totalSteps: 150, startStep: 100, stopAt: 130 }));
  assert.match(p.line({ type: 'step', step: 100, metrics: { 'perf/step_time': 1 } })!.text, /^step 101\/150 .* ETA 29s$/, 'resumed at 100: 29 left to 130');
});

test('without a reported time the step is timed from its step-start; unknown time and total print - and ?', () => {
  let t = 0;
  const p = new ProgressPrinter({ now: () => t });
  assert.match(p.line({ type: 'step', step: 0, metrics: {} })!.text, /^step 1\/\? {2}reward - .* - tok\/s {2}-\/step {2}ETA -$/);
  p.line(start({ totalSteps: 3 }));
  p.line({ type: 'step-start', step: 0 });
  t = 1500;
  assert.match(p.line({ type: 'step', step: 0, metrics: { reward: 1 } })!.text, /^step 1\/3 {2}reward 1\.000 {2}adv std - .* 1\.5s\/step {2}ETA 3\.0s$/);
  assert.ok(!/teacher|guided/.test(p.line({ type: 'step', step: 1, metrics: { reward: 1 } })!.text), 'no guidance metrics, no guidance segments');
});

test('a resumed run names the steps left and the checkpoint it came from', () => {
  assert.equal(
    new ProgressPrinter().line(start({ startStep: 2, resumedFrom: 'runs/demo/checkpoints/step-2', backendReason: '' }))!.text,
    'run demo in runs/demo: steps 3..4 on wasm, resumed from runs/demo/checkpoints/step-2',
  );
  assert.match(new ProgressPrinter().line(start({ startStep: 4 }))!.text, /: no steps left \(4 of 4 done\) on wasm/);
});

test('run-level lines, their levels, and the events that print nothing', () => {
  const cases: [TrainEvent, string | null, string?][] = [
    [{ type: 'checkpoint', step: 2, path: 'runs/demo/checkpoints/step-2' }, 'checkpoint saved at step 2: runs/demo/checkpoints/step-2'],
    [{ type: 'templates', version: 2, changed: ['hint.md', 'critique.md'], error: null }, 'templates v2 in force: hint.md, critique.md'],
    [
      { type: 'templates', version: 1, changed: [], error: 'hint.md: is empty' },
      'warning: template edit rejected, v1 stays in force: hint.md: is empty',
      'warning',
    ],
    [{ type: 'setting', key: 'guidance.minPct', value: 0.1, ok: true, error: null }, 'set guidance.minPct = 0.1'],
    [
      { type: 'setting', key: 'model.dim', value: 8, ok: false, error: 'model.dim cannot change' },
      'warning: set model.dim rejected: model.dim cannot change',
      'warning',
    ],
    [{ type: 'state', state: 'paused' }, 'state: paused'],
    [{ type: 'warning', message: 'teacher slow' }, 'warning: teacher slow', 'warning'],
    [{ type: 'fatal', message: 'out of memory' }, 'error: out of memory', 'error'],
    [{ type: 'done', step: 4, reason: 'completed' }, 'done after step 4 (completed)'],
    [{ type: 'step-start', step: 0 }, null],
    [{ type: 'rollouts', step: 0, rollouts: [] }, null],
    [{ type: 'teacher-feedback', step: 0, group: 0, sample: 0, style: null, ok: true, text: 'x' }, null],
  ];
  for (const [e, text, level = 'info'] of cases) {
    const printed = new ProgressPrinter().line(e);
    assert.equal(printed?.text ?? null, text, e.type);
    if (printed) assert.equal(printed.level, level, e.type);
    if (e.type !== 'step') assert.deepEqual(eventLine(e), printed);
  }
});

test('parseProgressLine reads back what the printer writes, and nothing else', () => {
  const p = new ProgressPrinter();
  p.line(start());
  const read = (e: TrainEvent) => parseProgressLine(p.line(e)!.text);
  assert.deepEqual(read({ type: 'step', step: 0, metrics }), { kind: 'step', done: 1, total: 4 });
  assert.deepEqual(read({ type: 'checkpoint', step: 1, path: '/tmp/a b/checkpoints/step-1' }), {
    kind: 'checkpoint',
    step: 1,
    path: '/tmp/a b/checkpoints/step-1',
  });
  assert.deepEqual(read({ type: 'done', step: 3, reason: 'nan' }), { kind: 'done', step: 3, reason: 'nan' });
  assert.deepEqual(read({ type: 'fatal', message: 'disk full: no space' }), { kind: 'error', message: 'disk full: no space' });
  assert.deepEqual(parseProgressLine(stepLine({ done: 2, total: null, metrics: {}, stepS: null, etaS: null })), { kind: 'step', done: 2, total: null });
  for (const other of ['run demo in runs/demo: steps 1..4 on wasm', 'warning: error: nested', 'state: paused', 'step 1/4', 'checkpoint saved: old/format']) {
    assert.equal(parseProgressLine(other), null, other);
  }
});

test('stepNumber: the 0-based index users never see becomes the count they read', () => {
  assert.deepEqual([0, 3, 199].map(stepNumber), [1, 4, 200]);
});

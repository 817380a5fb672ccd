import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { createPlainPrinter, runPlain } from '../../ui/plain.js';
import { createScriptedSource } from '../../ui/sources/scripted.js';
import { runStart, stepEvents, wrap } from './helpers/events.js';

const sink = () => {
  const lines: string[] = [];
  return { lines, write: (t: string) => lines.push(...t.split('\n').filter(Boolean)) };
};

test('one line per step, counted from 1, with metrics, throughput and ETA; nothing for rollouts or feedback', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap(runStart({ totalSteps: 10 })));
  for (const s of [0, 1, 2]) for (const e of stepEvents(s)) print(wrap(e));
  const steps = out.lines.filter((l) => l.startsWith('step '));
  assert.equal(steps.length, 3);
  // After the first step (index 0): 1 of 10 done, 9 left x 3.5 s.
  assert.equal(
    steps[0],
    'step 1/10  reward 0.300 (guided 0.400, unguided 0.200)  adv std 0.800  kl 0  entropy 1.500  len 120  gnorm -  |  1234 tok/s  3.5s/step  ETA 32s',
  );
  assert.match(
    steps[2]!,
    /^step 3\/10 {2}reward 0\.\d+ \(guided 0\.\d+, unguided 0\.\d+\) {2}adv std 0\.800 {2}kl 2\.0e-3 .* 1234 tok\/s {2}3\.5s\/step {2}ETA 25s$/,
  );
  assert.deepEqual(out.lines.slice(0, 1), ['run gsm8k-qwen in runs/demo: steps 1..10 on wasm (no GPU backend installed)']);
  assert.equal(out.lines.length, 4, 'run line + 3 step lines');
  assert.equal(err.lines.length, 0);
});

test('the lines are the headless ones (src/trainer/print.ts): the same text for every run-level event', () => {
  const out = sink();
  const print = createPlainPrinter(out, out);
  const events: TrainEvent[] = [
    runStart({ totalSteps: 4 }),
    ...stepEvents(0),
    { type: 'checkpoint', step: 1, path: 'runs/demo/checkpoints/step-1' },
    { type: 'setting', key: 'optim.lr', value: 1e-5, ok: true, error: null },
    { type: 'state', state: 'paused' },
    { type: 'done', step: 1, reason: 'stopped' },
  ];
  for (const e of events) print(wrap(e));
  const headless = new ProgressPrinter();
  assert.deepEqual(
    out.lines,
    events.map((e) => headless.line(e)?.text).filter((t) => t !== undefined),
  );
  assert.deepEqual(out.lines.slice(2), [
    'checkpoint saved at step 1: runs/demo/checkpoints/step-1',
    'set optim.lr = 0.00001',
    'state: paused',
    'done after step 1 (stopped)',
  ]);
});

test('a step the trainer does not time is timed from its step-start', () => {
  const out = sink();
  let t = 0;
  const print = createPlainPrinter(out, out, () => t);
  print(wrap(runStart({ totalSteps: 5 })));
  print(wrap({ type: 'step-start', step: 0 }));
  t = 2000;
  print(wrap({ type: 'step', step: 0, metrics: { reward: 0.5 } }));
  assert.match(out.lines[1]!, /^step 1\/5 {2}reward 0\.500 .* 2\.0s\/step {2}ETA 8\.0s$/);
});

test('warnings and invalid messages go to stderr as one line each', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap({ type: 'warning', message: 'teacher slow' }));
  const r = print({ v: 1, kind: 'event', event: { type: 'nope' } });
  assert.equal(r.ok, false);
  print(wrap({ type: 'templates', version: 1, changed: [], error: 'hint.md: is empty' }));
  print(wrap({ type: 'fatal', message: 'out of memory' }));
  assert.deepEqual(err.lines, [
    'warning: teacher slow',
    "warning: ignored a message from the worker: invalid event: unknown type 'nope'",
    'warning: template edit rejected, v1 stays in force: hint.md: is empty',
    'error: out of memory',
  ]);
  assert.equal(out.lines.length, 0);
});

test('runPlain prints until done and resolves with the reason', async () => {
  const out = sink();
  const source = createScriptedSource({ script: [runStart({ totalSteps: 1 }), ...stepEvents(0), { type: 'done', step: 1, reason: 'completed' }] });
  assert.equal(await runPlain(source, out), 'completed');
  assert.deepEqual(
    out.lines.map((l) => l.split(' ')[0]),
    ['run', 'step', 'done'],
  );
});

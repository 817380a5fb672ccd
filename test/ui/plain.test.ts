import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPlainPrinter, runPlain } from '../../ui/plain.js';
import { createScriptedSource } from '../../ui/sources/scripted.js';
import { runStart, stepEvents, wrap } from './helpers/events.js';

const sink = () => {
  const lines: string[] = [];
  return { lines, write: (t: string) => lines.push(...t.split('\n').filter(Boolean)) };
};

test('one line per step with metrics, throughput and ETA; nothing for rollouts or feedback', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap(runStart({ totalSteps: 10 })));
  for (const s of [1, 2, 3]) for (const e of stepEvents(s)) print(wrap(e));
  const steps = out.lines.filter((l) => l.startsWith('step '));
  assert.equal(steps.length, 3);
  assert.match(steps[2]!, /^step 3\/10 {2}reward 0\.\d+ \(guided 0\.\d+, unguided 0\.\d+\) {2}adv std 0\.800 {2}kl 3\.0e-3 .* 1234 tok\/s {2}3\.5s\/step {2}ETA 25s$/);
  assert.equal(out.lines.length, 4, 'run line + 3 step lines');
  assert.equal(err.lines.length, 0);
});

test('warnings and invalid messages go to stderr as one line each', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap({ type: 'warning', message: 'teacher slow' }));
  const r = print({ v: 1, kind: 'event', event: { type: 'nope' } });
  assert.equal(r.ok, false);
  assert.deepEqual(err.lines, ['warning: teacher slow', "warning: ignored a message from the worker: invalid event: unknown type 'nope'"]);
});

test('runPlain prints until done and resolves with the reason', async () => {
  const out = sink();
  const source = createScriptedSource({ script: [runStart({ totalSteps: 1 }), ...stepEvents(1), { type: 'done', step: 1, reason: 'completed' }] });
  assert.equal(await runPlain(source, out), 'completed');
  assert.deepEqual(out.lines.map((l) => l.split(' ')[0]), ['run', 'step', 'done']);
});

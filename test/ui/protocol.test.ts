import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { commandMessage, evalMessage, parseCommandMessage, parseWorkerMessage } from '../../ui/protocol.js';
import { rollout, runStart, stepEvents, wrap } from './helpers/events.js';

test('every kind of valid trainer event passes and comes back unchanged', () => {
  const events: TrainEvent[] = [
    runStart(),
    ...stepEvents(3),
    { type: 'checkpoint', step: 3, path: 'runs/x/step-3' },
    { type: 'templates', version: 2, changed: ['hint.md'], error: null },
    { type: 'setting', key: 'optim.lr', value: 1e-5, ok: true, error: null },
    { type: 'state', state: 'paused' },
    { type: 'warning', message: 'slow teacher' },
    { type: 'done', step: 3, reason: 'completed' },
    { type: 'fatal', message: 'boom' },
  ];
  for (const e of events) {
    const r = parseWorkerMessage(wrap(e));
    assert.ok(r.ok, `${e.type}: ${!r.ok && r.error}`);
    assert.deepEqual(r.msg.event, e);
  }
});

test('NaN and infinite metrics and rewards are accepted (a NaN loss must still be shown)', () => {
  const r = parseWorkerMessage(wrap({ type: 'step', step: 1, metrics: { loss: NaN, kl: Infinity, reward: null } }));
  assert.ok(r.ok);
  const ro = parseWorkerMessage(wrap({ type: 'rollouts', step: 1, rollouts: [rollout(1, 0, 0, { reward: NaN, advantage: -Infinity })] }));
  assert.ok(ro.ok);
});

test('eval progress messages parse', () => {
  const r = parseWorkerMessage(evalMessage({ type: 'eval-progress', id: 'e1', done: 3, total: 10 }));
  assert.ok(r.ok && r.msg.kind === 'eval');
});

test('invalid messages give one-line errors that say what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    ['hello', /expected an object/],
    [{ v: 2, kind: 'event', event: { type: 'warning', message: 'x' } }, /protocol version 2.*v1/],
    [{ v: 1, kind: 'gossip' }, /kind 'gossip' is not one of event, eval/],
    [{ v: 1, kind: 'event', event: { type: 'bogus' } }, /unknown type 'bogus'/],
    [{ v: 1, kind: 'event', event: { type: 'step', step: -1, metrics: {} } }, /event 'step': step:/],
    [{ v: 1, kind: 'event', event: { type: 'rollouts', step: 1, rollouts: [{ step: 1 }] } }, /rollouts\.0\./],
    [{ v: 1, kind: 'command', command: { type: 'pause' } }, /kind 'command' is not one of/],
  ];
  for (const [raw, pattern] of cases) {
    const r = parseWorkerMessage(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) {
      assert.match(r.error, pattern);
      assert.ok(!r.error.includes('\n'), 'one line');
    }
  }
});

test('commands round-trip through the worker-side parser; bad ones are refused', () => {
  for (const c of [{ type: 'pause' }, { type: 'stop', save: true }, { type: 'set', key: 'optim.lr', value: '1e-5' }] as const) {
    const r = parseCommandMessage(commandMessage(c));
    assert.ok(r.ok);
    assert.deepEqual(r.msg.command, c);
  }
  const bad = parseCommandMessage({ v: 1, kind: 'command', command: { type: 'set', key: '' } });
  assert.equal(bad.ok, false);
  assert.equal(parseCommandMessage(wrap({ type: 'warning', message: 'x' })).ok, false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkerMessage, type EvalEvent } from '../../ui/protocol.js';
import { evalQueueLauncher, jobEvents } from '../../ui/sources/eval-queue.js';
import { createScriptedSource } from '../../ui/sources/scripted.js';
import { syntheticRun } from '../../ui/sources/synthetic.js';
import type { EvalJob } from '../../ui/state/types.js';
import { runStart, stepEvents } from './helpers/events.js';

const typesOf = (msgs: unknown[]) =>
  msgs.map((m) => {
    const r = parseWorkerMessage(m);
    assert.ok(r.ok, !r.ok ? r.error : '');
    return r.msg.event.type;
  });

test('the scripted source replays its script, raw entries untouched, and records commands', () => {
  const source = createScriptedSource({ script: [runStart(), { raw: 'junk' }, { eval: { type: 'eval-cancelled', id: 'e1' } }] });
  const got: unknown[] = [];
  source.subscribe((m) => got.push(m));
  assert.equal(got.length, 3);
  assert.equal(got[1], 'junk');
  source.send({ type: 'pause' });
  assert.deepEqual(source.sent, [{ type: 'pause' }]);
  assert.equal(got.length, 3, 'without mimicTrainer nothing answers');
});

test('mimicking the trainer: pause holds the replay, step-once plays one step, stop saves and ends', async () => {
  const source = createScriptedSource({ script: [runStart(), ...stepEvents(1), ...stepEvents(2), ...stepEvents(3)], intervalMs: 5, mimicTrainer: true });
  const got: unknown[] = [];
  source.subscribe((m) => got.push(m));
  source.send({ type: 'pause' });
  const atPause = got.length;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(got.length, atPause, 'nothing replays while paused');
  assert.deepEqual(typesOf(got).at(-1), 'state');
  source.send({ type: 'step-once' });
  const afterStep = typesOf(got.slice(atPause));
  assert.equal(afterStep.at(-2), 'step');
  assert.equal(afterStep.at(-1), 'state');
  source.send({ type: 'stop', save: true });
  assert.deepEqual(typesOf(got).slice(-3), ['state', 'checkpoint', 'done']);
  source.close();
});

test('the synthetic run is valid protocol from start to done', () => {
  const source = createScriptedSource({ script: syntheticRun({ steps: 5 }) });
  const got: unknown[] = [];
  source.subscribe((m) => got.push(m));
  const types = typesOf(got);
  assert.equal(types[0], 'run-start');
  assert.equal(types.at(-1), 'done');
  assert.equal(types.filter((t) => t === 'step').length, 5);
});

test('eval queue snapshots become start, progress, result / error / cancelled events', () => {
  const job = (over: Partial<EvalJob>): EvalJob => ({
    id: 'e',
    model: 'm',
    data: 'd',
    status: 'queued',
    done: 0,
    total: 0,
    result: null,
    error: null,
    ...over,
  });
  const steps: EvalEvent[][] = [];
  let prev: EvalJob | undefined;
  for (const next of [
    job({}),
    job({ status: 'running' }),
    job({ status: 'running', done: 1, total: 4 }),
    job({ status: 'done', done: 4, total: 4, result: { acc: 0.5 } }),
  ]) {
    steps.push(jobEvents(prev, next));
    prev = next;
  }
  assert.deepEqual(
    steps.map((es) => es.map((e) => e.type)),
    [[], ['eval-start'], ['eval-progress'], ['eval-progress', 'eval-result']],
  );
  assert.deepEqual(
    jobEvents(job({ status: 'running' }), job({ status: 'failed', error: 'boom' })).map((e) => e.type),
    ['eval-error'],
  );
  assert.deepEqual(
    jobEvents(job({}), job({ status: 'cancelled' })).map((e) => e.type),
    ['eval-cancelled'],
  );
});

test('the eval queue launcher runs a child and reports its progress as protocol messages', async () => {
  // As \`thinktune eval --json --job-id ID\` prints them (src/trainer/protocol.ts).
  const child = `const id = process.argv.at(-1); const out = (e) => console.log(JSON.stringify({ v: 1, kind: 'eval', event: { id, ...e } }));
out({ type: 'eval-progress', done: 1, total: 2 }); out({ type: 'eval-progress', done: 2, total: 2 }); out({ type: 'eval-result', result: { acc: 0.5 } });`;
  const launcher = evalQueueLauncher({ command: (spec) => ({ file: process.execPath, args: ['-e', child, spec.id] }) });
  const got: unknown[] = [];
  await new Promise<void>((resolve) => {
    launcher.start({ id: 'e1', model: 'm', data: 'd' }, (m) => {
      got.push(m);
      const r = parseWorkerMessage(m);
      if (r.ok && (r.msg.event.type === 'eval-result' || r.msg.event.type === 'eval-error')) resolve();
    });
  });
  await launcher.close();
  const types = typesOf(got);
  assert.equal(types[0], 'eval-start');
  assert.equal(types.at(-1), 'eval-result', JSON.stringify(got));
});

/**
 * The real worker source with the real trainer and a tiny untrained model: a pause sent while steps run
 * back to back takes effect at the next step boundary (the worker's loop never waits on its event
 * loop, see ui/sources/worker.ts), and restart() starts again from the newest checkpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { parseWorkerMessage } from '../../ui/protocol.js';
import { startWorkerSource } from '../../ui/sources/worker.js';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-worker-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Resolves with the events so far once `until` holds for one of them (or rejects after `ms`). */
function eventsUntil(events: TrainEvent[], until: (e: TrainEvent) => boolean, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (events.some(until)) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out; events: ${events.map((e) => e.type).join(' ')}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test('pause reaches a worker that runs steps back to back; stop saves; restart resumes from the newest checkpoint', { timeout: 120_000 }, async () => {
  await useTestBackend();
  const model = saveTinyModel(1, root);
  const runDir = join(root, 'run');
  const sets = [`model.checkpoint=${model}`, 'run.totalSteps=40', 'data.promptsPerStep=2', 'grpo.groupSize=2', 'grpo.maxNewTokens=8', 'teacher.maxNewTokens=4'];
  const source = startWorkerSource({ sets, runDir });
  const events: TrainEvent[] = [];
  source.subscribe((raw) => {
    const parsed = parseWorkerMessage(raw);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    if (parsed.msg.kind === 'event') events.push(parsed.msg.event);
    if (parsed.ok && parsed.msg.kind === 'event' && parsed.msg.event.type === 'step' && parsed.msg.event.step === 1) source.send({ type: 'pause' });
  });
  try {
    await eventsUntil(events, (e) => e.type === 'state' && e.state === 'paused');
    const steps = () => events.filter((e) => e.type === 'step').length;
    const atPause = steps();
    assert.ok(atPause <= 4, `paused after ${atPause} steps, not at the next boundary`);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(steps(), atPause, 'no step runs while paused');

    source.send({ type: 'stop', save: true });
    await eventsUntil(events, (e) => e.type === 'done');
    const done = events.find((e) => e.type === 'done') as Extract<TrainEvent, { type: 'done' }>;
    assert.equal(done.reason, 'stopped');
    const saved = events.find((e) => e.type === 'checkpoint') as Extract<TrainEvent, { type: 'checkpoint' }>;
    assert.equal(saved.path, join(runDir, 'checkpoints', `step-${done.step}`));

    events.length = 0;
    source.restart();
    await eventsUntil(events, (e) => e.type === 'run-start');
    const start = events.find((e) => e.type === 'run-start') as Extract<TrainEvent, { type: 'run-start' }>;
    assert.equal(start.resumedFrom, saved.path);
    assert.equal(start.startStep, done.step);
    source.send({ type: 'stop', save: true });
    await eventsUntil(events, (e) => e.type === 'done');
  } finally {
    await source.terminate();
  }
});

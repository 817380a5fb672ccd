// Checkpoints a person saved (`save`, `:save`) or evaluated carry a keep marker (checkpoints/step-N/thinktune/keep)
// and outlive rotation (run.keepCheckpoints); the newest `keep` unmarked ones are kept as before.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { isKept, markKept, RunDir, runDirOfCheckpoint } from '../../src/trainer/run-dir.js';
import type { TrainEvent } from '../../src/trainer/events.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

const steps = (dir: string) => new RunDir(dir).checkpoints().map((c) => c.step);

function fakeCheckpoints(dir: string, list: number[]): void {
  for (const s of list) {
    mkdirSync(join(dir, 'checkpoints', `step-${s}`, 'thinktune'), { recursive: true });
    writeFileSync(join(dir, 'checkpoints', `step-${s}`, 'thinktune', 'state.json'), `{"completedSteps": ${s}}\n`);
  }
}

test('prune skips marked checkpoints and keeps the newest `keep` unmarked ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-keep-'));
  try {
    fakeCheckpoints(dir, [1, 2, 3, 4, 5, 6]);
    const run = new RunDir(dir);
    markKept(run.checkpointPath(2));
    markKept(run.checkpointPath(5));
    run.prune(2);
    assert.deepEqual(steps(dir), [6, 5, 4, 2]);
    assert.ok(isKept(run.checkpointPath(5)) && !isKept(run.checkpointPath(6)));
    run.prune(0);
    assert.deepEqual(steps(dir), [6, 5, 4, 2], '0 keeps all');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runDirOfCheckpoint knows a run checkpoint by checkpoints/step-N under a folder with config.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-keep-'));
  try {
    fakeCheckpoints(dir, [7]);
    const ck = join(dir, 'checkpoints', 'step-7');
    assert.equal(runDirOfCheckpoint(ck), null, 'no config.json: not a run folder');
    writeFileSync(join(dir, 'config.json'), '{}\n');
    assert.deepEqual(runDirOfCheckpoint(ck), { runDir: dir, step: 7 });
    assert.equal(runDirOfCheckpoint(join(dir, 'checkpoints')), null);
    assert.equal(runDirOfCheckpoint(join(dir, 'checkpoints', 'step-8')), null, 'absent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saves on request (while paused and between steps) are kept through rotation; scheduled ones rotate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-keep-run-'));
  try {
    const config = parseTrainConfig({
      model: { checkpoint: modelDir },
      data: { promptsPerStep: 1 },
      grpo: { groupSize: 2, maxNewTokens: 8 },
      run: { totalSteps: 5, saveEvery: 1, keepCheckpoints: 1, seed: 3 },
    });
    const t = await Trainer.create({ config, runDir: dir });
    const events: TrainEvent[] = [];
    let paused = false;
    for await (const e of t.run()) {
      events.push(e);
      // After step 1: pause, then save while paused (step-1, 'on request'), then go on.
      if (e.type === 'step' && e.step === 0) {
        t.command({ type: 'pause' });
        t.command({ type: 'save' });
      }
      if (e.type === 'state' && e.state === 'paused') paused = true;
      if (e.type === 'checkpoint' && paused) {
        paused = false;
        t.command({ type: 'resume' });
      }
      // After step 3: a save between steps lands with step 4's checkpoint.
      if (e.type === 'step' && e.step === 2) t.command({ type: 'save' });
    }
    t.dispose();
    assert.equal(events.at(-1)!.type, 'done');
    assert.deepEqual(steps(dir), [5, 4, 1], 'the newest scheduled checkpoint and the two saved on request');
    const run = new RunDir(dir);
    assert.ok(isKept(run.checkpointPath(1)) && isKept(run.checkpointPath(4)));
    assert.equal(isKept(run.checkpointPath(5)), false);
    assert.deepEqual(readdirSync(join(run.checkpointPath(4), 'thinktune')).sort(), ['keep', 'optimizer.safetensors', 'state.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

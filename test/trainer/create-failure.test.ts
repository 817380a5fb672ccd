// A start that fails after models are loaded (here: the run does not fit the student's positions, which
// is checked once the student, the teacher and the optimizer exist) disposes what it loaded and frees
// the folder: a dashboard or an in-process comparison that goes on keeps no tensors of it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';

before(async () => {
  await useTestBackend();
});

test('a failed start leaves the tensor count where it was and the run folder unlocked', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-create-fail-'));
  try {
    const checkpoint = saveTinyModel(6);
    // The local teacher (the frozen start) is loaded too; 1024 positions cannot hold 2000 new tokens.
    const config = parseTrainConfig({ model: { checkpoint }, grpo: { maxNewTokens: 2000 }, run: { totalSteps: 1 } });
    const before = tf.memory().numTensors;
    const runDir = join(dir, 'run');
    await assert.rejects(Trainer.create({ config, runDir }), /the run does not fit the model/);
    assert.equal(tf.memory().numTensors, before);
    // The lock was released: a start that fits goes ahead in the same folder.
    const ok = await Trainer.create({ config: parseTrainConfig({ model: { checkpoint }, run: { totalSteps: 1 } }), runDir });
    ok.dispose();
    assert.equal(tf.memory().numTensors, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optimizerFileOf, readTrainerState, stateFileOf } from '../../src/trainer/checkpoint-files.js';
import { RunDir } from '../../src/trainer/run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'tt-ckfiles-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('checkpoint files', () => {
  it("reads the trainer's files from thinktune/, and still from beside the weights in older checkpoints", () => {
    const run = new RunDir(join(root, 'run'));
    run.ensure();
    const fresh = run.checkpointPath(4);
    mkdirSync(join(fresh, 'thinktune'), { recursive: true });
    writeFileSync(join(fresh, 'thinktune', 'state.json'), '{"completedSteps": 4}');
    const old = run.checkpointPath(2);
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'trainer_state.json'), '{"completedSteps": 2}');
    const plain = run.checkpointPath(6); // a model folder with no trainer state is not a resumable checkpoint
    mkdirSync(plain, { recursive: true });
    writeFileSync(join(plain, 'config.json'), '{}');

    assert.deepEqual(
      run.checkpoints().map((c) => c.step),
      [4, 2],
    );
    assert.equal(stateFileOf(fresh), join(fresh, 'thinktune', 'state.json'));
    assert.equal(optimizerFileOf(fresh), join(fresh, 'thinktune', 'optimizer.safetensors'));
    assert.equal(optimizerFileOf(old), join(old, 'optimizer.safetensors'));
    assert.equal(readTrainerState(old)!.completedSteps, 2);
    assert.equal(readTrainerState(plain), null);
    writeFileSync(join(old, 'trainer_state.json'), '{"completedSteps": 2');
    assert.throws(() => readTrainerState(old), /trainer_state\.json is not valid JSON .*; this checkpoint is damaged: move .*step-2 aside/);
    writeFileSync(join(old, 'trainer_state.json'), '{"steps": 2}');
    assert.throws(() => readTrainerState(old), /has no whole "completedSteps"/);
  });
});

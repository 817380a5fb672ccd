// `thinktune train | head -5`: when the reader of stdout goes away the run stops as if asked (the step
// ends, a checkpoint is saved, exit 0) instead of training on and dying of an uncaught EPIPE.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

test('a closed stdout stops the run at the next step, with a checkpoint and exit 0', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-piped-'));
  try {
    const cfg = join(dir, 'c.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        model: { checkpoint: modelDir },
        data: { promptsPerStep: 2 },
        grpo: { groupSize: 2, maxNewTokens: 16 },
        guidance: { enabled: false },
        run: { totalSteps: 500, saveEvery: 0 },
      }),
    );
    const run = join(dir, 'run');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--headless', '--config', cfg, '--run-dir', run], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // Read until the first step line, then hang up, as `head` does once it has its lines.
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^step 1\//m.test(out)) child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, err);
    assert.doesNotMatch(err, /EPIPE|internal error|at .*\.js:\d+/, 'no stack trace');
    assert.match(err, new RegExp(`^thinktune: output closed, the run stopped and saved; resume with: thinktune train --resume --run-dir ${run}$`, 'm'));
    const saved = readdirSync(join(run, 'checkpoints')).filter((n) => /^step-\d+$/.test(n));
    assert.equal(saved.length, 1, saved.join(' '));
    assert.ok(Number(saved[0].slice(5)) < 500, 'it stopped long before the end');
    assert.ok(existsSync(join(run, 'checkpoints', saved[0], 'model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

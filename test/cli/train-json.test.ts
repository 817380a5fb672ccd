// `thinktune train --json` and `thinktune eval --json`: stdout is protocol lines only (the envelopes the
// dashboard's worker posts, src/trainer/protocol.ts), every one of which parses; what is said to people
// (the backend line) goes to stderr. compare's children and the dashboard's eval queue read these.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonLine, type WorkerMessage } from '../../src/trainer/protocol.js';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';
import { runCli } from '../helpers/run-cli.js';

before(async () => {
  await useTestBackend();
});

/** Every stdout line of a run as a protocol message; fails on a line that is not one. */
function messages(stdout: string[]): WorkerMessage[] {
  return stdout.map((line) => {
    const parsed = parseJsonLine(line);
    assert.ok(parsed?.ok, `not a protocol line: ${line.slice(0, 200)}${parsed && !parsed.ok ? ` (${parsed.error})` : ''}`);
    return parsed.msg;
  });
}

test('train --json prints every event as a protocol line, eval --json its progress and result', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-json-'));
  try {
    const cfgFile = join(dir, 'config.json');
    const config = {
      model: { checkpoint: saveTinyModel(3) },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 2, maxNewTokens: 8 },
      guidance: { enabled: false },
      run: { totalSteps: 2, saveEvery: 1, seed: 1 },
    };
    writeFileSync(cfgFile, JSON.stringify(config));
    const runDir = join(dir, 'run');
    const stdout: string[] = [];
    const r = await runCli(['train', '--json', '--config', cfgFile, '--run-dir', runDir], (line) => {
      if (line !== '') stdout.push(line);
    });
    assert.equal(r.code, 0, r.out);
    const events = messages(stdout).map((m) => {
      assert.equal(m.kind, 'event');
      return m.kind === 'event' ? m.event : null!;
    });
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run-start');
    assert.equal(types.filter((t) => t === 'step').length, 2);
    assert.equal(types.filter((t) => t === 'rollouts').length, 2);
    assert.deepEqual(events.at(-1), { type: 'done', step: 2, reason: 'completed' });
    const checkpoints = events.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : []));
    assert.deepEqual(checkpoints, [1, 2]);
    // The rollouts arrive whole, long lines and all.
    const rollouts = events.find((e) => e.type === 'rollouts');
    assert.ok(rollouts?.type === 'rollouts' && rollouts.rollouts.length === 4);
    assert.match(r.out, /^thinktune backend: /m, 'the backend line is on stderr');

    const evalOut: string[] = [];
    const ckpt = join(runDir, 'checkpoints', 'step-2');
    const ev = await runCli(['eval', '--model', ckpt, '--data', 'arith-test', '--limit', '3', '--json', '--job-id', 'j7'], (line) => {
      if (line !== '') evalOut.push(line);
    });
    assert.equal(ev.code, 0, ev.out);
    const evals = messages(evalOut).map((m) => (m.kind === 'eval' ? m.event : null!));
    assert.deepEqual(evals[0], { type: 'eval-start', id: 'j7', model: ckpt, data: 'arith-test', total: 3 });
    assert.ok(evals.slice(1, -1).every((e) => e.type === 'eval-progress' && e.id === 'j7' && e.total === 3));
    const result = evals.at(-1)!;
    assert.ok(result.type === 'eval-result' && result.id === 'j7', JSON.stringify(result));
    assert.equal(result.result.n, 3);
    assert.ok(result.result['pass@1'] >= 0 && result.result['pass@1'] <= 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

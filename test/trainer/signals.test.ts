// Ctrl-C and SIGTERM on a headless run: the first stops at the next step boundary with a checkpoint
// and a resume line (exit 130 / 143); a second one exits at once.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { useTestBackend } from '../helpers/backend.js';
import { parseProgressLine } from '../helpers/progress-lines.js';
import { stopOnSignals } from '../../src/cli/train.js';
import { runCli } from '../helpers/run-cli.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

function setup(dir: string): { cfgFile: string; runDir: string } {
  const cfgFile = join(dir, 'config.json');
  writeFileSync(
    cfgFile,
    JSON.stringify({
      model: { checkpoint: modelDir },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 3, maxNewTokens: 24 },
      guidance: { enabled: false },
      run: { totalSteps: 12, saveEvery: 0, seed: 5 },
    }),
  );
  return { cfgFile, runDir: join(dir, 'run') };
}

for (const [signal, exitCode] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} stops at the next step boundary, saves a checkpoint, prints how to resume, exits ${exitCode}`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-signal-'));
    try {
      const { cfgFile, runDir } = setup(dir);
      let sent = false;
      const r = await runCli(['train', '--headless', '--config', cfgFile, '--run-dir', runDir], (line, send) => {
        const p = parseProgressLine(line);
        if (!sent && p?.kind === 'step' && p.done === 1) {
          sent = true;
          send(signal);
        }
      });
      assert.equal(r.code, exitCode, r.out);
      const done = r.out
        .split('\n')
        .map(parseProgressLine)
        .find((p) => p?.kind === 'done');
      assert.ok(done?.kind === 'done' && done.reason === 'stopped', r.out);
      assert.ok(done.step < 12, 'it stopped early');
      assert.ok(existsSync(join(runDir, 'checkpoints', `step-${done.step}`, 'model.safetensors')), r.out);
      // The run's settings are in its config.json: the resume command needs only the folder.
      assert.match(r.out, new RegExp(`^stopped by ${signal}; resume with: thinktune train --resume --run-dir ${runDir}$`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Two signals sent together reach a busy process as one, so the second-signal path is checked directly.
test('a second signal exits at once with its code; the first only asks for a stop', () => {
  const handlers = new Map<string, (s: string) => void>();
  const proc = { on: (n: string, f: (s: string) => void) => handlers.set(n, f), off: (n: string) => handlers.delete(n) };
  const commands: unknown[] = [];
  const exits: number[] = [];
  const s = stopOnSignals({ command: (c) => commands.push(c) }, (code) => exits.push(code), proc as never);
  handlers.get('SIGINT')!('SIGINT');
  assert.deepEqual(commands, [{ type: 'stop', save: true }]);
  assert.deepEqual(exits, []);
  assert.equal(s.signal(), 'SIGINT');
  handlers.get('SIGTERM')!('SIGTERM');
  assert.deepEqual(exits, [143]);
  assert.equal(commands.length, 1);
  s.dispose();
  assert.equal(handlers.size, 0);
});

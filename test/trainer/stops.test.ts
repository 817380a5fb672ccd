// However a run ends (last step, --max-steps, a stop) it leaves a checkpoint, or says loudly that it
// could not; leftovers of interrupted saves are cleaned when a run starts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { RunDir } from '../../src/trainer/run-dir.js';
import { STATE_FILE } from '../../src/trainer/checkpoint-files.js';
import type { TrainEvent } from '../../src/trainer/events.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

const base = (run: TrainConfigInput['run']): TrainConfigInput => ({
  model: { checkpoint: modelDir },
  data: { promptsPerStep: 2 },
  grpo: { groupSize: 3, maxNewTokens: 24 },
  guidance: { enabled: false },
  run: { seed: 5, ...run },
});

async function runAll(t: Trainer, onEvent?: (e: TrainEvent) => void): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  try {
    for await (const e of t.run()) {
      events.push(e);
      onEvent?.(e);
    }
  } finally {
    t.dispose();
  }
  return events;
}

function withDir(prefix: string, body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const ofType = <T extends TrainEvent['type']>(events: TrainEvent[], type: T) => events.filter((e): e is Extract<TrainEvent, { type: T }> => e.type === type);

test(
  '--max-steps ends with a checkpoint of its last step, and the run resumes from it',
  { timeout: 120_000 },
  withDir('tt-max-', async (dir) => {
    const config = parseTrainConfig(base({ totalSteps: 5, saveEvery: 0 }));
    const events = await runAll(await Trainer.create({ config, runDir: dir, maxSteps: 2 }));
    assert.deepEqual(
      ofType(events, 'checkpoint').map((e) => e.step),
      [2],
    );
    assert.deepEqual(events.at(-1), { type: 'done', step: 2, reason: 'completed' });
    const resumed = await Trainer.create({ config, runDir: dir, resume: true, maxSteps: 1 });
    const again = await runAll(resumed);
    assert.equal((again[0] as Extract<TrainEvent, { type: 'run-start' }>).startStep, 2);
    assert.deepEqual(
      ofType(again, 'checkpoint').map((e) => e.step),
      [3],
    );
  }),
);

test(
  'a stop command saves the step it stopped at, once',
  { timeout: 120_000 },
  withDir('tt-stop-', async (dir) => {
    const t = await Trainer.create({ config: parseTrainConfig(base({ totalSteps: 5, saveEvery: 1 })), runDir: dir });
    const events = await runAll(t, (e) => {
      if (e.type === 'step') t.command({ type: 'stop', save: true });
    });
    assert.deepEqual(
      ofType(events, 'checkpoint').map((e) => e.step),
      [1],
      'step 1 was saved by saveEvery; the stop does not save it twice',
    );
    assert.deepEqual(events.at(-1), { type: 'done', step: 1, reason: 'stopped' });
  }),
);

test(
  'removeStaleTemps removes unfinished saves and superseded .old copies, never the only copy',
  withDir('tt-stale-', async (dir) => {
    const ck = join(dir, 'checkpoints');
    const folder = (name: string, file = 'x.txt') => {
      mkdirSync(join(ck, name, file, '..'), { recursive: true });
      writeFileSync(join(ck, name, file), 'x');
    };
    folder('step-1', STATE_FILE); // a complete checkpoint
    folder('step-1.old-77-ab'); // superseded by step-1: stale
    folder('step-2.tmp-77-cd'); // an unfinished save: stale
    folder('step-3.old-77-ef'); // step-3 is missing: the only copy, kept
    folder('step-4'); // incomplete step-4 (no state) ...
    folder('step-4.old-77-gh'); // ... so its .old copy is the only complete one, kept
    assert.equal(new RunDir(dir).removeStaleTemps(), 2);
    for (const kept of ['step-1', 'step-3.old-77-ef', 'step-4', 'step-4.old-77-gh']) assert.ok(existsSync(join(ck, kept)), kept);
    for (const gone of ['step-1.old-77-ab', 'step-2.tmp-77-cd']) assert.ok(!existsSync(join(ck, gone)), gone);
  }),
);

test(
  'a run start cleans stale save folders and says how many',
  { timeout: 120_000 },
  withDir('tt-stale-run-', async (dir) => {
    mkdirSync(join(dir, 'checkpoints', 'step-9.tmp-1-zz'), { recursive: true });
    const events = await runAll(await Trainer.create({ config: parseTrainConfig(base({ totalSteps: 1, saveEvery: 0 })), runDir: dir }));
    assert.equal(events[0]!.type, 'run-start');
    assert.match((events[1] as { message: string }).message, /^removed 1 unfinished checkpoint folder left by an interrupted save/);
    assert.ok(!existsSync(join(dir, 'checkpoints', 'step-9.tmp-1-zz')));
  }),
);

/** Put unrelated content where step-N's checkpoint goes, so its save is refused (as in faults.test.ts). */
function blockCheckpoint(runDir: string, step: number): string {
  const f = join(runDir, 'checkpoints', `step-${step}`, 'precious.txt');
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, 'do not delete');
  return f;
}

test(
  'a failed save at a stop is fatal and names the checkpoint that was not written',
  { timeout: 120_000 },
  withDir('tt-stopfail-', async (dir) => {
    blockCheckpoint(dir, 1);
    const t = await Trainer.create({ config: parseTrainConfig(base({ totalSteps: 5, saveEvery: 0 })), runDir: dir });
    const events = await runAll(t, (e) => {
      if (e.type === 'step') t.command({ type: 'stop', save: true });
    });
    const fatal = ofType(events, 'fatal');
    assert.equal(fatal.length, 1, JSON.stringify(events.filter((e) => e.type === 'warning' || e.type === 'fatal')));
    assert.match(fatal[0]!.message, /^checkpoint at stop was not written \(.*\); no checkpoint of this run is saved$/);
  }),
);

test(
  'headless: a failed final checkpoint exits 1 with one error line; the previous checkpoint is intact',
  { timeout: 120_000 },
  withDir('tt-finalfail-', async (dir) => {
    const cfgFile = join(dir, 'config.json');
    writeFileSync(cfgFile, JSON.stringify(base({ totalSteps: 2, saveEvery: 1 })));
    const runDir = join(dir, 'run');
    const precious = blockCheckpoint(runDir, 2);
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--headless', '--config', cfgFile, '--run-dir', runDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 1, r.out);
    const errors = r.out.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, r.out);
    assert.match(
      errors[0]!,
      new RegExp(`^error: checkpoint at step 2 was not written \\(.*\\); the newest saved checkpoint is ${join(runDir, 'checkpoints', 'step-1')}$`),
    );
    assert.ok(existsSync(join(runDir, 'checkpoints', 'step-1', 'model.safetensors')));
    assert.equal(readFileSync(precious, 'utf8'), 'do not delete');
  }),
);

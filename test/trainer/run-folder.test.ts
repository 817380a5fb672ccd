// One writer per run folder, a new run never lands on an old one, --resume keeps the run's own settings,
// and a damaged newest checkpoint falls back to the one before it. Tiny model, plain GRPO, 2-3 steps.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { runConfig } from '../../src/trainer/resume-config.js';
import { LOCK_FILE } from '../../src/trainer/run-lock.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

const raw = () => ({
  model: { checkpoint: modelDir },
  data: { promptsPerStep: 2 },
  grpo: { groupSize: 2, maxNewTokens: 16 },
  guidance: { enabled: false },
  run: { totalSteps: 3, saveEvery: 1, seed: 4 },
});

async function runAll(t: Trainer): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  try {
    for await (const e of t.run()) events.push(e);
  } finally {
    t.dispose();
  }
  return events;
}

const steps = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step as number);
const warnings = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
const fresh = () => mkdtempSync(join(tmpdir(), 'tt-folder-'));

test('a run folder in use by a live process is refused with its PID; a dead holder is taken over and said so', async () => {
  const dir = fresh();
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: live.pid, host: hostname(), started: '2026-01-01T00:00:00Z' }));
    await assert.rejects(
      Trainer.create({ config: parseTrainConfig(raw()), runDir: dir }),
      new RegExp(`is in use by process ${live.pid} \\(since 2026-01-01T00:00:00Z\\); stop that run first`),
    );
    assert.equal(existsSync(join(dir, 'config.json')), false, 'nothing was written');
    // Another host's lock cannot be checked from here: refused too, with how to clear it.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', started: 'x' }));
    await assert.rejects(
      Trainer.create({ config: parseTrainConfig(raw()), runDir: dir }),
      /in use by process 1 on elsewhere .*delete .*run\.lock if it is gone/,
    );

    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), started: 'then' }));
    const t = await Trainer.create({ config: parseTrainConfig({ ...raw(), run: { ...raw().run, totalSteps: 1 } }), runDir: dir });
    assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid, 'the lock is ours while the trainer lives');
    const events = await runAll(t);
    assert.ok(warnings(events).includes(`took over ${dir} from process ${dead} (since then), which is no longer running`), warnings(events).join('\n'));
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'dispose releases the lock');
  } finally {
    live.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two headless trains on one --run-dir: the second is refused while the first runs', { timeout: 120_000 }, async () => {
  const dir = fresh();
  const cfg = join(dir, 'c.json');
  writeFileSync(cfg, JSON.stringify({ ...raw(), run: { ...raw().run, totalSteps: 200, saveEvery: 0 } }));
  const run = join(dir, 'run');
  const bin = join(import.meta.dirname, '../../src/cli/main.ts');
  const first = spawn(process.execPath, ['--import', 'tsx', bin, 'train', '--headless', '--backend', 'cpu', '--config', cfg, '--run-dir', run], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    // Wait until the first one is training (its first step line), then start the second.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      first.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (/^step 1\//m.test(out)) resolve();
      });
      first.on('exit', () => reject(new Error(`first run exited early:\n${out}`)));
    });
    const second = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, 'train', '--headless', '--backend', 'cpu', '--config', cfg, '--run-dir', run, '--resume'],
      { encoding: 'utf8' },
    );
    assert.equal(second.status, 1, second.stderr + second.stdout);
    assert.match(second.stderr, new RegExp(`^thinktune: .* is in use by process ${first.pid} `, 'm'));
  } finally {
    first.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new run in a folder that holds one is refused; --overwrite starts it over; --resume without a checkpoint starts over', async () => {
  const dir = fresh();
  try {
    await runAll(await Trainer.create({ config: parseTrainConfig({ ...raw(), run: { ...raw().run, saveEvery: 0 } }), runDir: dir, maxSteps: 2 }));
    await assert.rejects(
      Trainer.create({ config: parseTrainConfig(raw()), runDir: dir }),
      new RegExp(
        `${dir} already holds a run \\(2 steps in metrics.jsonl, newest checkpoint step-2\\); continue it with --resume, start it over with --overwrite`,
      ),
    );
    assert.deepEqual(steps(dir), [0, 1], 'the refused start touched nothing');
    // An --overwrite whose start fails (here: a teacher server that cannot answer) leaves the earlier run.
    const noServer = parseTrainConfig({
      ...raw(),
      guidance: { enabled: true },
      teacher: { kind: 'openai', url: 'http://127.0.0.1:9/v1', model: 'm', retries: 0 },
    });
    await assert.rejects(Trainer.create({ config: noServer, runDir: dir, overwrite: true }), /cannot answer/);
    assert.deepEqual(steps(dir), [0, 1], 'a failed --overwrite start removed nothing');
    const over = await runAll(await Trainer.create({ config: parseTrainConfig(raw()), runDir: dir, overwrite: true, maxSteps: 1 }));
    assert.ok(
      warnings(over).some((w) => w.startsWith(`--overwrite: removed the earlier run in ${dir} (2 steps`)),
      warnings(over).join('\n'),
    );
    assert.deepEqual(steps(dir), [0]);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')), ['step-1'], 'the old checkpoints are gone');

    // Killed before its first checkpoint: --resume starts it over from step 1, with clean files.
    rmSync(join(dir, 'checkpoints', 'step-1'), { recursive: true });
    const again = await runAll(await Trainer.create({ ...runConfig({ runDir: dir, resume: true }), runDir: dir, resume: true, maxSteps: 2 }));
    assert.ok(warnings(again).includes(`--resume: ${dir} has no checkpoint yet; the run starts over from step 1 with its saved config`));
    assert.deepEqual(steps(dir), [0, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--resume takes the run's saved config; --set may change only mid-run keys, and says so", async () => {
  const dir = fresh();
  try {
    const cfgFile = join(dir, 'c.json');
    writeFileSync(cfgFile, JSON.stringify(raw()));
    const first = runConfig({ configFile: cfgFile, sets: ['grpo.groupSize=3'] });
    await runAll(await Trainer.create({ config: first.config, runDir: join(dir, 'run'), maxSteps: 1 }));
    const run = join(dir, 'run');

    // No flags: exactly the saved settings (a group of 3, 3 steps), not the defaults.
    const plain = runConfig({ runDir: run, resume: true });
    assert.equal(plain.config.grpo.groupSize, 3);
    assert.equal(plain.config.run.totalSteps, 3);
    assert.deepEqual(plain.changes, []);
    // The flags it was started with change nothing; a key that shapes the run is refused, naming it.
    assert.deepEqual(runConfig({ configFile: cfgFile, sets: ['grpo.groupSize=3'], runDir: run, resume: true }).changes, []);
    assert.throws(
      () => runConfig({ sets: ['grpo.groupSize=8'], runDir: run, resume: true }),
      /--resume: --set grpo\.groupSize=8 sets grpo\.groupSize to 8, but the run was trained with 3 and grpo\.groupSize cannot change on resume/,
    );
    assert.throws(() => runConfig({ sets: ['run.totalSteps=150'], runDir: run, resume: true }), /run\.totalSteps cannot change on resume/);
    assert.throws(
      () => runConfig({ configFile: cfgFile, runDir: run, resume: true }),
      /--resume: --config .*c\.json sets grpo\.groupSize to 2, but the run was trained with 3/,
    );
    assert.throws(() => runConfig({ sets: ['optim.lrr=1'], runDir: run, resume: true }), /optim\.lrr/);
    assert.throws(
      () => runConfig({ runDir: join(dir, 'nowhere'), resume: true }),
      /--resume: there is no run folder .*nowhere; pass the --run-dir of an earlier run/,
    );
    assert.equal(existsSync(join(dir, 'nowhere')), false, '--resume does not create a folder');
    assert.throws(() => runConfig({ resume: true }), /--resume needs --run-dir DIR/);

    // A mid-run key may change; the trainer reports it and the run's config.json follows.
    const lr = runConfig({ sets: ['optim.lr=2e-5'], runDir: run, resume: true });
    assert.deepEqual(lr.changes, [{ key: 'optim.lr', from: parseTrainConfig({}).optim.lr, to: 2e-5, via: '--set' }]);
    const events = await runAll(await Trainer.create({ config: lr.config, runDir: run, resume: true, resumeChanges: lr.changes, maxSteps: 1 }));
    assert.ok(
      events.some((e) => e.type === 'setting' && e.key === 'optim.lr' && e.value === 2e-5 && e.ok),
      'the change is reported',
    );
    assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).optim.lr, 2e-5);
    assert.deepEqual(steps(run), [0, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a :set during the run is written to config.json, so --resume keeps it', async () => {
  const dir = fresh();
  try {
    const t = await Trainer.create({ config: parseTrainConfig(raw()), runDir: dir, maxSteps: 1 });
    t.command({ type: 'set', key: 'grpo.temperature', value: 0.7 });
    await runAll(t);
    assert.equal(runConfig({ runDir: dir, resume: true }).config.grpo.temperature, 0.7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume falls back from a damaged newest checkpoint to the newest whole one, and says which', async () => {
  const dir = fresh();
  try {
    await runAll(await Trainer.create({ config: parseTrainConfig(raw()), runDir: dir }));
    const ck = (n: number) => join(dir, 'checkpoints', `step-${n}`);
    writeFileSync(join(ck(3), 'thinktune', 'state.json'), '{"completedSteps": 3, "seed": 4, "styleCou');
    truncateSync(join(ck(2), 'thinktune', 'optimizer.safetensors'), 100);
    const events = await runAll(await Trainer.create({ ...runConfig({ runDir: dir, resume: true }), runDir: dir, resume: true }));
    const start = events.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start' && start.startStep === 1 && start.resumedFrom === ck(1));
    const w = warnings(events);
    assert.ok(
      w.some((m) => /^checkpoint step-3 is damaged \(.*state\.json is not valid JSON.*\); moved it to .*step-3\.damaged-.* and resumed from step-1$/.test(m)),
      w.join('\n'),
    );
    assert.ok(
      w.some((m) => /^checkpoint step-2 is damaged \(.*optimizer\.safetensors.*\); moved it to .*step-2\.damaged-/.test(m)),
      w.join('\n'),
    );
    assert.deepEqual(steps(dir), [0, 1, 2], 'steps 2 and 3 ran again, once each');
    const names = readdirSync(join(dir, 'checkpoints')).sort();
    assert.equal(names.filter((n) => n.includes('.damaged-')).length, 2, names.join(' '));

    // A state of another run (wrong step) is damaged too; when none is whole, one line lists why.
    for (const n of [1, 2, 3]) writeFileSync(join(ck(n), 'thinktune', 'state.json'), JSON.stringify({ completedSteps: 7, seed: 4 }));
    await assert.rejects(
      Trainer.create({ ...runConfig({ runDir: dir, resume: true }), runDir: dir, resume: true }),
      /--resume: no checkpoint in .* is whole \(step-3: its state says 7 steps done, the folder step-3; step-2: .*; step-1: .*\); restore one, or start over with --overwrite/,
    );
    assert.equal(existsSync(ck(3)), true, 'nothing is moved when there is nothing to fall back to');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an OpenAI teacher that cannot answer stops the run at start with one line, before any step', async () => {
  const dir = fresh();
  const { createServer } = await import('node:net');
  // A port that was free a moment ago and is closed now: connection refused.
  const port = await new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  try {
    const config = parseTrainConfig({
      ...raw(),
      guidance: { enabled: true },
      teacher: { kind: 'openai', url: `http://127.0.0.1:${port}/v1`, model: 'm', retries: 0 },
    });
    await assert.rejects(
      Trainer.create({ config, runDir: dir }),
      new RegExp(`^RunDirError: teacher m at http://127\\.0\\.0\\.1:${port}/v1 cannot answer: .*ECONNREFUSED`),
    );
    assert.equal(existsSync(join(dir, 'metrics.jsonl')), false);
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'a failed start releases the lock');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

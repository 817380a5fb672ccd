/**
 * `thinktune watch`: the files source turns a run folder (written here by hand, in the trainer's
 * layout) into the dashboard's events, follows the files as they grow, and writes the watcher's
 * commands to control.jsonl where a headless run reads them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RunDir } from '../../src/trainer/run-dir.js';
import { AppContainer } from '../../ui/AppContainer.js';
import { parseWorkerMessage } from '../../ui/protocol.js';
import { checkRunFolder, watchRunFolder } from '../../ui/sources/files.js';
import { JsonlTail } from '../../ui/sources/jsonl-tail.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { rollout, stepMetrics } from './helpers/events.js';
import { renderSized, waitFor } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-watch-'));
after(() => rmSync(root, { recursive: true, force: true }));

const line = (v: unknown) => JSON.stringify(v) + '\n';
const metricsLine = (step: number) => line({ step, ...stepMetrics(step + 1) });
const rolloutLines = (step: number, templateVersion = 1) => [0, 1].flatMap((g) => [0, 1].map((i) => line(rollout(step, g, i, { templateVersion })))).join('');

/** A run folder as a headless run leaves it after `steps` steps, with the last metrics line torn. */
function runFolder(name: string, steps: number, totalSteps = 4): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ run: { totalSteps }, model: { checkpoint: 'builtin' }, guidance: { promptsDir: 'prompts' } }, null, 2),
  );
  let metrics = '';
  let rollouts = '';
  for (let s = 0; s < steps; s++) {
    metrics += metricsLine(s);
    rollouts += rolloutLines(s);
  }
  writeFileSync(join(dir, 'metrics.jsonl'), metrics + metricsLine(steps).slice(0, 30)); // torn: still being written
  writeFileSync(join(dir, 'rollouts.jsonl'), rollouts);
  return dir;
}

function checkpoint(dir: string, step: number): void {
  mkdirSync(join(dir, 'checkpoints', `step-${step}`), { recursive: true });
  writeFileSync(join(dir, 'checkpoints', `step-${step}`, 'trainer_state.json'), '{}\n');
}

/** Subscribe and collect the events (every message must be valid protocol). */
function collect(source: ReturnType<typeof watchRunFolder>): TrainEvent[] {
  const events: TrainEvent[] = [];
  source.subscribe((raw) => {
    const parsed = parseWorkerMessage(raw);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    if (parsed.msg.kind === 'event') events.push(parsed.msg.event);
  });
  return events;
}

test('a missing, empty or config-less folder is a one-line error', () => {
  const bad = (dir: string, pattern: RegExp) =>
    assert.throws(
      () => checkRunFolder(dir),
      (e: Error) => e.name === 'RunDirError' && pattern.test(e.message) && !e.message.includes('\n'),
    );
  bad(join(root, 'nope'), /run folder .*nope does not exist; pass the folder a run writes/);
  mkdirSync(join(root, 'empty'));
  bad(join(root, 'empty'), /run folder .*empty is empty/);
  mkdirSync(join(root, 'no-config'));
  writeFileSync(join(root, 'no-config', 'metrics.jsonl'), '');
  bad(join(root, 'no-config'), /no-config has no config\.json/);
});

test('the files become run-start, rollouts and step events; growth is followed, a torn last line waits', () => {
  const dir = runFolder('grow', 2);
  const source = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(source);
  try {
    assert.deepEqual(
      events.map((e) => e.type),
      ['run-start', 'rollouts', 'rollouts', 'templates', 'step', 'step'],
    );
    assert.deepEqual(events[3], { type: 'templates', version: 1, changed: [], error: null }, 'the version the rollouts were made with');
    const start = events[0] as Extract<TrainEvent, { type: 'run-start' }>;
    assert.equal(start.runDir, dir);
    assert.equal(start.totalSteps, 4);
    assert.deepEqual((start.config as { model: unknown }).model, { checkpoint: 'builtin' });
    assert.deepEqual(
      events.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step),
      [0, 1],
    );
    assert.equal((events[1] as { rollouts: unknown[] }).rollouts.length, 4);

    // The torn line is finished, step 2 written with a reloaded template, a checkpoint saved, a bad line.
    events.length = 0;
    appendFileSync(join(dir, 'metrics.jsonl'), metricsLine(2).slice(30) + '{not json\n');
    appendFileSync(join(dir, 'rollouts.jsonl'), rolloutLines(2, 2));
    checkpoint(dir, 3);
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['warning', 'rollouts', 'templates', 'step', 'checkpoint'],
    );
    assert.match((events[0] as { message: string }).message, /metrics\.jsonl line 4: not JSON; skipped/);
    assert.deepEqual(events[2], { type: 'templates', version: 2, changed: [], error: null });
    assert.equal((events[3] as { step: number }).step, 2);
    assert.equal((events[4] as { step: number }).step, 3);

    // The last step: the run is done.
    events.length = 0;
    appendFileSync(join(dir, 'metrics.jsonl'), metricsLine(3));
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['step', 'done'],
    );
    assert.deepEqual(events[1], { type: 'done', step: 4, reason: 'completed' });
    events.length = 0;
    source.poll();
    assert.deepEqual(events, [], 'nothing new, nothing sent');
  } finally {
    source.close();
  }
});

test('a resumed run that cut its files back starts the view over', () => {
  const dir = runFolder('resumed', 3, 10);
  const source = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(source);
  try {
    events.length = 0;
    // What RunDir.truncateAfter does on --resume from step-1: keep step 0, rename into place.
    writeFileSync(join(dir, 'metrics.tmp'), metricsLine(0));
    renameSync(join(dir, 'metrics.tmp'), join(dir, 'metrics.jsonl'));
    writeFileSync(join(dir, 'rollouts.tmp'), rolloutLines(0));
    renameSync(join(dir, 'rollouts.tmp'), join(dir, 'rollouts.jsonl'));
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['run-start', 'rollouts', 'templates', 'step'],
    );
  } finally {
    source.close();
  }
});

test('pause, resume, step, save and stop go to control.jsonl, where a headless run reads them; other commands are refused', () => {
  const dir = runFolder('control', 2, 100);
  const source = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(source);
  try {
    events.length = 0;
    source.send({ type: 'pause' });
    source.send({ type: 'step-once' });
    source.send({ type: 'save' });
    source.send({ type: 'resume' });
    source.send({ type: 'stop', save: true });
    assert.throws(
      () => source.send({ type: 'set', key: 'optim.lr', value: '1' }),
      /set is not available while watching; a headless run takes only pause, resume, step-once, save, stop/,
    );
    const { commands } = new RunDir(dir).readControl(0);
    assert.deepEqual(commands, [{ type: 'pause' }, { type: 'step-once' }, { type: 'save' }, { type: 'resume' }, { type: 'stop', save: true }]);
    assert.deepEqual(events, [
      { type: 'state', state: 'paused' },
      { type: 'state', state: 'running' },
      { type: 'state', state: 'stopping' },
    ]);
    // The stopped run saves its last checkpoint (2 completed steps) and exits: the watcher shows it done.
    events.length = 0;
    checkpoint(dir, 2);
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['checkpoint', 'done'],
    );
    assert.deepEqual(events[1], { type: 'done', step: 2, reason: 'stopped' });
  } finally {
    source.close();
  }
});

test('JsonlTail: a torn last line is left for the next read', () => {
  const file = join(root, 'tail.jsonl');
  writeFileSync(file, '{"a":1}\n{"a":');
  const tail = new JsonlTail(file);
  assert.deepEqual(tail.read().records, [{ a: 1 }]);
  assert.deepEqual(tail.read().records, []);
  appendFileSync(file, '2}\n');
  assert.deepEqual(tail.read(), { records: [{ a: 2 }], errors: [], reset: false });
  assert.deepEqual(new JsonlTail(join(root, 'absent.jsonl')).read(), { records: [], errors: [], reset: false });
});

test('the dashboard on a watched folder: header says watching, follows growth, p writes pause, q leaves the run running', async () => {
  const dir = runFolder('dashboard', 2, 50);
  const source = watchRunFolder(dir, { pollMs: 40 });
  let exited = 0;
  const ui = renderSized(<AppContainer source={source} env={{}} coalesceMs={0} onExit={() => exited++} />, { columns: 100, rows: 30 });
  const frame = () => ui.lastFrame() ?? '';
  try {
    // Two steps in metrics.jsonl (indices 0 and 1): 2 of 50 finished; the groups show the 2nd step.
    await waitFor(() => /thinktune │ dashboard │ step 2\/50 │ ▶ running │ watching/.test(frame()), frame);
    assert.match(frame(), /\[groups\].*step 2 · g 1\/2/);
    appendFileSync(join(dir, 'metrics.jsonl'), metricsLine(2).slice(30));
    await waitFor(() => /step 3\/50/.test(frame()), frame);

    ui.stdin.write('p');
    await waitFor(() => /‖ paused │ watching/.test(frame()), frame);
    assert.deepEqual(new RunDir(dir).readControl(0).commands, [{ type: 'pause' }]);
    ui.stdin.write('q');
    await waitFor(() => exited === 1, frame);
    assert.deepEqual(new RunDir(dir).readControl(0).commands, [{ type: 'pause' }], 'q sends no stop to the watched run');
  } finally {
    source.close();
    ui.unmount();
  }
});

test("every step's rollouts reach the dashboard: the teacher panel's totals cover the whole run, not the steps held", async () => {
  const dir = runFolder('teacher-totals', 30, 30);
  // One guided rollout at step 1 (index 0), far older than the 16 steps of rollouts the dashboard holds.
  const student = '2 + 2 = 5. The answer is \\boxed{5}.';
  const text = `${student}\n\nWait, 2 + 2 is 4. The answer is \\boxed{4}.`;
  const guided = rollout(0, 0, 1, {
    text,
    studentSpan: [0, student.length],
    teacherSpan: [student.length + 2, text.length],
    guided: true,
    style: 'self-critique',
  });
  const file = join(dir, 'rollouts.jsonl');
  writeFileSync(file, line(guided) + readFileSync(file, 'utf8')); // step 0's lines come first
  // The events, from a source of their own (the first subscriber gets the initial read).
  const counted = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(counted);
  counted.close();
  assert.equal(events.filter((e) => e.type === 'rollouts').length, 30, 'one message per step');
  const source = watchRunFolder(dir, { pollMs: 40 });
  const ui = renderSized(<AppContainer source={source} env={{}} coalesceMs={0} onExit={() => {}} />, { columns: 80, rows: 24 });
  const frame = () => ui.lastFrame() ?? '';
  try {
    await waitFor(() => /step 30\/30/.test(frame()), frame);
    ui.stdin.write('7');
    await waitFor(() => /1 guided in 1 of 30 steps: fixed 1/.test(frame()), frame);
  } finally {
    ui.unmount();
    source.close();
  }
});

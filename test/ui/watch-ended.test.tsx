/**
 * `thinktune watch` knows when the watched run has ended (issue #17, item 4): run.lock, which a
 * training process holds while it runs, going away or left behind by a dead PID ends the view as
 * finished, stopped or crashed, and commands then say that nothing is listening instead of showing
 * "paused". Run folders are written by hand in the trainer's layout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { RunDir } from '../../src/trainer/run-dir.js';
import { LOCK_FILE } from '../../src/trainer/run-lock.js';
import { AppContainer } from '../../ui/AppContainer.js';
import { parseWorkerMessage } from '../../ui/protocol.js';
import { lockState, watchRunFolder } from '../../ui/sources/files.js';
import { rollout, stepMetrics } from './helpers/events.js';
import { renderSized, waitFor } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-watch-ended-'));
after(() => rmSync(root, { recursive: true, force: true }));

const line = (v: unknown) => JSON.stringify(v) + '\n';
const metricsLine = (step: number) => line({ step, ...stepMetrics(step + 1) });
const rolloutLines = (step: number) => [0, 1].flatMap((g) => [0, 1].map((i) => line(rollout(step, g, i)))).join('');

/** A run folder after `steps` steps of `totalSteps`, its lock held by `pid` (null: no lock). */
function runFolder(name: string, steps: number, totalSteps: number, pid: number | null = process.pid): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ run: { totalSteps } }));
  writeFileSync(join(dir, 'metrics.jsonl'), Array.from({ length: steps }, (_, s) => metricsLine(s)).join(''));
  writeFileSync(join(dir, 'rollouts.jsonl'), Array.from({ length: steps }, (_, s) => rolloutLines(s)).join(''));
  if (pid !== null) lock(dir, pid);
  return dir;
}

const lock = (dir: string, pid: number) => writeFileSync(join(dir, LOCK_FILE), line({ pid, host: hostname(), started: new Date().toISOString() }));
const unlock = (dir: string) => rmSync(join(dir, LOCK_FILE));

function checkpoint(dir: string, step: number): void {
  mkdirSync(join(dir, 'checkpoints', `step-${step}`), { recursive: true });
  writeFileSync(join(dir, 'checkpoints', `step-${step}`, 'trainer_state.json'), '{}\n');
}

/** The PID of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function collect(source: ReturnType<typeof watchRunFolder>): TrainEvent[] {
  const events: TrainEvent[] = [];
  source.subscribe((raw) => {
    const parsed = parseWorkerMessage(raw);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    if (parsed.msg.kind === 'event') events.push(parsed.msg.event);
  });
  return events;
}

test('lockState: a live PID is alive, an exited one dead, no file none, a torn file unknown', () => {
  const dir = runFolder('lock-states', 0, 4);
  assert.equal(lockState(dir), 'alive');
  lock(dir, deadPid());
  assert.equal(lockState(dir), 'dead');
  writeFileSync(join(dir, LOCK_FILE), '{"pid":');
  assert.equal(lockState(dir), 'unknown');
  unlock(dir);
  assert.equal(lockState(dir), 'none');
});

test('the lock going away with a checkpoint of the last step is a stop; without one, a crash', () => {
  const stopped = runFolder('lock-gone-stopped', 3, 150);
  const a = watchRunFolder(stopped, { pollMs: 60_000 });
  const events = collect(a);
  try {
    assert.ok(!events.some((e) => e.type === 'done' || e.type === 'fatal'), 'alive while its lock is held');
    checkpoint(stopped, 3);
    unlock(stopped);
    events.length = 0;
    a.poll();
    assert.deepEqual(events, [
      { type: 'checkpoint', step: 3, path: join(stopped, 'checkpoints', 'step-3') },
      { type: 'done', step: 3, reason: 'stopped' },
    ]);
    events.length = 0;
    a.poll();
    assert.deepEqual(events, [], 'said once');
    assert.throws(() => a.send({ type: 'pause' }), /^Error: the run is not running; start it again with thinktune train --resume --run-dir /);
    assert.deepEqual(new RunDir(stopped).readControl(0).commands, []);
  } finally {
    a.close();
  }

  const crashed = runFolder('lock-gone-crashed', 3, 150);
  const b = watchRunFolder(crashed, { pollMs: 60_000 });
  const more = collect(b);
  try {
    unlock(crashed);
    more.length = 0;
    b.poll();
    assert.equal(more.length, 1);
    assert.equal(more[0]!.type, 'fatal');
    assert.match(
      (more[0] as { message: string }).message,
      /^the run is not running: run\.lock is gone after step 3 of 150 without a final checkpoint \(crashed or killed\); no checkpoint was saved$/,
    );
  } finally {
    b.close();
  }
});

test('a lock left by a dead process is a crash even on the first look; a live lock again follows the run again', () => {
  const dir = runFolder('dead-pid', 2, 150, deadPid());
  const source = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(source);
  try {
    const end = events.find((e) => e.type === 'fatal') as { message: string } | undefined;
    assert.match(end?.message ?? '', /its process is gone and left run\.lock behind after step 2 of 150/);
    assert.match(
      JSON.stringify(events.find((e) => e.type === 'warning')),
      /ended before the watcher started; metrics\.jsonl was last written \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    // thinktune train --resume: a new process takes the lock and goes on appending.
    lock(dir, process.pid);
    events.length = 0;
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['run-start'],
    );
    assert.equal((events[0] as { startStep: number }).startStep, 2);
  } finally {
    source.close();
  }
});

test('a completed run still holding its lock while it saves stays finished (no false restart)', () => {
  const dir = runFolder('completed', 3, 4);
  const source = watchRunFolder(dir, { pollMs: 60_000 });
  const events = collect(source);
  try {
    appendFileSync(join(dir, 'metrics.jsonl'), metricsLine(3));
    events.length = 0;
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['step', 'done'],
    );
    checkpoint(dir, 4);
    events.length = 0;
    source.poll();
    assert.deepEqual(
      events.map((e) => e.type),
      ['checkpoint'],
      'the lock still held while it saves is the same process',
    );
    unlock(dir);
    events.length = 0;
    source.poll();
    assert.deepEqual(events, []);
  } finally {
    source.close();
  }
});

test('the dashboard: the lock going away shows stopped and since when; p then says the run is not running', async () => {
  const dir = runFolder('dashboard-ended', 2, 150);
  const source = watchRunFolder(dir, { pollMs: 30 });
  const ui = renderSized(<AppContainer source={source} env={{}} coalesceMs={0} />, { columns: 400, rows: 30 });
  const frame = () => ui.lastFrame() ?? '';
  try {
    await waitFor(() => /step 2\/150 │ ▶ running │ watching/.test(frame()), frame);
    checkpoint(dir, 2);
    unlock(dir);
    await waitFor(() => /step 2\/150 │ ■ stopped: stopped after step 2 \(since \d\d:\d\d\) │ watching/.test(frame()), frame);

    ui.stdin.write('p');
    const notice = new RegExp(
      `the run is not running \\(stopped \\S+ ago\\); start it again with thinktune train --resume --run-dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
    );
    await waitFor(() => notice.test(frame()), frame);
    assert.match(frame(), /ETA – /, 'no ETA for a run that is not running');
    assert.doesNotMatch(frame(), /paused/);
    assert.deepEqual(new RunDir(dir).readControl(0).commands, [], 'nothing written for a run that is not there to read it');
  } finally {
    source.close();
    ui.unmount();
  }
});

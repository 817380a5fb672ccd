import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { LOCK_FILE } from '../../src/trainer/run-lock.js';
import { createPlainPrinter, runPlain } from '../../ui/plain.js';
import { followCompareRun, showComparison, type ComparedRun } from '../../ui/sources/compare-run.js';
import { watchRunFolder } from '../../ui/sources/files.js';
import { createScriptedSource } from '../../ui/sources/scripted.js';
import { startDashboard } from '../../ui/start.js';
import { runStart, stepEvents, stepMetrics, wrap } from './helpers/events.js';

const sink = () => {
  const lines: string[] = [];
  return { lines, write: (t: string) => lines.push(...t.split('\n').filter(Boolean)) };
};

test('one line per step, counted from 1, with metrics, throughput and ETA; nothing for rollouts or feedback', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap(runStart({ totalSteps: 10 })));
  for (const s of [0, 1, 2]) for (const e of stepEvents(s)) print(wrap(e));
  const steps = out.lines.filter((l) => l.startsWith('step '));
  assert.equal(steps.length, 3);
  // After the first step (index 0): 1 of 10 done, 9 left x 3.5 s.
  assert.equal(
    steps[0],
    'step 1/10  reward 0.300 (guided 0.400, unguided 0.200)  adv std 0.800  kl 0  entropy 1.500  len 120  gnorm -  |  1234 tok/s  3.5s/step  ETA 32s',
  );
  assert.match(
    steps[2]!,
    /^step 3\/10 {2}reward 0\.\d+ \(guided 0\.\d+, unguided 0\.\d+\) {2}adv std 0\.800 {2}kl 2\.0e-3 .* 1234 tok\/s {2}3\.5s\/step {2}ETA 25s$/,
  );
  assert.deepEqual(out.lines.slice(0, 1), ['run gsm8k-qwen in runs/demo: steps 1..10 on wasm (no GPU backend installed)']);
  assert.equal(out.lines.length, 4, 'run line + 3 step lines');
  assert.equal(err.lines.length, 0);
});

test('the lines are the headless ones (src/trainer/print.ts): the same text for every run-level event', () => {
  const out = sink();
  const print = createPlainPrinter(out, out);
  const events: TrainEvent[] = [
    runStart({ totalSteps: 4 }),
    ...stepEvents(0),
    { type: 'checkpoint', step: 1, path: 'runs/demo/checkpoints/step-1' },
    { type: 'setting', key: 'optim.lr', value: 1e-5, ok: true, error: null },
    { type: 'state', state: 'paused' },
    { type: 'done', step: 1, reason: 'stopped' },
  ];
  for (const e of events) print(wrap(e));
  const headless = new ProgressPrinter();
  assert.deepEqual(
    out.lines,
    events.map((e) => headless.line(e)?.text).filter((t) => t !== undefined),
  );
  assert.deepEqual(out.lines.slice(2), [
    'checkpoint saved at step 1: runs/demo/checkpoints/step-1',
    'set optim.lr = 0.00001',
    'state: paused',
    'done after step 1 (stopped)',
  ]);
});

test('a step the trainer does not time is timed from its step-start', () => {
  const out = sink();
  let t = 0;
  const print = createPlainPrinter(out, out, () => t);
  print(wrap(runStart({ totalSteps: 5 })));
  print(wrap({ type: 'step-start', step: 0 }));
  t = 2000;
  print(wrap({ type: 'step', step: 0, metrics: { reward: 0.5 } }));
  assert.match(out.lines[1]!, /^step 1\/5 {2}reward 0\.500 .* 2\.0s\/step {2}ETA 8\.0s$/);
});

test('warnings and invalid messages go to stderr as one line each', () => {
  const out = sink();
  const err = sink();
  const print = createPlainPrinter(out, err);
  print(wrap({ type: 'warning', message: 'teacher slow' }));
  const r = print({ v: 1, kind: 'event', event: { type: 'nope' } });
  assert.equal(r.ok, false);
  print(wrap({ type: 'templates', version: 1, changed: [], error: 'hint.md: is empty' }));
  print(wrap({ type: 'fatal', message: 'out of memory' }));
  assert.deepEqual(err.lines, [
    'warning: teacher slow',
    "warning: ignored a message from the worker: invalid event: unknown type 'nope'",
    'warning: template edit rejected, v1 stays in force: hint.md: is empty',
    'error: out of memory',
  ]);
  assert.equal(out.lines.length, 0);
});

test('runPlain prints until done and resolves with the reason', async () => {
  const out = sink();
  const source = createScriptedSource({ script: [runStart({ totalSteps: 1 }), ...stepEvents(0), { type: 'done', step: 1, reason: 'completed' }] });
  assert.equal(await runPlain(source, out), 'completed');
  assert.deepEqual(
    out.lines.map((l) => l.split(' ')[0]),
    ['run', 'step', 'done'],
  );
});

test('with a compared run (watch A B): a line names it, and each step line ends with its reward at that step', () => {
  const out = sink();
  const compared: ComparedRun = {
    name: 'think-run',
    runDir: 'runs/think-run',
    rows: [0, 1].map((step) => ({ step, metrics: { ...stepMetrics(step), reward: 0.5 + step / 10 }, at: 0 })),
  };
  const print = createPlainPrinter(out, out, Date.now, () => compared);
  print(wrap(runStart({ totalSteps: 10 })));
  for (const s of [0, 1, 2]) for (const e of stepEvents(s)) print(wrap(e));
  assert.equal(out.lines[1], 'compared with run think-run in runs/think-run: its reward at the same step ends each step line (B)');
  const steps = out.lines.filter((l) => l.startsWith('step '));
  assert.match(steps[0]!, /^step 1\/10 {2}reward 0\.300 .* ETA 32s {2}\| {2}B think-run reward 0\.500 \(guided 0\.400, unguided 0\.200\)$/);
  assert.match(steps[1]!, /^step 2\/10 {2}reward 0\.320 .* {2}\| {2}B think-run reward 0\.600 \(guided /, "the same step's reward, not the newest");
  assert.match(steps[2]!, /\| {2}B think-run: no step 3 yet \(newest 2\)$/);
  const alone = sink();
  const one = createPlainPrinter(alone, alone);
  for (const e of [runStart({ totalSteps: 10 }), ...stepEvents(0)]) one(wrap(e));
  assert.ok(!alone.lines.some((l) => /compared|B /.test(l)), 'one run: the lines as before');
});

test('thinktune watch A B piped: startDashboard prints both runs, A from its folder and B from its metrics.jsonl', async () => {
  const root = mkdtempSync(join(tmpdir(), 'thinktune-plain-two-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  // A finished run: all its steps in metrics.jsonl, its lock left by a process that has exited.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const folder = (name: string, steps: number, reward: (s: number) => number) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ run: { totalSteps: 3 } }));
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      Array.from({ length: steps }, (_, s) => `${JSON.stringify({ step: s, ...stepMetrics(s), reward: reward(s) })}\n`).join(''),
    );
    writeFileSync(join(dir, 'rollouts.jsonl'), '');
    writeFileSync(join(dir, LOCK_FILE), `${JSON.stringify({ pid: dead, host: hostname(), started: new Date().toISOString() })}\n`);
    return dir;
  };
  const a = folder('grpo-run', 3, (s) => 0.1 + s / 10);
  const b = folder('think-run', 2, (s) => 0.6 + s / 10);
  const source = watchRunFolder(a, { pollMs: 20 });
  const compared = followCompareRun(b, { pollMs: 20 });
  // What the CLI's watch does (src/cli/dashboard.ts): showComparison, then startDashboard, here without a terminal.
  showComparison(compared);
  const out = sink();
  const err = sink();
  const notTty = (s: ReturnType<typeof sink>) => ({ isTTY: false, write: s.write }) as unknown as NodeJS.WriteStream;
  try {
    await startDashboard({ source, stdout: notTty(out), stderr: notTty(err), stdin: { isTTY: false } as NodeJS.ReadStream, env: {} });
  } finally {
    source.close();
    compared.close();
    showComparison(null);
  }
  assert.match(out.lines[1]!, /^compared with run think-run in .*think-run: /);
  const steps = out.lines.filter((l) => l.startsWith('step '));
  assert.equal(steps.length, 3, out.lines.join('\n'));
  assert.match(steps[0]!, /^step 1\/3 {2}reward 0\.100 .*\| {2}B think-run reward 0\.600 /);
  assert.match(steps[1]!, /^step 2\/3 {2}reward 0\.200 .*\| {2}B think-run reward 0\.700 /);
  assert.match(steps[2]!, /^step 3\/3 {2}reward 0\.300 .*\| {2}B think-run: no step 3 yet \(newest 2\)$/);
});

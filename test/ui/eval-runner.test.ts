import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { EvalQueue, thinktuneEvalCommand, type EvalSpec } from '../../ui/eval/runner.js';
import type { EvalJob } from '../../ui/state/types.js';

/**
 * A fake `thinktune eval --json --job-id ID`: what it does depends on the model name, and it prints the
 * same protocol lines the real command prints ({v: 1, kind: 'eval', event}, src/trainer/protocol.ts).
 */
const FAKE = String.raw`
const [mode, , id] = process.argv.slice(-3);
const event = (e) => JSON.stringify({ v: 1, kind: 'eval', event: { id, ...e } });
const out = (o) => process.stdout.write(event(o.type === 'progress' ? { type: 'eval-progress', done: o.done, total: o.total } : { type: 'eval-result', result: o.metrics }) + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  if (mode === 'ok' || mode === 'ok-slow') {
    for (let i = 1; i <= 3; i++) { out({ type: 'progress', done: i, total: 3 }); await sleep(mode === 'ok-slow' ? 60 : 5); }
    out({ type: 'result', metrics: { 'pass@1': 0.5, 'maj@4': 0.75, mean_length: 120.5 } });
  } else if (mode === 'split') {
    const progress = event({ type: 'eval-progress', done: 1, total: 2 });
    process.stdout.write('loading model...\n' + progress.slice(0, 20));
    await sleep(30);
    process.stdout.write(progress.slice(20) + '\n' + event({ type: 'eval-result', result: { 'pass@1': 1 } }));
  } else if (mode === 'other-id') {
    process.stdout.write(JSON.stringify({ v: 1, kind: 'eval', event: { id: 'someone-else', type: 'eval-result', result: { 'pass@1': 1 } } }) + '\n');
    process.stdout.write(JSON.stringify({ v: 1, kind: 'eval', event: { id, type: 'eval-result', result: { 'pass@1': 'high' } } }) + '\n');
  } else if (mode === 'fail') {
    out({ type: 'progress', done: 1, total: 4 });
    process.stderr.write('warning: slow backend\nthinktune: cannot read data/x.jsonl; pass --data an existing file\n\n');
    process.exit(2);
  } else if (mode === 'silent-fail') {
    process.exit(5);
  } else if (mode === 'no-result') {
    out({ type: 'progress', done: 1, total: 1 });
  } else if (mode === 'hang') {
    out({ type: 'progress', done: 0, total: 10 });
    setInterval(() => {}, 1000);
  }
})();
`;

const fakeCommand = (spec: EvalSpec & { id: string }) => ({ file: process.execPath, args: ['-e', FAKE, spec.model, spec.data, spec.id] });

function queue(): { q: EvalQueue; updates: EvalJob[][] } {
  const updates: EvalJob[][] = [];
  const q = new EvalQueue({ command: fakeCommand, onUpdate: (jobs) => updates.push(jobs) });
  return { q, updates };
}

test('a job reports progress while it runs and its metrics when it ends', { timeout: 10_000 }, async () => {
  const { q, updates } = queue();
  const job = q.enqueue({ model: 'ok', data: 'd.jsonl' });
  assert.equal(job.id, 'eval-1');
  await q.idle();
  const progress = updates
    .map((u) => u[0])
    .filter((j) => j.status === 'running')
    .map((j) => `${j.done}/${j.total}`);
  assert.deepEqual([...new Set(progress)], ['0/0', '1/3', '2/3', '3/3']);
  assert.deepEqual(q.jobs[0], {
    id: 'eval-1',
    model: 'ok',
    data: 'd.jsonl',
    status: 'done',
    done: 3,
    total: 3,
    result: { 'pass@1': 0.5, 'maj@4': 0.75, mean_length: 120.5 },
    error: null,
  });
});

test('lines split across writes and non-JSON lines on stdout are handled', { timeout: 10_000 }, async () => {
  const { q } = queue();
  q.enqueue({ model: 'split', data: 'd' });
  await q.idle();
  assert.equal(q.jobs[0].status, 'done');
  assert.equal(q.jobs[0].done, 2);
  assert.deepEqual(q.jobs[0].result, { 'pass@1': 1 });
});

test('a failing child fails the job with its last stderr line; without stderr, with its status', { timeout: 10_000 }, async () => {
  const { q } = queue();
  q.enqueue({ model: 'fail', data: 'd' });
  q.enqueue({ model: 'silent-fail', data: 'd' });
  q.enqueue({ model: 'no-result', data: 'd' });
  q.enqueue({ model: 'other-id', data: 'd' });
  await q.idle();
  const [a, b, c, d] = q.jobs;
  assert.equal(a.status, 'failed');
  // The CLI's own line, as compare's children report it (child-process.ts failureLine).
  assert.equal(a.error, 'cannot read data/x.jsonl; pass --data an existing file');
  assert.equal(a.done, 1);
  assert.equal(b.status, 'failed');
  assert.equal(b.error, 'the eval command exited with status 5');
  assert.equal(c.status, 'failed');
  assert.equal(c.error, 'the eval command finished without a result line');
  // Another job's result and a result that is not the protocol's are not this job's result.
  assert.equal(d.status, 'failed');
  assert.equal(d.error, 'the eval command finished without a result line');
});

test('a command that cannot start fails its job and the queue goes on', { timeout: 10_000 }, async () => {
  const updates: EvalJob[][] = [];
  const q = new EvalQueue({
    command: (spec) => (spec.model === 'missing' ? { file: '/nonexistent/thinktune-node', args: [] } : fakeCommand(spec)),
    onUpdate: (jobs) => updates.push(jobs),
  });
  q.enqueue({ model: 'missing', data: 'd' });
  q.enqueue({ model: 'ok', data: 'd' });
  await q.idle();
  assert.equal(q.jobs[0].status, 'failed');
  assert.match(q.jobs[0].error ?? '', /could not start the eval command|ENOENT/);
  assert.equal(q.jobs[1].status, 'done');
});

test('jobs run one at a time in the order queued', { timeout: 10_000 }, async () => {
  const { q, updates } = queue();
  for (const id of ['A', 'B', 'C']) q.enqueue({ id, model: 'ok-slow', data: 'd' });
  assert.throws(() => q.enqueue({ id: 'B', model: 'ok', data: 'd' }), /id 'B' already exists/);
  await q.idle();
  for (const u of updates) assert.ok(u.filter((j) => j.status === 'running').length <= 1, 'never two running');
  const started: string[] = [];
  for (const u of updates) for (const j of u) if (j.status === 'running' && !started.includes(j.id)) started.push(j.id);
  assert.deepEqual(started, ['A', 'B', 'C']);
  assert.deepEqual(
    q.jobs.map((j) => j.status),
    ['done', 'done', 'done'],
  );
});

test('cancel kills a running child and drops a queued job; the next job starts', { timeout: 10_000 }, async () => {
  const { q } = queue();
  const hang = q.enqueue({ model: 'hang', data: 'd' });
  const queued = q.enqueue({ model: 'hang', data: 'd' });
  const after = q.enqueue({ model: 'ok', data: 'd' });
  // Wait for the first child's progress line so we know it is really running.
  while (q.jobs[0].total !== 10) await new Promise((r) => setTimeout(r, 10));
  assert.equal(q.cancel(queued.id), true);
  assert.equal(q.cancel(hang.id), true);
  assert.equal(q.cancel(hang.id), false, 'already cancelled');
  assert.equal(q.cancel('nope'), false);
  await q.idle();
  assert.deepEqual(
    q.jobs.map((j) => j.status),
    ['cancelled', 'cancelled', 'done'],
  );
  assert.equal(q.jobs[0].error, null);
  assert.equal(q.jobs.find((j) => j.id === after.id)?.result?.['pass@1'], 0.5);
});

test('close cancels everything and waits for the running child', { timeout: 10_000 }, async () => {
  const { q } = queue();
  q.enqueue({ model: 'hang', data: 'd' });
  q.enqueue({ model: 'ok', data: 'd' });
  while (q.jobs[0].total !== 10) await new Promise((r) => setTimeout(r, 10));
  await q.close();
  assert.deepEqual(
    q.jobs.map((j) => j.status),
    ['cancelled', 'cancelled'],
  );
});

test('the default command runs the thinktune CLI (from source here: src/cli/main.ts under tsx) with the spec as flags', () => {
  const { file, args } = thinktuneEvalCommand({ id: 'eval-3', model: 'ckpt/step-10', data: 'test.jsonl', limit: 50, samples: 4 });
  assert.equal(file, process.execPath);
  assert.equal(args[0], '--import');
  assert.match(args[1], /^file:.*tsx/);
  assert.match(args[2], /src[/\\]cli[/\\]main\.ts$/);
  assert.ok(existsSync(args[2]));
  assert.deepEqual(args.slice(3), [
    'eval',
    '--model',
    'ckpt/step-10',
    '--data',
    'test.jsonl',
    '--json',
    '--limit',
    '50',
    '--samples',
    '4',
    '--job-id',
    'eval-3',
  ]);
  assert.deepEqual(thinktuneEvalCommand({ id: 'e', model: 'm', data: 'd' }).args.slice(3), ['eval', '--model', 'm', '--data', 'd', '--json', '--job-id', 'e']);
});

// evals.jsonl: `thinktune eval` on one of a run's checkpoints appends its result there (unless a dashboard
// parent records it) and marks the checkpoint kept; reading skips a torn last line and counts bad ones.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { recordCheckpointEval } from '../../src/cli/eval.js';
import { checkpointField, PARENT_RECORDS_ENV, readEvalRecords, shellLine } from '../../src/eval/records.js';
import { isKept } from '../../src/trainer/run-dir.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-records-'));
after(() => rmSync(root, { recursive: true, force: true }));

function run(name: string): { runDir: string; ck: string } {
  const runDir = join(root, name);
  const ck = join(runDir, 'checkpoints', 'step-3');
  mkdirSync(join(ck, 'thinktune'), { recursive: true });
  writeFileSync(join(ck, 'thinktune', 'state.json'), '{"completedSteps": 3}\n');
  writeFileSync(join(runDir, 'config.json'), '{}\n');
  return { runDir, ck };
}

test('thinktune eval on a run checkpoint appends one record and marks the checkpoint kept', () => {
  const { runDir, ck } = run('cli');
  const time = new Date('2026-12-03T15:00:00Z');
  const argv = ['eval', '--model', ck, '--data', 'my problems.jsonl', '--limit', '20'];
  const file = recordCheckpointEval(
    ck,
    { 'pass@1': 0.25, mean_length: Number.NaN, n: 20 },
    { data: 'my problems.jsonl', limit: 20, samples: 1, argv, env: {}, time },
  );
  assert.equal(file, join(runDir, 'evals.jsonl'));
  assert.ok(isKept(ck));
  const { records, skipped } = readEvalRecords(runDir);
  assert.equal(skipped, 0);
  assert.deepEqual(records, [
    {
      id: records[0]!.id,
      time: '2026-12-03T15:00:00.000Z',
      checkpoint: 'checkpoints/step-3',
      step: 3,
      data: 'my problems.jsonl',
      limit: 20,
      samples: 1,
      metrics: { 'pass@1': 0.25, n: 20 },
      command: `thinktune eval --model ${ck} --data 'my problems.jsonl' --limit 20`,
    },
  ]);
  assert.match(records[0]!.id, /^cli-/);

  // A dashboard's child: the dashboard writes the line; the marker is still set.
  const other = run('child');
  assert.equal(recordCheckpointEval(other.ck, { 'pass@1': 1 }, { data: 'd', limit: null, samples: 1, argv: [], env: { [PARENT_RECORDS_ENV]: '1' } }), null);
  assert.deepEqual(readEvalRecords(other.runDir).records, []);
  assert.ok(isKept(other.ck));

  // A model that is no run's checkpoint: nothing written, nothing marked.
  const plain = join(root, 'plain-model');
  mkdirSync(plain, { recursive: true });
  assert.equal(recordCheckpointEval(plain, { 'pass@1': 1 }, { data: 'd', limit: null, samples: 1, argv: [], env: {} }), null);
  assert.equal(isKept(plain), false);
});

test('reading: a torn last line is skipped quietly, a bad line in the middle is counted', () => {
  const { runDir } = run('read');
  const good = (id: string) =>
    JSON.stringify({ id, time: 't', checkpoint: 'checkpoints/step-3', data: 'arith-test', metrics: { 'pass@1': 0.5, x: null } }) + '\n';
  writeFileSync(join(runDir, 'evals.jsonl'), good('a') + 'not json\n' + '{"id": 3}\n' + good('b'));
  appendFileSync(join(runDir, 'evals.jsonl'), '{"id":"c","ti');
  const { records, skipped } = readEvalRecords(runDir);
  assert.deepEqual(
    records.map((r) => [r.id, r.step, r.limit, r.samples, r.metrics]),
    [
      ['a', 3, null, 1, { 'pass@1': 0.5 }],
      ['b', 3, null, 1, { 'pass@1': 0.5 }],
    ],
  );
  assert.equal(skipped, 2);
  assert.match(readFileSync(join(runDir, 'evals.jsonl'), 'utf8'), /"ti$/, 'reading changes nothing');
});

test('paths and shell lines', () => {
  assert.equal(checkpointField('/r/run', '/r/run/checkpoints/step-4'), 'checkpoints/step-4');
  assert.equal(checkpointField('/r/run', '/r/models/tiny'), '/r/models/tiny');
  assert.equal(checkpointField('/r/run', 'builtin'), 'builtin');
  assert.equal(shellLine(['thinktune', 'eval', '--data', "it's here.jsonl", '']), `thinktune eval --data 'it'\\''s here.jsonl' ''`);
});

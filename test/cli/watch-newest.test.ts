/** `thinktune watch runs/` (#17): a folder of run folders opens the run whose metrics.jsonl changed last, and says which. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pickRunFolder } from '../../src/cli/dashboard.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder whose metrics.jsonl was last written `ageS` seconds ago (no metrics: config.json's age). */
function run(parent: string, name: string, ageS: number, metrics = true): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}');
  const t = Date.now() / 1000 - ageS;
  utimesSync(join(dir, 'config.json'), t, t);
  if (metrics) {
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step":0}\n');
    utimesSync(join(dir, 'metrics.jsonl'), t, t);
  }
  return dir;
}

test('a folder of runs opens the one whose metrics.jsonl changed last, and says so', () => {
  const runs = join(root, 'runs');
  run(runs, 'grpo', 300);
  const newest = run(runs, 'think', 10);
  run(runs, 'fresh-no-steps', 100, false);
  mkdirSync(join(runs, 'not-a-run'));
  const picked = pickRunFolder(runs);
  assert.equal(picked.dir, newest);
  assert.match(picked.notice ?? '', /^watching .*think: the newest of 3 runs in .*runs \(metrics\.jsonl last written \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
});

test('a run folder, a folder with no runs and a missing path are passed on as given', () => {
  const one = run(root, 'single', 5);
  assert.deepEqual(pickRunFolder(one), { dir: one, notice: null });
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.deepEqual(pickRunFolder(empty), { dir: empty, notice: null });
  assert.deepEqual(pickRunFolder(join(root, 'nope')), { dir: join(root, 'nope'), notice: null });
  const lone = join(root, 'lone');
  run(lone, 'only', 5);
  assert.match(pickRunFolder(lone).notice ?? '', /the only run in/);
});

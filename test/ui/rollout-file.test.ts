/** The rollouts.jsonl reader behind step browsing: an index built from appended bytes only, one step read at a time. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RolloutFile } from '../../ui/history/rollout-file.js';
import { rollout } from './helpers/events.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-rollout-file-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `rollouts-${n++}.jsonl`);

/** The lines the trainer appends for one step: groups x samples records, each its own line. */
function stepLines(step: number, groups = 2, samples = 2): string {
  let out = '';
  for (let g = 0; g < groups; g++) for (let i = 0; i < samples; i++) out += `${JSON.stringify(rollout(step, g, i, { text: `step ${step} g${g} #${i}` }))}\n`;
  return out;
}

test('the index grows with the file, reading only the bytes appended since the last look', () => {
  const path = fresh();
  const file = new RolloutFile(path);
  assert.equal(file.refresh(), false, 'no file yet: nothing to index, no error');
  assert.deepEqual(file.steps(), []);
  writeFileSync(path, stepLines(0) + stepLines(1));
  assert.equal(file.refresh(), true);
  assert.deepEqual(file.steps(), [0, 1]);
  const first = file.steps();
  const read = file.bytesRead;
  assert.equal(read, statSync(path).size);
  assert.equal(file.refresh(), false, 'nothing new');
  assert.equal(file.bytesRead, read, 'an unchanged file is not read again');
  appendFileSync(path, stepLines(2));
  assert.equal(file.refresh(), true);
  assert.deepEqual(file.steps(), [0, 1, 2]);
  assert.equal(file.bytesRead, statSync(path).size, 'only the appended step was read');
  assert.deepEqual(first, [0, 1], 'a list handed out earlier does not change');
  const got = file.load(1);
  assert.deepEqual(
    got?.rollouts.map((r) => r.text),
    ['step 1 g0 #0', 'step 1 g0 #1', 'step 1 g1 #0', 'step 1 g1 #1'],
  );
  assert.equal(got?.skipped, 0);
  assert.equal(file.load(7), null, 'a step the file does not hold');
});

test('a torn last line waits for its newline; an unreadable line of a step is skipped', () => {
  const path = fresh();
  const whole = stepLines(3);
  const cut = whole.length - 20;
  writeFileSync(path, stepLines(2) + whole.slice(0, cut));
  const file = new RolloutFile(path);
  file.refresh();
  // The torn line belongs to step 3, whose first lines are complete: step 3 is indexed without it.
  assert.deepEqual(file.steps(), [2, 3]);
  assert.equal(file.load(3)?.rollouts.length, 3);
  appendFileSync(path, whole.slice(cut));
  file.refresh();
  assert.equal(file.load(3)?.rollouts.length, 4, 'the rest of the line arrived');

  // A line torn for good (a crash mid-write) followed by the next lines: it is skipped when read.
  const broken = fresh();
  writeFileSync(broken, `${stepLines(0, 1, 1)}{"step":1,"group":0,"sa\n${stepLines(1, 1, 1)}`);
  const other = new RolloutFile(broken);
  other.refresh();
  assert.deepEqual(other.steps(), [0, 1]);
  assert.deepEqual(other.load(1), { rollouts: [rollout(1, 0, 0, { text: 'step 1 g0 #0' })], skipped: 1 });
});

test('a rewritten file (a resume truncates the steps it redoes) is indexed again from the start', () => {
  const path = fresh();
  writeFileSync(path, stepLines(0) + stepLines(1) + stepLines(2));
  const file = new RolloutFile(path);
  file.refresh();
  assert.deepEqual(file.steps(), [0, 1, 2]);
  // RunDir.truncateAfter writes a temporary file and renames it into place.
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, stepLines(0) + stepLines(1));
  renameSync(tmp, path);
  assert.equal(file.refresh(), true);
  assert.deepEqual(file.steps(), [0, 1]);
  rmSync(path);
  assert.equal(file.refresh(), true, 'the file removed: no steps');
  assert.deepEqual(file.steps(), []);
});

test('a 2000-step file: indexing reads it once, showing a step reads only that step', () => {
  const path = fresh();
  const parts: string[] = [];
  for (let s = 0; s < 2000; s++) parts.push(stepLines(s, 2, 4));
  writeFileSync(path, parts.join(''));
  const size = statSync(path).size;
  const file = new RolloutFile(path);
  file.refresh();
  assert.equal(file.steps().length, 2000);
  // Chunks end mid-line; the line cut off is read again with the next chunk, nothing more.
  assert.ok(file.bytesRead >= size && file.bytesRead < size * 1.01, `the index scan reads the file about once (${file.bytesRead} of ${size})`);
  const before = file.bytesRead;
  const step = file.load(1234);
  assert.equal(step?.rollouts.length, 8);
  assert.ok(step?.rollouts.every((r) => r.step === 1234));
  assert.equal(file.bytesRead - before, Buffer.byteLength(parts[1234]!), "one step's lines only");
  assert.ok(file.bytesRead - before < size / 1000);
});

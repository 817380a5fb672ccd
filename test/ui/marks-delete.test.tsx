/** d (or x) in the annotations panel deletes the selected mark after a second press, from the screen and annotations.jsonl. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { annotationsPath, appendAnnotation, deleteAnnotation, readAnnotations } from '../../ui/annotations/store.js';
import type { Annotation } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart } from './helpers/events.js';
import { waitFor } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-delete-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mark = (id: string, note: string): Annotation => ({
  id,
  time: '2024-05-01T10:00:00.000Z',
  step: 2,
  group: 0,
  sample: 1,
  target: 'trace',
  verdict: 'good',
  note,
  templateVersion: 1,
});

test('deleteAnnotation rewrites the file without that id, in order, and leaves no temp file', () => {
  const runDir = join(root, 'store');
  for (const [id, note] of [
    ['a', 'first'],
    ['b', 'second'],
    ['c', 'third'],
  ])
    appendAnnotation(runDir, mark(id!, note!));
  assert.equal(deleteAnnotation(runDir, 'b'), true);
  assert.deepEqual(
    readAnnotations(runDir).map((a) => a.id),
    ['a', 'c'],
  );
  assert.equal(deleteAnnotation(runDir, 'zz'), false, 'an unknown id changes nothing');
  assert.deepEqual(readdirSync(runDir), ['annotations.jsonl']);
  assert.equal(deleteAnnotation(join(root, 'no-such-run'), 'a'), false);
});

test('a torn last line goes with the rewrite; the other lines are kept byte for byte', () => {
  const runDir = join(root, 'torn');
  appendAnnotation(runDir, mark('a', 'first'));
  appendAnnotation(runDir, mark('b', 'second'));
  const file = annotationsPath(runDir);
  const firstLine = readFileSync(file, 'utf8').split('\n')[0]!;
  writeFileSync(file, readFileSync(file, 'utf8') + '{"id":"half');
  deleteAnnotation(runDir, 'b');
  assert.equal(readFileSync(file, 'utf8'), `${firstLine}\n`);
});

test('d asks first, a second d deletes the selected mark from the panel and the run folder', async () => {
  const runDir = join(root, 'flow');
  const app = await startApp({
    script: [runStart({ runDir }), { type: 'rollouts', step: 4, rollouts: [rollout(4, 0, 0), rollout(4, 0, 1)] }],
    onAnnotation: (a, state) => appendAnnotation(state.run!.runDir, a),
  });
  await app.press('g', ...'keep', KEYS.enter);
  await app.until(/marked step 5 group 1 #1 trace good/);
  await app.press(KEYS.down, 'b', ...'drop me', KEYS.enter);
  await app.until(/marked step 5 group 1 #2 trace bad/);
  await app.press('4');
  await app.until(/\[annotations\].*2 marks/);
  await app.press(KEYS.down, 'd');
  await app.until(/delete mark s5 g1 #2 trace bad\? press d again/);
  assert.equal(readAnnotations(runDir).length, 2, 'one press deletes nothing');
  await app.press('d');
  await app.until(/deleted mark s5 g1 #2 trace bad/);
  await app.until(/\[annotations\].*1 marks/);
  assert.doesNotMatch(app.frame(), /drop me/);
  assert.deepEqual(
    readAnnotations(runDir).map((a) => a.note),
    ['keep'],
  );
  // x works too; moving to another mark asks again.
  await app.press('x');
  await app.until(/delete mark s5 g1 #1 trace good\?/);
  await app.press('x');
  await app.until(/\[annotations\].*0 marks/);
  await waitFor(() => readAnnotations(runDir).length === 0, app.frame);
  app.ui.unmount();
});

/**
 * Marking a rollout asks for a one-line note (enter saves it, with or without a note; esc cancels); the annotations of
 * earlier sessions are loaded from the run folder; `:export FILE` writes them as CSV or JSONL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appendAnnotation, readAnnotations } from '../../ui/annotations/store.js';
import type { Annotation } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart } from './helpers/events.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-marks-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Rollouts of the step with index 4: the 5th step, shown as s5 / step 5; annotations.jsonl keeps the index.
const guided = rollout(4, 1, 1, { guided: true, teacherSpan: [10, 20], templateVersion: 3 });
const script = (runDir: string) => [runStart({ runDir }), { type: 'rollouts' as const, step: 4, rollouts: [rollout(4, 0, 0), rollout(4, 1, 0), guided] }];

test('g asks for a note in the key-bar area; enter saves it with the mark (an empty note too), esc cancels', async () => {
  const runDir = join(root, 'note-run');
  const saved: Annotation[] = [];
  const app = await startApp({
    script: script(runDir),
    onAnnotation: (a, state) => {
      saved.push(a);
      appendAnnotation(state.run!.runDir, a); // what start.tsx does
    },
  });
  await app.press('g');
  await app.until(/^note on s5 g1 #1 trace good:/m);
  assert.match(app.frame().split('\n').at(-1)!, /⏎ save with note {2}esc cancel the mark/);
  assert.equal(saved.length, 0, 'nothing is saved before the note is given');
  await app.press(...'keeps the carry', '\u007f', 'y', KEYS.enter);
  await app.until(/marked step 5 group 1 #1 trace good/);

  await app.press(KEYS.right, KEYS.down, 'B');
  await app.until(/^note on s5 g2 #2 feedback bad:/m);
  // A new step arriving while the note is typed does not move the mark to another rollout.
  app.source.emitEvent({ type: 'rollouts', step: 5, rollouts: [rollout(5, 0, 0)] });
  await app.press('x', KEYS.esc);
  await app.until(/mark cancelled/);
  assert.equal(saved.length, 1, 'esc saves nothing');
  await app.press('B', KEYS.enter);
  await app.until(/marked step 5 group 2 #2 feedback bad/);

  assert.deepEqual(
    saved.map((a) => [a.step, a.group, a.sample, a.target, a.verdict, a.note, a.templateVersion]),
    [
      [4, 0, 0, 'trace', 'good', 'keeps the carry', 1],
      [4, 1, 1, 'feedback', 'bad', '', 3],
    ],
  );
  assert.deepEqual(
    readAnnotations(runDir).map((a) => a.note),
    ['keeps the carry', ''],
  );
  await app.press(KEYS.tab, KEYS.tab, KEYS.tab);
  await app.until(/\[annotations\]/);
  assert.match(app.frame(), /s5 g1 #1 +trace +\+good +keeps the carry/);
  app.ui.unmount();
});

test('annotations already in the run folder are loaded when the dashboard meets the run', async () => {
  const runDir = join(root, 'earlier');
  const earlier: Annotation = {
    id: 'old-1',
    time: '2024-05-01T10:00:00.000Z',
    step: 2,
    group: 0,
    sample: 3,
    target: 'trace',
    verdict: 'bad',
    note: 'loops forever',
    templateVersion: 1,
  };
  appendAnnotation(runDir, earlier);
  const app = await startApp({ script: script(runDir) });
  await app.until(/loaded 1 earlier annotation from the run folder/);
  await app.press(KEYS.tab, KEYS.tab, KEYS.tab);
  await app.until(/\[annotations\].*1 marks/);
  assert.match(app.frame(), /s3 g1 #4 +trace +-bad +loops forever/, 'stored index 2 is the 3rd step');
  app.ui.unmount();
});

test(":export FILE writes the run's annotations as CSV or JSONL by extension", async () => {
  const runDir = join(root, 'export-run');
  const app = await startApp({ script: script(runDir), onAnnotation: (a, s) => appendAnnotation(s.run!.runDir, a) });
  await app.press('g', ...'fine, "quoted", too', KEYS.enter);
  await app.until(/marked step 5/);
  const csv = join(root, 'marks.csv');
  const jsonl = join(root, 'marks.jsonl');
  await app.command(`export ${csv}`);
  await app.press(KEYS.enter);
  await app.until(/exported 1 annotation to .*marks\.csv/);
  await app.command(`export ${jsonl}`);
  await app.press(KEYS.enter);
  await app.until(/exported 1 annotation to .*marks\.jsonl/);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'id,time,step_index,group_index,sample_index,target,verdict,note,templateVersion');
  assert.match(rows[1]!, /,4,0,0,trace,good,"fine, ""quoted"", too",1$/);
  assert.equal(JSON.parse(readFileSync(jsonl, 'utf8')).note, 'fine, "quoted", too');
  await app.command('export marks.txt');
  await app.press(KEYS.enter);
  await app.until(/usage: :export FILE\.csv or :export FILE\.jsonl/);
  app.ui.unmount();
});

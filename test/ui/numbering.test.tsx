/**
 * One numbering on screen (issue #17, item 6): steps, groups and samples count from 1 in every panel,
 * as the header and the tab line do; the files keep 0-based indices (rollouts.jsonl, annotations.jsonl),
 * and the CSV export names its columns for what they hold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { appendAnnotation, exportAnnotations } from '../../ui/annotations/store.js';
import type { Annotation } from '../../ui/state/types.js';
import { runStart, stepEvents } from './helpers/events.js';
import { KEYS, startApp } from './helpers/app.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-numbering-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('the tab line, group view, trace title, note prompt and mark notice agree; the mark is stored 0-based', async () => {
  const saved: Annotation[] = [];
  const app = await startApp({
    size: { columns: 120, rows: 30 },
    script: [runStart(), ...stepEvents(0), ...stepEvents(1)],
    onAnnotation: (a) => void saved.push(a),
  });
  // The 2nd step (index 1), 2nd group (index 1), 3rd sample (index 2).
  await app.press('l', 'j', 'j');
  await app.until(/step 2 · g 2\/2 · #3\/4/);
  const frame = app.frame();
  assert.match(frame, /step 2 {2}group 2 {2}prompt p1/, 'the group view header');
  assert.match(frame, /^> +3 +1\.00/m, 'the selected row is sample 3');

  await app.press(KEYS.tab);
  await app.until(/^step 2 group 2 sample 3 /m);

  await app.press('g');
  await app.until(/^note on s2 g2 #3 trace good:/m);
  await app.press(KEYS.enter);
  await app.until(/marked step 2 group 2 #3 trace good/);
  assert.deepEqual(
    saved.map(({ step, group, sample }) => ({ step, group, sample })),
    [{ step: 1, group: 1, sample: 2 }],
    'annotations.jsonl keeps the 0-based indices of rollouts.jsonl',
  );
  app.ui.unmount();
});

test('the CSV export names its 0-based columns step_index, group_index, sample_index', () => {
  const dir = join(root, 'export');
  appendAnnotation(dir, {
    id: 'a',
    time: '2025-01-02T10:00:00.000Z',
    step: 10,
    group: 0,
    sample: 0,
    target: 'trace',
    verdict: 'good',
    note: 'shown as s11 g1 #1',
    templateVersion: 1,
  });
  const out = join(root, 'marks.csv');
  exportAnnotations(dir, out, 'csv');
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), [
    'id,time,step_index,group_index,sample_index,target,verdict,note,templateVersion',
    'a,2025-01-02T10:00:00.000Z,10,0,0,trace,good,shown as s11 g1 #1,1',
  ]);
});

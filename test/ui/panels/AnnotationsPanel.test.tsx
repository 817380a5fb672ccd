import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { AnnotationsPanel, annotationLines, shortTime } from '../../../ui/panels/AnnotationsPanel.js';
import type { Annotation } from '../../../ui/state/types.js';
import { assertFits } from './frame.js';

const ann = (i: number, over: Partial<Annotation> = {}): Annotation => ({
  id: `a${i}`,
  time: new Date(2025, 0, 2, 14, i).toISOString(), // 14:i local time
  step: 10 + i, // a 0-based index, as annotations.jsonl stores it; shown 1-based (s11 for i = 0)
  group: 3,
  sample: i % 8,
  target: i % 2 === 0 ? 'trace' : 'feedback',
  verdict: i % 3 === 0 ? 'bad' : 'good',
  note: `note ${i}`,
  templateVersion: 1,
  ...over,
});

test('lists time, rollout, target, signed verdict and note; counts in the header', () => {
  const list = [ann(0), ann(1), ann(2)];
  const { lastFrame, unmount } = render(<AnnotationsPanel annotations={list} selected={1} width={80} height={24} />);
  const rows = assertFits(lastFrame(), 80, 24);
  unmount();
  assert.match(rows[0], /annotations\s+3\s+good 2\s+bad 1/);
  assert.match(rows[1], /^\s+14:00\s+s11 g4 #1\s+trace\s+-bad\s+note 0$/);
  assert.match(rows[2], /^>\s+14:01\s+s12 g4 #2\s+feedback\s+\+good\s+note 1\s*$/);
  assert.equal(rows.length, 4);
  const lines = annotationLines(list, 1, 80, 24);
  assert.ok(
    lines[2].every((s) => s.inverse === true),
    'selected row is inverse',
  );
  assert.ok(
    annotationLines(list, 1, 80, 24, false)
      .flat()
      .every((s) => s.color === undefined),
  );
});

test('a long selected note is shown wrapped under the list', () => {
  const note = 'the teacher repeats the final answer instead of questioning the step where 3 + 4 was used; ' + 'word '.repeat(20);
  const list = [ann(0), ann(1, { note })];
  const { lastFrame, unmount } = render(<AnnotationsPanel annotations={list} selected={1} width={50} height={10} />);
  const rows = assertFits(lastFrame(), 50, 10);
  unmount();
  const at = rows.indexOf('note');
  assert.ok(at > 0, rows.join('\n'));
  assert.match(rows[at + 1], /^the teacher repeats the final answer instead of$/);
  assert.ok(rows.length - at - 1 <= 3);
});

test('fits 80x24 and 24x4 with many annotations, keeping the selected one visible', () => {
  const many = Array.from({ length: 60 }, (_, i) => ann(i, { note: 'n'.repeat(i) }));
  const wide = render(<AnnotationsPanel annotations={many} selected={40} width={80} height={24} />);
  assert.ok(assertFits(wide.lastFrame(), 80, 24).some((r) => /^> 14:40/.test(r)));
  wide.unmount();
  const narrow = render(<AnnotationsPanel annotations={many} selected={59} width={24} height={4} />);
  const rows = assertFits(narrow.lastFrame(), 24, 4);
  narrow.unmount();
  assert.equal(rows.length, 4);
  assert.ok(
    rows.some((r) => r.startsWith('> 14:59')),
    rows.join('\n'),
  );
});

test('empty list and time formats', () => {
  const { lastFrame, unmount } = render(<AnnotationsPanel annotations={[]} selected={0} width={80} height={24} />);
  assert.match(assertFits(lastFrame(), 80, 24)[1], /none yet/);
  unmount();
  assert.equal(shortTime(new Date(2025, 5, 1, 9, 30, 12).toISOString()), '09:30');
  assert.equal(shortTime('2025-13-45T99:99'), '202..', 'an invalid date is shown as written');
  assert.equal(shortTime('yesterday evening'), 'yes..');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { TemplatesPanel, templateLines, type TemplateFileStatus } from '../../../ui/panels/TemplatesPanel.js';
import { assertFits } from './frame.js';

const LONG_ERROR =
  'prompts/self-critique.txt: has no Feedback: line; end the example with Feedback: <opinion>correct|incorrect</opinion> <reason>...</reason> <phrase>... \\boxed{...}</phrase>';

const files: TemplateFileStatus[] = [
  { name: 'teacher-instruction.txt', version: 1, pending: false, error: null },
  { name: 'teacher-prompt.txt', version: 2, pending: true, error: null },
  { name: 'self-agreement.txt', version: 1, pending: false, error: null },
  { name: 'self-conflict.txt', version: 3, pending: false, error: null },
  { name: 'self-consultation.txt', version: 1, pending: false, error: null },
  { name: 'self-critique.txt', version: 1, pending: false, error: LONG_ERROR },
];

test('lists every file with its version, a pending badge and the rejection error', () => {
  const { lastFrame, unmount } = render(<TemplatesPanel files={files} selected={0} width={80} height={24} />);
  const rows = assertFits(lastFrame(), 80, 24);
  unmount();
  assert.match(rows[0], /prompts\s+6 files\s+1 pending\s+1 rejected/);
  assert.match(rows[1], /^> teacher-instruction\.txt\s+v1$/);
  assert.match(rows[2], /^\s+teacher-prompt\.txt\s+v2\s+\[pending\]$/);
  assert.match(rows[6], /^\s+self-critique\.txt\s+v1\s+\[rejected\]$/);
  assert.match(rows[7], /^\s+! prompts\/self-critique\.txt: has no Feedback: line/);
  // An unselected file's error is wrapped in full too: a file broken outside the dashboard says why.
  assert.equal(
    rows
      .slice(7)
      .map((r) => r.trim().replace(/^! /, ''))
      .join(' '),
    LONG_ERROR,
  );
  assert.ok(rows.length > 8);
});

test('the selected file is inverse and its error is wrapped in full', () => {
  const lines = templateLines(files, 5, 80, 24);
  assert.ok(lines[6][0].inverse === true && lines[6][0].text.startsWith('>'));
  const errorRows = lines.slice(7).map((l) => l.map((s) => s.text).join(''));
  assert.ok(errorRows.length >= 2);
  assert.equal(errorRows.map((r) => r.trim().replace(/^! /, '')).join(' '), LONG_ERROR);
});

test('fits a narrow short panel and keeps the selected file in view', () => {
  const { lastFrame, unmount } = render(<TemplatesPanel files={files} selected={5} width={32} height={5} />);
  const rows = assertFits(lastFrame(), 32, 5);
  unmount();
  assert.equal(rows.length, 5);
  assert.ok(
    rows.some((r) => /^> self-critique/.test(r)),
    rows.join('\n'),
  );
  assert.ok(!rows.some((r) => r.includes('teacher-instruction')));
});

test('no colour: badges stay words; an empty folder says so', () => {
  assert.ok(
    templateLines(files, 0, 80, 24, false)
      .flat()
      .every((s) => s.color === undefined),
  );
  assert.ok(
    templateLines(files, 0, 80, 24, true)
      .flat()
      .some((s) => s.color === 'yellow'),
  );
  const { lastFrame, unmount } = render(<TemplatesPanel files={[]} selected={0} width={80} height={3} />);
  assert.match(assertFits(lastFrame(), 80, 3)[1], /no template files/);
  unmount();
});

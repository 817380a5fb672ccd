/** The warning count sits apart at the right of the status line and says where the warnings are. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { StatusLine, warningsLabel } from '../../ui/panels/StatusLine.js';
import { DEFAULT_DISPLAY } from '../../ui/state/initial.js';
import type { Notice } from '../../ui/state/types.js';

const info: Notice = { at: 0, level: 'info', source: 'trainer', text: 'templates v2: self-critique.txt' };

const line = (notice: Notice | null, warnings: number, width = 80) => {
  const r = render(<StatusLine commandOpen={false} commandText="" notice={notice} warnings={warnings} width={width} display={DEFAULT_DISPLAY} />);
  const out = r.lastFrame() ?? '';
  r.unmount();
  return out;
};

test('an info message after warnings starts with its own text; the count is at the right end', () => {
  const out = line(info, 2);
  assert.match(out, /^templates v2: self-critique\.txt {2,}2 warnings in log \(6\)$/);
  assert.doesNotMatch(out, /\[2 warnings\]/);
  assert.equal([...out].length, 80);
});

test('a long message is cut before the count, which stays whole and gets shorter', () => {
  const out = line({ ...info, level: 'warning', text: 'x'.repeat(200) }, 1, 60);
  assert.match(out, /x… {2}1 in log \(6\)$/);
  assert.ok([...out].length <= 60);
});

test('no warnings: no count', () => {
  assert.equal(line(info, 0), 'templates v2: self-critique.txt');
  assert.equal(warningsLabel(0), '');
  assert.equal(warningsLabel(3), '3 warnings in log (6)');
  assert.equal(warningsLabel(3, true), '3 in log (6)');
});

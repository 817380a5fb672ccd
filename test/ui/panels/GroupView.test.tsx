import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { GroupView, groupLines, formatAdvantage, abbreviateStyle } from '../../../ui/panels/GroupView.js';
import { assertFits, plain, rollout } from './frame.js';

const group = [rollout({ sample: 0 }), plain(1, -1.154), plain(2, 0, null), plain(3, 0.3, 1)];

test('header shows step, group, prompt id and answer; one row per sample with signed advantage', () => {
  const { lastFrame, unmount } = render(<GroupView rollouts={group} selected={1} width={80} height={24} />);
  const r = assertFits(lastFrame(), 80, 24);
  unmount();
  assert.match(r[0], /step 13\s+group 4\s+prompt gsm8k-0042\s+answer 8/, 'step index 12 is the 13th step, group index 3 the 4th');
  assert.match(r[1], /#\s+reward\s+adv\s+tokens\s+f\s+style\s+ending/);
  assert.equal(r.length, 2 + group.length);
  assert.match(r[2], /^\s+1\s+1\.00\s+\+0\.87\s+31\+27 T\s+conflict\s+\.\..*\\boxed\{8\}\.$/);
  assert.match(r[3], /^>\s+2\s+0\.00\s+-1\.15\s+31\s+-\s+.*\\boxed\{13\}\.\s*$/);
  assert.match(r[4], /^\s+3\s+-\s+0\.00\s/, 'a null reward shows as -; samples count from 1');
});

test('the selected row is drawn inverse across the full width and marked with >', () => {
  const lines = groupLines(group, 2, 80, 24);
  const sel = lines[4];
  assert.ok(sel.every((s) => s.inverse === true));
  assert.equal(
    sel.reduce((n, s) => n + s.text.length, 0),
    80,
  );
  assert.ok(sel[0].text.startsWith('>'));
  assert.ok(lines[3].every((s) => !s.inverse));
});

test('flags: ! for a chosen rollout without feedback, ~ for a truncated one; colour only when asked', () => {
  const rs = [rollout({ guided: false, noFeedbackReason: 'unparseable', feedback: null }), plain(1, 0.5), rollout({ sample: 2, truncated: true })];
  const { lastFrame, unmount } = render(<GroupView rollouts={rs} selected={0} width={80} height={10} color={false} />);
  const r = assertFits(lastFrame(), 80, 10);
  unmount();
  assert.match(r[2], /31 !\s+conflict/);
  assert.match(r[4], /31\+27 T~ conflict/);
  assert.ok(
    groupLines(rs, 0, 80, 10, false)
      .flat()
      .every((s) => s.color === undefined),
  );
  assert.ok(
    groupLines(rs, 0, 80, 10, true)
      .flat()
      .some((s) => s.color === 'green'),
  );
});

test('fits 80x24 and a narrow 30x6 panel; the window follows the selected row', () => {
  const many = Array.from({ length: 16 }, (_, i) => plain(i, i / 10 - 0.8));
  const wide = render(<GroupView rollouts={many} selected={0} width={80} height={24} />);
  assert.equal(assertFits(wide.lastFrame(), 80, 24).length, 18);
  wide.unmount();
  const narrow = render(<GroupView rollouts={many} selected={15} width={30} height={6} />);
  const r = assertFits(narrow.lastFrame(), 30, 6);
  narrow.unmount();
  assert.equal(r.length, 6);
  assert.ok(
    r.some((row) => /^>\s+16/.test(row)),
    r.join('\n'),
  );
  assert.ok(!r.some((row) => /^\s+1\s/.test(row)), 'the first rows scrolled away');
  assert.ok(!r[1].includes('ending'), 'no preview column when it would be a few characters');
});

test('empty group and tiny heights', () => {
  const { lastFrame, unmount } = render(<GroupView rollouts={[]} selected={0} width={40} height={3} />);
  assert.match(assertFits(lastFrame(), 40, 3)[0], /no rollouts yet/);
  unmount();
  assert.equal(groupLines(group, 0, 80, 1).length, 1);
  assert.equal(groupLines(group, 0, 80, 0).length, 0);
});

test('formatting helpers', () => {
  assert.equal(formatAdvantage(0.871), '+0.87');
  assert.equal(formatAdvantage(-1.154), '-1.15');
  assert.equal(formatAdvantage(0), ' 0.00');
  assert.equal(abbreviateStyle('self-consultation'), 'consult');
  assert.equal(abbreviateStyle('self-mystery-style'), 'mystery');
  assert.equal(abbreviateStyle(null), '-');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import type { RolloutRecord } from '../../../src/trainer/events.js';
import { CompletionTable, completionLines } from '../../../ui/panels/CompletionTable.js';
import { NO_FILTER, type CompletionFilter } from '../../../ui/state/completion-filter.js';
import { assertFits, plain, rollout } from './frame.js';

/** Step index 12 (shown as 13), two groups: group 4 (index 3) with a guided and a truncated sample, group 5 unguided. */
const rollouts: RolloutRecord[] = [
  rollout({ sample: 0, rewards: { correctness: 1, format: 0.5 }, reward: 1.5 }),
  { ...plain(1, -1.154, 0), rewards: { correctness: 0, format: 0 } },
  { ...plain(2, 0.3, 1), truncated: true, rewards: { correctness: 1, format: 0 } },
  ...[0, 1, 2].map((i) => ({
    ...plain(i, 0.1 * i, 0),
    group: 4,
    prompt: 'Tom has 9 apples and eats 4. How many are left?',
    rewards: { correctness: 0, format: 1 },
  })),
];
const step = { step: 12, rollouts };
const draw = (filter: CompletionFilter, selected = 0, width = 80, height = 14, color = true) =>
  render(<CompletionTable step={step} filter={filter} selected={selected} width={width} height={height} color={color} />);

test('one row per rollout: group/sample from 1, flags, prompt, completion, total and per-function rewards, advantage', () => {
  const { lastFrame, unmount } = draw(NO_FILTER, 1);
  const r = assertFits(lastFrame(), 80, 14);
  unmount();
  assert.match(r[0]!, /^step 13 · 6 rollouts · no filter/);
  assert.match(r[1]!, /^\s+g\s+#\s+f\s+prompt\s+completion\s+reward correc\.\. format\s+adv$/, r[1]);
  assert.equal(r.length, 2 + rollouts.length);
  assert.match(r[2]!, /^ {3}4 {2}1 T {2}Sam has 20\.\. He gives away\.\.\\boxed\{8\}\. {4}1\.50 {5}1\.00 {3}0\.50 {2}\+0\.87$/, r[2]);
  assert.match(
    r[3]!,
    /^> {2}4 {2}2 {4}Sam has 20\.\. Attempt 1: 20\.\.boxed\{13\}\. {4}0\.00 {5}0\.00 {3}0\.00 {2}-1\.15 *$/,
    'the selected row, sample 2: the start and the end of its completion',
  );
  assert.match(r[4]!, /^ {3}4 {2}3 {2}~ /, 'truncated');
  assert.match(r[5]!, /^ {3}5 {2}1 {4}Tom has 9 \.\. Attempt 0/, 'the next group, its own prompt');
});

test('the selected row is inverse across the width; colour only when asked', () => {
  const lines = completionLines({ step, filter: NO_FILTER, selected: 2, width: 80, height: 14 });
  const sel = lines[4]!;
  assert.ok(sel.every((s) => s.inverse === true));
  assert.equal(
    sel.reduce((n, s) => n + Array.from(s.text).length, 0),
    80,
  );
  assert.ok(lines[3]!.every((s) => !s.inverse));
  const mono = completionLines({ step, filter: { ...NO_FILTER, text: 'attempt' }, selected: 0, width: 80, height: 14, color: false });
  assert.ok(mono.flat().every((s) => s.color === undefined));
  assert.ok(
    mono.flat().some((s) => s.bold && s.text === 'Attempt'),
    'the match stands out without colour too',
  );
});

test('a filter lists fewer rows and says which; a search shows the match inside the cut cell', () => {
  const guided = draw({ ...NO_FILTER, guidedOnly: true });
  let r = assertFits(guided.lastFrame(), 80, 14);
  guided.unmount();
  assert.match(r[0]!, /^step 13 · 6 rollouts · showing 1: guided$/);
  assert.equal(r.length, 3);

  const search = draw({ ...NO_FILTER, text: 'boxed{8}', reward: 'positive' });
  r = assertFits(search.lastFrame(), 80, 14);
  search.unmount();
  assert.match(r[0]!, /showing 1: reward > 0 · \/"boxed\{8\}"$/);
  assert.match(r[2]!, /\.\.\\boxed\{8\}\. /, `the match, in the end part of the completion cell: ${r[2]}`);

  const none = draw({ ...NO_FILTER, text: 'no such text' });
  r = assertFits(none.lastFrame(), 80, 14);
  none.unmount();
  assert.match(r[0]!, /showing 0: \/"no such text"/);
  assert.match(r[1]!, /none of them match; x clears the filters, \/ searches again/);
});

test('many rows scroll with the selection; 120 columns widen prompt and completion (start and end of each)', () => {
  const many = { step: 0, rollouts: Array.from({ length: 24 }, (_, i) => ({ ...plain(i % 8, 0, 1), group: Math.floor(i / 8), sample: i % 8 })) };
  const small = render(<CompletionTable step={many} filter={NO_FILTER} selected={20} width={80} height={8} />);
  const r = assertFits(small.lastFrame(), 80, 8);
  small.unmount();
  assert.equal(r.length, 8);
  assert.ok(
    r.some((l) => /^> {2}3 {2}5 /.test(l)),
    r.join('\n'),
  );
  assert.ok(!r.some((l) => /^ {3}1 {2}1 /.test(l)), 'the first rows scrolled away');

  const wide = draw(NO_FILTER, 0, 120, 20);
  const w = assertFits(wide.lastFrame(), 120, 20);
  wide.unmount();
  assert.match(w[2]!, /^> {2}4 {2}1 T {2}Sam has 20 sti\.\.s he keep\? He gives away 3 \+ 4 = 7 sti\.\.e answer is \\boxed\{8\}\. /);
});

test('before the first step, and tiny heights', () => {
  const empty = render(<CompletionTable step={null} filter={NO_FILTER} selected={0} width={40} height={3} />);
  assert.match(assertFits(empty.lastFrame(), 40, 3)[0]!, /no rollouts yet/);
  empty.unmount();
  assert.equal(completionLines({ step, filter: NO_FILTER, selected: 0, width: 80, height: 1 }).length, 1);
  assert.equal(completionLines({ step, filter: NO_FILTER, selected: 0, width: 80, height: 0 }).length, 0);
});

test("the prompt cells show what differs: the template all the step's prompts share is said once, above", () => {
  const templated = {
    step: 0,
    rollouts: [
      { ...plain(0, 0.5, 1), group: 0, prompt: 'Question: Each of Luis friends has 3 cards. How many in all?\nAnswer: ' },
      { ...plain(0, -0.5, 0), group: 1, prompt: 'Question: Ivan has 30 pens and loses 8. How many are left?\nAnswer: ' },
    ],
  };
  const ui = render(<CompletionTable step={templated} filter={NO_FILTER} selected={0} width={80} height={6} />);
  const r = assertFits(ui.lastFrame(), 80, 6);
  ui.unmount();
  assert.match(r[0]!, /· prompts "Question: … Answer:"$/);
  assert.match(r[2]!, /^> {2}1 {2}1 {4}Each of Lu\.\. /);
  assert.match(r[3]!, /^ {3}2 {2}1 {4}Ivan has 3\.\. /);
  const ascii = completionLines({ step: templated, filter: NO_FILTER, selected: 0, width: 80, height: 6, ascii: true });
  assert.match(ascii[0]!.map((s) => s.text).join(''), /^step 1 - 2 rollouts - no filter \(\/ t c r\) - prompts "Question: \.\.\. Answer:"$/);
});

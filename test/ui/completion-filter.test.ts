/**
 * The completion table's pure parts: which rollouts a filter lets through (ui/state/completion-filter.ts),
 * and how the columns share a width and a cell is cut around a searched text (ui/panels/completion-columns.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cell, COLS, planColumns, sharedAffixes } from '../../ui/panels/completion-columns.js';
import {
  changeFilter,
  filterLabel,
  findText,
  isFiltering,
  matchesFilter,
  NO_FILTER,
  rewardNames,
  tableRows,
  type CompletionFilter,
} from '../../ui/state/completion-filter.js';
import { initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import type { UiAction } from '../../ui/state/types.js';
import { rollout, runStart, wrap } from './helpers/events.js';

const f = (over: Partial<CompletionFilter>): CompletionFilter => ({ ...NO_FILTER, ...over });

test('text search: prompt or completion, case and whitespace runs ignored, not across the two', () => {
  const r = rollout(0, 0, 0, { prompt: 'What is 3 x 4?', text: 'Three times four\n\nis   12. The answer is \\boxed{12}.' });
  assert.ok(matchesFilter(r, f({ text: 'WHAT is' })), 'in the prompt');
  assert.ok(matchesFilter(r, f({ text: 'four is 12' })), 'a line break and spaces read as one space');
  assert.ok(matchesFilter(r, f({ text: '\\boxed{12}' })));
  assert.ok(!matchesFilter(r, f({ text: '\\boxed{13}' })));
  assert.ok(!matchesFilter(r, f({ text: '4? Three' })), 'prompt and completion are searched apart');
  assert.equal(findText('a  B c', 'b C'), 2, 'an index into the flattened text');
  assert.equal(findText('abc', ''), 0);
  assert.equal(findText('abc', 'x'), -1);
});

test('guided, truncated and reward filters, alone and together', () => {
  const rows = [
    rollout(0, 0, 0, { guided: true, reward: 1 }),
    rollout(0, 0, 1, { truncated: true, reward: 0 }),
    rollout(0, 0, 2, { guided: true, truncated: true, reward: 0 }),
    rollout(0, 0, 3, { reward: null }),
    rollout(0, 0, 4, { guided: false, noFeedbackReason: 'unparseable', reward: 0.5 }),
  ];
  const samples = (filter: CompletionFilter) => rows.filter((r) => matchesFilter(r, filter)).map((r) => r.sample);
  assert.deepEqual(samples(NO_FILTER), [0, 1, 2, 3, 4]);
  assert.deepEqual(samples(f({ guidedOnly: true })), [0, 2], 'asked but no feedback is not guided');
  assert.deepEqual(samples(f({ truncatedOnly: true })), [1, 2]);
  assert.deepEqual(samples(f({ reward: 'positive' })), [0, 4]);
  assert.deepEqual(samples(f({ reward: 'zero' })), [1, 2], 'an unscored rollout is neither > 0 nor = 0');
  assert.deepEqual(samples(f({ guidedOnly: true, truncatedOnly: true, reward: 'zero' })), [2]);
});

test('filter changes: toggles, the reward cycle, a flattened search text, clear; and how the filter reads', () => {
  let x = NO_FILTER;
  assert.equal(isFiltering(x), false);
  assert.equal(filterLabel(x), '');
  x = changeFilter(x, { kind: 'guided' });
  x = changeFilter(x, { kind: 'truncated' });
  x = changeFilter(x, { kind: 'text', text: '  boxed\n{12} ' });
  assert.deepEqual(x, { text: 'boxed {12}', guidedOnly: true, truncatedOnly: true, reward: 'any' });
  const cycle = [1, 2, 3].map(() => {
    x = changeFilter(x, { kind: 'reward' });
    return x.reward;
  });
  assert.deepEqual(cycle, ['positive', 'zero', 'any']);
  x = changeFilter(x, { kind: 'reward' });
  assert.equal(filterLabel(x), 'guided · truncated · reward > 0 · /"boxed {12}"');
  assert.equal(filterLabel(changeFilter(x, { kind: 'guided' }), ' - '), 'truncated - reward > 0 - /"boxed {12}"');
  assert.equal(changeFilter(x, { kind: 'clear' }), NO_FILTER);
  assert.equal(changeFilter(x, { kind: 'text', text: '' }).text, '', 'an empty search removes the text filter');
});

test('table rows: by group then sample whatever the record order, cached per step and filter', () => {
  const step = { step: 3, rollouts: [rollout(3, 1, 1), rollout(3, 0, 1, { guided: true }), rollout(3, 1, 0, { guided: true }), rollout(3, 0, 0)] };
  const all = tableRows(step, NO_FILTER);
  assert.deepEqual(
    all.map((r) => [r.group, r.sample]),
    [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
  );
  assert.equal(tableRows(step, NO_FILTER), all, 'same step and filter: the same rows');
  const guided = f({ guidedOnly: true });
  assert.deepEqual(
    tableRows(step, guided).map((r) => [r.group, r.sample]),
    [
      [0, 1],
      [1, 0],
    ],
  );
  assert.deepEqual(tableRows(null, NO_FILTER), []);
  assert.deepEqual(rewardNames([rollout(0, 0, 0, { rewards: { correct: 1 } }), rollout(0, 0, 1, { rewards: { format: 0, correct: 0 } })]), [
    'correct',
    'format',
  ]);
});

const total = (c: ReturnType<typeof planColumns>) =>
  COLS.mark + c.group + c.sample + COLS.flag + (c.prompt ? c.prompt + 1 : 0) + c.completion + 1 + c.rewards.reduce((n, r) => n + r.width, 0) + COLS.adv;

test('columns fill the width: a prompt and a completion at 80, both wider at 120, the prompt dropped and then rewards when narrow', () => {
  const at80 = planColumns(80, ['correct', 'format']);
  const at120 = planColumns(120, ['correct', 'format']);
  assert.equal(total(at80), 80);
  assert.equal(total(at120), 120);
  assert.deepEqual(
    at80.rewards.map((r) => r.label),
    ['reward', 'correct', 'format'],
  );
  assert.ok(at80.prompt >= 12 && at80.completion >= 24, JSON.stringify(at80));
  assert.ok(at120.prompt > at80.prompt && at120.completion > at80.completion + 20, JSON.stringify(at120));
  assert.ok(at120.completion > at120.prompt, 'the completion gets the larger share');

  const narrow = planColumns(60, ['correct', 'format']);
  assert.equal(narrow.prompt, 0);
  assert.equal(total(narrow), 60);
  assert.equal(narrow.hiddenRewards, 0);

  const many = planColumns(60, ['correctness_strict', 'format', 'length', 'reflection', 'language']);
  assert.ok(many.hiddenRewards > 0 && many.completion >= 16, JSON.stringify(many));
  assert.equal(many.rewards[0]!.name, null, 'the total stays');
  assert.equal(many.rewards[1]!.label, 'correc..', 'long names are cut');
  assert.equal(total(many), 60);
  assert.equal(planColumns(80, [], 120, 7).group, 4, 'group numbers up to 121 need three digits');
});

test('a cut cell keeps the start and the end of its text; a searched text is marked, and moved into view', () => {
  const text = 'Let me think.\nFirst 3 x 4 = 12, then subtract.\tThe answer is \\boxed{8}. Done.';
  const shown = (c: ReturnType<typeof cell>) => c.before + c.match + c.after;
  assert.deepEqual(cell('3 x 4 =\n12', 20), { before: '3 x 4 = 12', match: '', after: '' }, 'one line, whole when it fits');

  const cut = cell(text, 20);
  assert.deepEqual(cut, { before: 'Let me thi..}. Done.', match: '', after: '' }, 'the start (55%), .., the end');
  assert.equal(cell(text, 12).before, 'Let me thi..', 'narrow: the start only');

  assert.deepEqual(cell(text, 20, 'THINK'), { before: 'Let me ', match: 'think', after: '. Firs..' }, 'near the start: the start alone');
  assert.deepEqual(cell(text, 20, 'done'), { before: 'Let me thi..}. ', match: 'Done', after: '.' }, 'in the end part');

  const middle = cell(`${text} More words follow the answer and go on for a while.`, 30, 'subtract');
  assert.equal(Array.from(shown(middle)).length, 30);
  assert.equal(middle.match, 'subtract');
  assert.ok(shown(middle).startsWith('..') && shown(middle).endsWith('..'), shown(middle));
  assert.ok(middle.before.endsWith('= 12, then '), `what leads up to it: ${shown(middle)}`);

  const late = cell(text, 30, 'boxed{8}');
  assert.equal(late.match, 'boxed{8}');
  assert.equal(shown(late), `..${Array.from(text.replace(/\s+/g, ' ')).slice(-28).join('')}`, 'the text to its end after a leading ..');

  assert.deepEqual(cell(text, 20, 'nowhere'), cut);
  assert.deepEqual(cell('x\u001b[2Jy', 10), { before: 'x?[2Jy', match: '', after: '' }, 'control characters cannot reach the terminal');
});

test("the prompt cells leave out what all the step's prompts share, cut back to whole words", () => {
  const prompts = ['Question: Sam has 3 pens?\nAnswer: ', 'Question: Sally has 4 cats?\nAnswer: ', 'Question: Sam has 3 pens?\nAnswer: '];
  assert.deepEqual(sharedAffixes(prompts), { prefix: 'Question: ', suffix: '\nAnswer: ' }, '"Sa" and "?" are not cut off');
  assert.deepEqual(sharedAffixes(['Question: a?\nAnswer: ']), { prefix: '', suffix: '' }, 'one prompt: nothing is shared with another');
  assert.deepEqual(sharedAffixes(['abc', 'abd']), { prefix: '', suffix: '' }, 'no whole word in common');
  assert.deepEqual(sharedAffixes(['Solve: x', 'Solve: x y']), { prefix: 'Solve: ', suffix: '' }, 'prefix and suffix never overlap');
});

test('the table cursor in the reducer: clamped to the filtered rows, back to the first on a new filter, enter opens the trace', () => {
  const rollouts = (step: number, n: number) => Array.from({ length: n }, (_, i) => rollout(step, Math.floor(i / 2), i % 2, { guided: i % 2 === 1 }));
  const actions: UiAction[] = [
    { type: 'message', msg: wrap(runStart()), at: 0 },
    { type: 'message', msg: wrap({ type: 'rollouts', step: 0, rollouts: rollouts(0, 3) }), at: 0 },
    { type: 'message', msg: wrap({ type: 'rollouts', step: 1, rollouts: rollouts(1, 8) }), at: 0 },
    { type: 'focus', to: 'completions' },
    { type: 'move', delta: 6 },
  ];
  let s = actions.reduce(uiReducer, initialUiState());
  assert.equal(s.view.tableRow, 6);
  assert.equal(s.view.readingNewest, true, 'moving on the newest step holds it when the next arrives');
  s = uiReducer(s, { type: 'move', delta: 10 });
  assert.equal(s.view.tableRow, 7, 'clamped to the last row');
  s = uiReducer(s, { type: 'step-cursor', delta: -1 });
  assert.equal(s.view.tableRow, 2, 'a step with fewer rows clamps the cursor, so up moves at once');
  s = uiReducer(s, { type: 'move', delta: -1 });
  assert.equal(s.view.tableRow, 1);
  s = uiReducer(s, { type: 'table-filter', change: { kind: 'guided' } });
  assert.equal(s.view.tableRow, 0);
  assert.equal(s.view.tableFilter.guidedOnly, true);
  s = uiReducer(s, { type: 'move', delta: 5 });
  assert.equal(s.view.tableRow, 0, 'step 1 has one guided rollout');
  s = uiReducer(s, { type: 'show-rollout', group: 1, sample: 0 });
  assert.equal(s.view.focus, 'trace');
  assert.deepEqual([s.view.group, s.view.sample], [1, 0]);
  assert.equal(s.view.tableFilter.guidedOnly, true, 'the filter stays for the way back');
});

/**
 * The completion table, in the spirit of the one TRL's GRPOTrainer prints: every rollout of the shown
 * step on one row, with its prompt and completion cut to fit, the total reward and each reward
 * function's value (RolloutRecord.rewards), the advantage, and GroupView's flags (T guided, ! asked
 * but no feedback, ~ cut at the length limit). Any step of the run ([ ] browse, as in the group view).
 *
 *   step 150 · 40 rollouts · showing 15: reward = 0 · prompts "Question: … Answer:"
 *      g  # f  prompt          completion                     reward accuracy    adv
 *   >  1  1    Each of Luis'.. 3 x 2 = 6 6 + 1.. \boxed{16}.    0.00     0.00  -1.79
 *
 * A cut cell shows the start and the end of its text (the answer is at the end of a trace); the prompt
 * cell leaves out what every prompt of the step shares (a template's "Question: "), and the first line
 * says what that was. Filters (ui/state/completion-filter.ts): `/` searches prompt and completion, `t`
 * guided only, `c` truncated only, `r` cycles reward > 0 / = 0, `x` clears; the searched text is marked
 * in the cells, which move to it when it lies in the part a cut leaves out. Enter shows the row's whole
 * text in the trace inspector.
 */
import React from 'react';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { filterLabel, flatten, isFiltering, rewardNames, tableRows, type CompletionFilter } from '../state/completion-filter.js';
import type { StepRollouts } from '../state/types.js';
import { stepNumber } from '../format.js';
import { cell, COLS, planColumns, sharedAffixes, type TableColumns } from './completion-columns.js';
import { Lines, line, padEnd, padStart, windowStart, type Line, type Seg } from './fit.js';
import { flagOf, formatAdvantage, formatReward } from './GroupView.js';

export interface CompletionTableProps {
  /** The step shown (its rollouts); null before any. */
  step: StepRollouts | null;
  filter: CompletionFilter;
  /** Index of the selected row among the rows the filter lets through. */
  selected: number;
  width: number;
  height: number;
  /** false under NO_COLOR: markers and inverse only. Default true. */
  color?: boolean;
  ascii?: boolean;
}

/** What the prompt cells leave out, as the template it reads like: ' · prompts "Question: … Answer:"'. */
function affixNote(affix: Affix, dot: string, ascii: boolean): string {
  const pre = flatten(affix.prefix);
  const suf = flatten(affix.suffix);
  if (!pre && !suf) return '';
  return `${dot}prompts "${[pre, ascii ? '...' : '…', suf].filter(Boolean).join(' ')}"`;
}

type Affix = ReturnType<typeof sharedAffixes>;

function summaryLine(p: CompletionTableProps, step: StepRollouts, shown: number, cols: TableColumns, affix: Affix): Line {
  const dot = p.ascii ? ' - ' : ' · ';
  const n = step.rollouts.length;
  const out: Line = [{ text: `step ${stepNumber(step.step)}${dot}${n} rollout${n === 1 ? '' : 's'}`, bold: true }];
  if (isFiltering(p.filter)) {
    out.push({ text: `${dot}showing ${shown}: ` }, { text: filterLabel(p.filter, dot), color: p.color === false ? undefined : 'yellow', bold: true });
  } else out.push({ text: `${dot}no filter (/ t c r)`, dim: true });
  // Hidden columns first: a long line is cut at its end.
  if (cols.hiddenRewards) out.push({ text: `${dot}${cols.hiddenRewards} reward column${cols.hiddenRewards === 1 ? '' : 's'} hidden`, dim: true });
  if (cols.prompt) out.push({ text: affixNote(affix, dot, p.ascii === true), dim: true });
  return out;
}

function columnLine(cols: TableColumns): Line {
  const text =
    ' '.repeat(COLS.mark) +
    padStart('g', cols.group - 1) +
    ' ' +
    padStart('#', cols.sample - 1) +
    ' ' +
    padEnd('f', COLS.flag) +
    (cols.prompt ? padEnd('prompt', cols.prompt) + ' ' : '') +
    padEnd('completion', cols.completion) +
    ' ' +
    cols.rewards.map((c) => padStart(c.label, c.width)).join('') +
    padStart('adv', COLS.adv);
  return line(text, { dim: true });
}

/** A text cell as segments, the searched text in bold (and colour), padded to `width`. */
function textCell(text: string, width: number, query: string, color: boolean, inverse: true | undefined): Seg[] {
  const c = cell(text, width, query);
  const used = Array.from(c.before + c.match + c.after).length;
  return [
    { text: c.before, inverse },
    ...(c.match ? [{ text: c.match, bold: true, color: color ? 'yellow' : undefined, inverse }] : []),
    { text: c.after + ' '.repeat(Math.max(0, width - used)), inverse },
  ];
}

function rowLine(r: RolloutRecord, isSel: boolean, cols: TableColumns, affix: Affix, p: CompletionTableProps): Line {
  const color = p.color !== false;
  const inverse = isSel || undefined;
  const advColor = !color ? undefined : r.advantage > 0 ? 'green' : r.advantage < 0 ? 'red' : undefined;
  const reward = (name: string | null) => (name === null ? r.reward : (r.rewards[name] ?? null));
  const segs: Line = [
    {
      text: (isSel ? '>' : ' ').padEnd(COLS.mark) + padStart(String(r.group + 1), cols.group - 1) + ' ' + padStart(String(r.sample + 1), cols.sample - 1) + ' ',
      inverse,
    },
    { text: padEnd(flagOf(r), COLS.flag), color: color && r.guided ? 'magenta' : undefined, inverse },
    ...(cols.prompt
      ? [
          ...textCell(r.prompt.slice(affix.prefix.length, r.prompt.length - affix.suffix.length), cols.prompt, p.filter.text, color, inverse),
          { text: ' ', inverse },
        ]
      : []),
    ...textCell(r.text, cols.completion, p.filter.text, color, inverse),
    { text: ' ' + cols.rewards.map((c) => padStart(formatReward(reward(c.name)), c.width)).join(''), inverse },
    { text: padStart(formatAdvantage(r.advantage), COLS.adv), color: advColor, inverse },
  ];
  // The selected row is inverse across the whole width, so it reads as a cursor.
  const used = segs.reduce((n, s) => n + Array.from(s.text).length, 0);
  if (isSel && used < p.width) segs.push({ text: ' '.repeat(p.width - used), inverse });
  return segs;
}

/** Every line of the panel at its size; exported for tests. */
export function completionLines(p: CompletionTableProps): Line[] {
  const { step, width, height } = p;
  if (!step) return [line('no rollouts yet: the table fills after the first step', { dim: true })].slice(0, Math.max(0, height));
  const rows = tableRows(step, p.filter);
  const maxOf = (k: 'group' | 'sample') => step.rollouts.reduce((m, r) => Math.max(m, r[k]), 0);
  const cols = planColumns(width, rewardNames(step.rollouts), maxOf('group'), maxOf('sample'));
  const affix = sharedAffixes(step.rollouts.map((r) => r.prompt));
  const out: Line[] = [summaryLine(p, step, rows.length, cols, affix)];
  if (rows.length === 0) {
    const what =
      step.rollouts.length === 0 ? 'this step has no rollouts' : `none of them match; x clears the filter${p.filter.text ? 's, / searches again' : ''}`;
    return [...out, line(what, { dim: true })].slice(0, Math.max(0, height));
  }
  out.push(columnLine(cols));
  const body = Math.max(0, height - out.length);
  const selected = Math.min(Math.max(0, p.selected), rows.length - 1);
  const start = windowStart(rows.length, selected, body);
  for (const [i, r] of rows.slice(start, start + body).entries()) out.push(rowLine(r, start + i === selected, cols, affix, p));
  return out.slice(0, Math.max(0, height));
}

export function CompletionTable(props: CompletionTableProps): React.ReactElement {
  return <Lines lines={completionLines(props)} width={props.width} height={props.height} />;
}

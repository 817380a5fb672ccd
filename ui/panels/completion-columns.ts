/**
 * The completion table's columns (ui/panels/CompletionTable.tsx): how wide each is at a given width, and
 * how a prompt or completion is cut into one cell. Pure, so the layout at 80 and 120 columns is tested
 * without drawing.
 *
 *   > g  #  f  prompt         completion                  reward correct format    adv
 *
 * Fixed columns first (cursor, group, sample, flags), then prompt and completion, which share what the
 * reward columns (the total, then one per reward function, as TRL's table has) and the advantage leave:
 * the prompt a third, at most 40, since it repeats over a group's samples; the completion the rest.
 * When that is too little, the prompt column goes first, then reward columns from the right.
 * A cut cell keeps the text's start and end (cell); the prompt cell leaves out what all the step's
 * prompts share (sharedAffixes).
 */
import { findText, flatten } from '../state/completion-filter.js';
import { clip, sanitize } from './fit.js';

export interface RewardColumn {
  /** Key in RolloutRecord.rewards; null for the total (RolloutRecord.reward). */
  name: string | null;
  label: string;
  width: number;
}

export interface TableColumns {
  /** Widths of the group and sample numbers, a space included. */
  group: number;
  sample: number;
  /** 0 when there is no room for a prompt column. */
  prompt: number;
  completion: number;
  rewards: RewardColumn[];
  /** Reward functions left out for want of width. */
  hiddenRewards: number;
}

export const COLS = { mark: 2, flag: 3, adv: 7 } as const;
/** Labels of reward columns are cut to this; a value needs 5 ('-0.50') and a space. */
const REWARD_LABEL = 8;
/** Below this the completion cell says too little to keep reward columns beside it. */
const MIN_COMPLETION = 16;
/** Room for text below which the prompt column is dropped: a completion of 24 and a prompt of 12. */
const MIN_BOTH = 36;
const MAX_PROMPT = 40;

const rewardColumn = (name: string | null): RewardColumn => {
  const label = clip(name ?? 'reward', REWARD_LABEL);
  return { name, label, width: Math.max(6, Array.from(label).length + 1) };
};

/**
 * Column widths for a table `width` wide whose rows have groups and samples up to `maxGroup` / `maxSample`
 * (0-based) and the reward functions `rewardNames`.
 */
export function planColumns(width: number, rewardNames: readonly string[], maxGroup = 0, maxSample = 0): TableColumns {
  const group = Math.max(2, String(maxGroup + 1).length) + 1;
  const sample = Math.max(2, String(maxSample + 1).length) + 1;
  const rewards = [rewardColumn(null), ...rewardNames.map(rewardColumn)];
  const fixed = COLS.mark + group + sample + COLS.flag + COLS.adv;
  const used = () => rewards.reduce((n, c) => n + c.width, 0);
  // Two spaces part the text cells from each other and from the first reward column.
  let room = width - fixed - used() - 2;
  let hiddenRewards = 0;
  while (room < MIN_COMPLETION && rewards.length > 1) {
    room += rewards.pop()!.width;
    hiddenRewards++;
  }
  if (room >= MIN_BOTH) {
    const prompt = Math.min(MAX_PROMPT, Math.max(12, Math.round(room / 3)));
    return { group, sample, prompt, completion: room - prompt, rewards, hiddenRewards };
  }
  return { group, sample, prompt: 0, completion: Math.max(0, room + 1), rewards, hiddenRewards };
}

/** One cell's text, split around the searched text where it shows (`match` '' when it does not). */
export interface Cell {
  before: string;
  match: string;
  after: string;
}

/** Characters kept after a match moved into view, at most; what comes before it gets the rest of the cell. */
const TAIL = 8;
/** Narrower cells are cut at their end only: two short halves would say nothing. */
const MIN_SPLIT = 16;
/** The share of a cut cell given to the text's start; its end (where a trace states its answer) gets the rest. */
const HEAD_SHARE = 0.55;

/** Visible characters of a cell and, for each, its index in the text (-1 for a `..` that marks a cut). */
type Shown = { chars: string[]; from: number[] };

const piece = (flat: string[], start: number, end: number): Shown => ({
  chars: flat.slice(start, end),
  from: Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i),
});
const CUT: Shown = { chars: ['.', '.'], from: [-1, -1] };
const join = (...parts: Shown[]): Shown => ({ chars: parts.flatMap((p) => p.chars), from: parts.flatMap((p) => p.from) });

/**
 * `text` on one line (whitespace runs as one space, control characters made safe) in `width` code points.
 * Too long, it keeps its start and its end with `..` between (a reasoning trace ends with its answer);
 * below MIN_SPLIT columns, only its start. A searched `query` is marked; found where neither part shows
 * it, the cell is the text's start when that reaches it, else starts `..` as late as keeps the match and a
 * few characters after it in view.
 */
export function cell(text: string, width: number, query = ''): Cell {
  if (width <= 0) return { before: '', match: '', after: '' };
  const flat = Array.from(flatten(sanitize(text)));
  const at = query ? findText(flat.join(''), query) : -1;
  const length = at < 0 ? 0 : Array.from(flatten(query)).length;
  const shown = layout(flat, width, at, length);
  const first = at < 0 ? -1 : shown.from.findIndex((f) => f >= at && f < at + length);
  if (first < 0) return { before: shown.chars.join(''), match: '', after: '' };
  let end = first;
  while (end < shown.chars.length && shown.from[end]! >= at && shown.from[end]! < at + length) end++;
  return { before: shown.chars.slice(0, first).join(''), match: shown.chars.slice(first, end).join(''), after: shown.chars.slice(end).join('') };
}

function layout(flat: string[], width: number, at: number, length: number): Shown {
  const n = flat.length;
  if (n <= width) return piece(flat, 0, n);
  if (width < MIN_SPLIT) return width <= 2 ? piece(flat, 0, width) : join(piece(flat, 0, width - 2), CUT);
  const head = Math.ceil((width - 2) * HEAD_SHARE);
  const tail = width - 2 - head;
  const inHead = at + length <= head;
  const inTail = at >= n - tail;
  if (at < 0 || inHead || inTail) return join(piece(flat, 0, head), CUT, piece(flat, n - tail, n));
  // Just past the head: the start alone shows it.
  if (at + length <= width - 2) return join(piece(flat, 0, width - 2), CUT);
  // The earliest start that shows the match: cut at both ends ('..' + text + '..') it must end, with its
  // tail, 4 before `width`; or the text's end fits whole after the leading '..'.
  const withTail = at + length + 4 + Math.min(TAIL, Math.floor(width / 4)) - width;
  const toTheEnd = n - (width - 2);
  const start = Math.min(at, Math.max(1, Math.min(withTail, toTheEnd)));
  return start + width - 2 >= n ? join(CUT, piece(flat, start, n)) : join(CUT, piece(flat, start, start + width - 4), CUT);
}

/**
 * What every prompt of a step begins and ends with: a task template's "Question: " and "\nAnswer: ",
 * cut back to whole words, so a narrow prompt cell shows what differs. Nothing with fewer than two
 * distinct prompts (then the whole prompt would be "shared").
 */
export function sharedAffixes(prompts: readonly string[]): { prefix: string; suffix: string } {
  const distinct = [...new Set(prompts)];
  if (distinct.length < 2) return { prefix: '', suffix: '' };
  const shortest = Math.min(...distinct.map((p) => p.length));
  let pre = 0;
  while (pre < shortest && distinct.every((p) => p[pre] === distinct[0]![pre])) pre++;
  // Back to just after the last whitespace, so a word the prompts happen to start alike is kept.
  while (pre > 0 && !/\s/.test(distinct[0]![pre - 1]!)) pre--;
  let suf = 0;
  const at = (p: string, k: number) => p[p.length - 1 - k];
  while (suf < shortest - pre && distinct.every((p) => at(p, suf) === at(distinct[0]!, suf))) suf++;
  // Forward to a whitespace, so the suffix starts between words.
  const last = distinct[0]!;
  while (suf > 0 && !/\s/.test(last[last.length - suf]!)) suf--;
  return { prefix: last.slice(0, pre), suffix: suf ? last.slice(last.length - suf) : '' };
}

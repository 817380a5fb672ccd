/**
 * The completion table's filter (ui/panels/CompletionTable.tsx): which rollouts of the shown step it
 * lists. Pure, so the reducer can clamp the table's cursor to the rows the panel will draw.
 *
 *   text        `/` search: every rollout whose prompt or completion holds the text (case and runs of
 *               whitespace ignored, as the one-line cells show them)
 *   guidedOnly  `t`: guided rollouts, the teacher's text spliced in (GroupView's T flag)
 *   truncated   `c`: rollouts cut at the length limit (TRL's completions/clipped_ratio counts these)
 *   reward      `r` cycles any -> > 0 -> = 0 on the total reward (RolloutRecord.reward; unscored rows
 *               match only 'any')
 */
import type { RolloutRecord } from '../../src/trainer/events.js';
import { groupsOf } from './selectors.js';
import type { CompletionFilter, FilterChange, RewardFilter, StepRollouts } from './types.js';

// The filter's types live with the rest of the state (types.ts), so that file imports nothing back.
export type { CompletionFilter, FilterChange, RewardFilter } from './types.js';

export const NO_FILTER: CompletionFilter = { text: '', guidedOnly: false, truncatedOnly: false, reward: 'any' };

const REWARD_CYCLE: readonly RewardFilter[] = ['any', 'positive', 'zero'];

export function changeFilter(f: CompletionFilter, change: FilterChange): CompletionFilter {
  switch (change.kind) {
    case 'text':
      return { ...f, text: flatten(change.text) };
    case 'guided':
      return { ...f, guidedOnly: !f.guidedOnly };
    case 'truncated':
      return { ...f, truncatedOnly: !f.truncatedOnly };
    case 'reward':
      return { ...f, reward: REWARD_CYCLE[(REWARD_CYCLE.indexOf(f.reward) + 1) % REWARD_CYCLE.length]! };
    case 'clear':
      return NO_FILTER;
  }
}

/** Text as a one-line cell shows it: each run of whitespace one space, no space at either end. */
export const flatten = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * Where `query` first occurs in `text` once both are flattened, ignoring case, as an index into the
 * code points of flatten(text); -1 when it does not ('' is found at 0).
 */
export function findText(text: string, query: string): number {
  const hay = Array.from(flatten(text)).map((c) => c.toLowerCase());
  const needle = Array.from(flatten(query).toLowerCase());
  if (needle.length === 0) return 0;
  for (let i = 0; i + needle.length <= hay.length; i++) {
    let j = 0;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

export function matchesFilter(r: RolloutRecord, f: CompletionFilter): boolean {
  if (f.guidedOnly && !r.guided) return false;
  if (f.truncatedOnly && !r.truncated) return false;
  if (f.reward === 'positive' && !(r.reward !== null && r.reward > 0)) return false;
  if (f.reward === 'zero' && r.reward !== 0) return false;
  return f.text === '' || findText(r.prompt, f.text) >= 0 || findText(r.text, f.text) >= 0;
}

export const isFiltering = (f: CompletionFilter): boolean => f.text !== '' || f.guidedOnly || f.truncatedOnly || f.reward !== 'any';

/** The active filter in words ("guided · reward > 0 · /"boxed""), '' when none is set. */
export function filterLabel(f: CompletionFilter, separator = ' · '): string {
  const parts = [
    ...(f.guidedOnly ? ['guided'] : []),
    ...(f.truncatedOnly ? ['truncated'] : []),
    ...(f.reward === 'positive' ? ['reward > 0'] : f.reward === 'zero' ? ['reward = 0'] : []),
    ...(f.text ? [`/"${f.text}"`] : []),
  ];
  return parts.join(separator);
}

const rowCache = new WeakMap<StepRollouts, { filter: CompletionFilter; rows: RolloutRecord[] }>();

/**
 * The table's rows: the step's rollouts that pass `f`, by group then sample (the order of the group view).
 * Cached per step entry and filter object, since the reducer and the panel both ask on every key.
 */
export function tableRows(step: StepRollouts | null, f: CompletionFilter): RolloutRecord[] {
  if (!step) return [];
  const cached = rowCache.get(step);
  if (cached && cached.filter === f) return cached.rows;
  const rows = groupsOf(step)
    .flat()
    .filter((r) => matchesFilter(r, f));
  rowCache.set(step, { filter: f, rows });
  return rows;
}

/** Reward function names of a step, in the order they first appear (one table column each). */
export function rewardNames(rollouts: readonly RolloutRecord[]): string[] {
  const names = new Set<string>();
  for (const r of rollouts) for (const k of Object.keys(r.rewards)) names.add(k);
  return [...names];
}

/**
 * The G rollouts of one group (one prompt) as a table: what each sample scored, its advantage, how long
 * it ran, whether the teacher stepped in and how, and how its text ends. The selected row is the one the
 * trace inspector shows.
 *
 *   step 12  group 3  prompt gsm8k-0042  answer 18  mean reward 0.50
 * Step, group and sample (#) are numbered from 1, as everywhere on screen (rollouts.jsonl holds 0-based indices).
 *     # reward    adv   tokens f style   ending
 *   > 0   1.00  +0.87   112+38 T consul  ..so the answer is \boxed{18}.
 *
 * Flags (column `f`, readable without colour): `T` guided (teacher text follows the student's),
 * `!` chosen for guidance but no usable feedback, `~` cut at the length limit (no end-of-sequence).
 */
import React from 'react';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { stepNumber } from '../format.js';
import { ordinal } from '../state/selectors.js';
import { Lines, clipStart, line, padEnd, padStart, sanitize, windowStart, type Line } from './fit.js';

export interface GroupViewProps {
  rollouts: RolloutRecord[];
  selected: number;
  width: number;
  height: number;
  /** false under NO_COLOR: markers and inverse only. Default true. */
  color?: boolean;
}

/** Short names for the feedback styles, so the column stays 8 wide. */
const STYLE_ABBREV: Record<string, string> = {
  'self-agreement': 'agree',
  'self-conflict': 'conflict',
  'self-consultation': 'consult',
  'self-critique': 'critique',
};

export const abbreviateStyle = (style: string | null): string =>
  style === null ? '-' : (STYLE_ABBREV[style] ?? style.replace(/^self-/, '')).slice(0, 8).replace(/-$/, '');

export const formatReward = (r: number | null): string => (r === null || !Number.isFinite(r) ? '-' : r.toFixed(2));

/** Signed, two decimals: `+0.87`, `-1.15`, ` 0.00`. */
export const formatAdvantage = (a: number): string => (!Number.isFinite(a) ? String(a) : a > 0 ? `+${a.toFixed(2)}` : a < 0 ? a.toFixed(2) : ' 0.00');

/** The two flag characters of a rollout (T or !, then ~), shared with the completion table. */
export const flagOf = (r: RolloutRecord): string =>
  (r.guided && r.noFeedbackReason === null ? 'T' : r.noFeedbackReason !== null ? '!' : ' ') + (r.truncated ? '~' : ' ');

const tokensOf = (r: RolloutRecord): string => (r.guided ? `${r.studentTokens}+${r.teacherTokens}` : String(r.studentTokens));

/** Column widths; the ending gets whatever is left. */
const COLS = { mark: 2, sample: 2, reward: 7, adv: 7, tokens: 9, flag: 4, style: 9 } as const;
const FIXED = Object.values(COLS).reduce((a, b) => a + b, 0);
/** Below this many columns for the ending, drop it rather than show a few meaningless characters. */
const MIN_PREVIEW = 8;

function headerLine(rollouts: RolloutRecord[]): Line {
  const r = rollouts[0];
  const rewards = rollouts.map((x) => x.reward).filter((x): x is number => x !== null && Number.isFinite(x));
  const mean = rewards.length > 0 ? (rewards.reduce((a, b) => a + b, 0) / rewards.length).toFixed(2) : '-';
  return [
    { text: `step ${stepNumber(r.step)}  group ${ordinal(r.group)}  `, bold: true },
    { text: `prompt ${sanitize(r.promptId)}  answer ${sanitize(r.answer).replace(/\n/g, ' ')}  mean reward ${mean}` },
  ];
}

function columnLine(width: number): Line {
  const preview = width - FIXED >= MIN_PREVIEW ? 'ending' : '';
  const text =
    ' '.repeat(COLS.mark) +
    padStart('#', COLS.sample) +
    padStart('reward', COLS.reward) +
    padStart('adv', COLS.adv) +
    padStart('tokens', COLS.tokens) +
    padEnd(' f', COLS.flag) +
    padEnd('style', COLS.style) +
    preview;
  return line(text, { dim: true });
}

function rowLine(r: RolloutRecord, isSelected: boolean, width: number, color: boolean): Line {
  const previewWidth = width - FIXED;
  const ending = previewWidth >= MIN_PREVIEW ? clipStart(sanitize(r.text).replace(/\s+/g, ' ').trim(), previewWidth) : '';
  const advColor = !color ? undefined : r.advantage > 0 ? 'green' : r.advantage < 0 ? 'red' : undefined;
  const inverse = isSelected || undefined;
  const segs: Line = [
    { text: (isSelected ? '>' : ' ').padEnd(COLS.mark) + padStart(String(ordinal(r.sample)), COLS.sample), inverse },
    { text: padStart(formatReward(r.reward), COLS.reward), inverse },
    { text: padStart(formatAdvantage(r.advantage), COLS.adv), color: advColor, inverse },
    { text: padStart(tokensOf(r), COLS.tokens), inverse },
    { text: ` ${flagOf(r)} `, color: color && r.guided ? 'magenta' : undefined, inverse },
    { text: padEnd(r.guided || r.noFeedbackReason !== null ? abbreviateStyle(r.style) : '-', COLS.style), inverse },
    { text: ending, inverse },
  ];
  // Pad the selected row to the full width so the inverse bar reads as a cursor.
  const used = segs.reduce((n, s) => n + Array.from(s.text).length, 0);
  if (isSelected && used < width) segs.push({ text: ' '.repeat(width - used), inverse });
  return segs;
}

/** All rows of the view for a given size; exported for tests and for the shell's mouse-free scrolling math. */
export function groupLines(rollouts: RolloutRecord[], selected: number, width: number, height: number, color = true): Line[] {
  if (rollouts.length === 0) return [line('no rollouts yet: the first group appears after the first step', { dim: true })];
  const body = Math.max(0, height - 2);
  const start = windowStart(rollouts.length, selected, body);
  const rows = rollouts.slice(start, start + body).map((r, i) => rowLine(r, start + i === selected, width, color));
  return [headerLine(rollouts), columnLine(width), ...rows].slice(0, Math.max(0, height));
}

export function GroupView({ rollouts, selected, width, height, color = true }: GroupViewProps): React.ReactElement {
  return <Lines lines={groupLines(rollouts, selected, width, height, color)} width={width} height={height} />;
}

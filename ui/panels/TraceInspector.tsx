/**
 * One rollout in full: the prompt, what the student wrote, what the teacher appended (ThinkTuning's
 * guidance), the parsed feedback, the rewards, and how the shaping weighted each teacher token.
 *
 * `traceLines` is pure and does all the layout (word wrap to the panel width), so the shell can clamp
 * `scroll` against the line count and tests can check the text without rendering. The panel shows the
 * lines from `scroll` on and keeps its last row for a position indicator.
 *
 * Teacher text is magenta; with colour off (NO_COLOR) every teacher line starts with `T| ` instead, so
 * the student/teacher boundary stays visible on any terminal.
 */
import React, { useMemo } from 'react';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { stepNumber } from '../format.js';
import { ordinal } from '../state/selectors.js';
import { formatAdvantage, formatReward } from './GroupView.js';
import { Lines, clip, line, sanitize, wrap, type Line, type Seg } from './fit.js';

export type TraceKind = 'title' | 'section' | 'prompt' | 'student' | 'teacher' | 'feedback' | 'meta' | 'blank';

export interface TraceLine {
  kind: TraceKind;
  /** Already wrapped and prefixed; at most `width` characters. */
  text: string;
}

export interface TraceInspectorProps {
  rollout: RolloutRecord | null;
  /** Index of the first visible line (clamped here; see `clampTraceScroll`). */
  scroll: number;
  width: number;
  height: number;
  color: boolean;
}

/** Marks teacher lines when colour cannot. */
export const TEACHER_PREFIX = 'T| ';
const LABEL_WIDTH = 9;
/** Ten levels, darkest to brightest, in plain ASCII so the sparkline survives any terminal font. */
const SPARK_LEVELS = '_.:-=+*#%@';

/** `text[a, b)` with the span clamped to the text, so a bad span shows less rather than throwing. */
function slice(text: string, span: [number, number]): string {
  const a = Math.max(0, Math.min(span[0], text.length));
  const b = Math.max(a, Math.min(span[1], text.length));
  return text.slice(a, b);
}

/** `label   value` with the value wrapped and its continuation rows indented under the value. */
function labelled(kind: TraceKind, label: string, value: string, width: number): TraceLine[] {
  if (width <= LABEL_WIDTH + 4) return wrap(`${label}: ${value}`, width).map((text) => ({ kind, text }));
  return wrap(value, width - LABEL_WIDTH).map((row, i) => ({ kind, text: (i === 0 ? label.padEnd(LABEL_WIDTH) : ' '.repeat(LABEL_WIDTH)) + row }));
}

const section = (title: string, width: number): TraceLine[] => [
  { kind: 'blank', text: '' },
  { kind: 'section', text: clip(`== ${title} ==`, width) },
];
const block = (kind: TraceKind, text: string, width: number, prefix = ''): TraceLine[] =>
  wrap(text, width - prefix.length).map((row) => ({ kind, text: prefix + row }));

/** min / mean / max of the teacher-token weights and a one-row sparkline (mean of each bucket of tokens). */
export function weightSummary(weights: number[], width: number): string[] {
  if (weights.length === 0) return ['no teacher tokens'];
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const w of weights) {
    min = Math.min(min, w);
    max = Math.max(max, w);
    sum += w;
  }
  const stats = `min ${min.toFixed(3)}  mean ${(sum / weights.length).toFixed(3)}  max ${max.toFixed(3)}`;
  return [...wrap(stats, width), sparkline(weights, Math.max(1, width), min, max)];
}

export function sparkline(values: number[], width: number, min: number, max: number): string {
  const cols = Math.min(values.length, width);
  let out = '';
  for (let c = 0; c < cols; c++) {
    const from = Math.floor((c * values.length) / cols);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / cols));
    const bucket = values.slice(from, to);
    const mean = bucket.reduce((a, b) => a + b, 0) / bucket.length;
    const t = max > min ? (mean - min) / (max - min) : 0.5;
    out += SPARK_LEVELS[Math.round(t * (SPARK_LEVELS.length - 1))];
  }
  return out;
}

/** Every line of the inspector for one rollout, wrapped to `width`. */
export function traceLines(r: RolloutRecord, width: number, color: boolean): TraceLine[] {
  const w = Math.max(8, width);
  const lines: TraceLine[] = [];
  const how = r.guided ? `guided (${r.style ?? 'no style'})` : 'unguided';
  lines.push(
    ...block(
      'title',
      `step ${stepNumber(r.step)} group ${ordinal(r.group)} sample ${ordinal(r.sample)}  ${how}  reward ${formatReward(r.reward)}  adv ${formatAdvantage(r.advantage)}`,
      w,
    ),
  );

  lines.push(...section(`prompt ${sanitize(r.promptId)}`, w), ...block('prompt', r.prompt, w));

  const ending = r.truncated ? 'cut at the length limit' : r.terminated ? 'ended' : 'open';
  lines.push(...section(`student, ${r.studentTokens} tokens, ${ending}`, w), ...block('student', slice(r.text, r.studentSpan), w));

  if (r.teacherSpan !== null) {
    const prefix = color ? '' : TEACHER_PREFIX;
    lines.push(...section(`teacher, ${r.teacherTokens} tokens`, w), ...block('teacher', slice(r.text, r.teacherSpan), w, prefix));
  }

  if (r.feedback !== null) {
    lines.push(...section('feedback', w));
    lines.push(...labelled('feedback', 'opinion', r.feedback.opinion ?? '(none)', w));
    lines.push(...labelled('feedback', 'reason', r.feedback.reason, w));
    lines.push(...labelled('feedback', 'phrase', r.feedback.phrase, w));
  } else if (r.noFeedbackReason !== null) {
    lines.push(...section('feedback', w), ...labelled('feedback', 'none', r.noFeedbackReason, w));
  }

  lines.push(...section('reward', w));
  lines.push(...labelled('meta', 'reward', `${formatReward(r.reward)}   advantage ${formatAdvantage(r.advantage)}`, w));
  const parts = Object.entries(r.rewards).map(([k, v]) => `${k} ${formatReward(v)}`);
  if (parts.length > 0) lines.push(...labelled('meta', 'parts', parts.join('  '), w));
  lines.push(...labelled('meta', 'answer', r.answer, w));
  lines.push(...labelled('meta', 'template', `v${r.templateVersion}`, w));

  if (r.teacherTokenWeights !== null) {
    lines.push(...section(`teacher token weights, ${r.teacherTokenWeights.length} tokens`, w));
    lines.push(...weightSummary(r.teacherTokenWeights, w).map((text) => ({ kind: 'meta' as const, text })));
  }
  return lines;
}

/** How a line kind is drawn. Colour off: only dim/bold, which NO_COLOR allows. */
export function traceLineStyle(kind: TraceKind, color: boolean): Omit<Seg, 'text'> {
  switch (kind) {
    case 'title':
      return { bold: true };
    case 'section':
      return { bold: true, dim: true };
    case 'prompt':
      return { dim: true };
    case 'teacher':
      return color ? { color: 'magenta' } : {};
    case 'feedback':
      return color ? { color: 'cyan' } : {};
    default:
      return {};
  }
}

/** Rows available for text: all but the indicator row. */
export const traceBodyHeight = (height: number): number => Math.max(0, height - 1);

/** The largest useful scroll for `lineCount` lines in a panel `height` rows tall, and `scroll` kept within it. */
export function clampTraceScroll(scroll: number, lineCount: number, height: number): number {
  const max = Math.max(0, lineCount - traceBodyHeight(height));
  return Math.min(Math.max(0, Math.floor(scroll)), max);
}

function indicator(top: number, shown: number, total: number): string {
  if (shown >= total) return `-- all ${total} lines --`;
  if (shown === 0) return `-- ${total} lines --`;
  const maxTop = total - shown;
  const pct = maxTop === 0 ? 100 : Math.round((top / maxTop) * 100);
  return `-- lines ${top + 1}-${top + shown} of ${total}, ${pct}% --`;
}

export function TraceInspector({ rollout, scroll, width, height, color }: TraceInspectorProps): React.ReactElement {
  const all = useMemo(() => (rollout === null ? null : traceLines(rollout, width, color)), [rollout, width, color]);
  if (all === null) return <Lines lines={[line('no rollout selected', { dim: true })]} width={width} height={height} />;
  const body = traceBodyHeight(height);
  const top = clampTraceScroll(scroll, all.length, height);
  const shown: Line[] = all.slice(top, top + body).map((l) => line(l.text, traceLineStyle(l.kind, color)));
  const rows = height > 0 ? [...shown, line(indicator(top, shown.length, all.length), { dim: true })] : [];
  return <Lines lines={rows} width={width} height={height} />;
}

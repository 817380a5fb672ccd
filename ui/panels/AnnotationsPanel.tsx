/**
 * The annotations made so far in this run, oldest first: when, which rollout, what was judged (the
 * student's trace or the teacher's feedback), the verdict and the note.
 *
 *   annotations  12  good 8  bad 4
 *   > 14:02  s12 g3 #2    trace     +good  clean reflection, keeps the answer
 *     14:05  s13 g0 #5    feedback  -bad   teacher gives the answer away
 *
 * `d` (or `x`) pressed twice deletes the selected mark (ui/actions/marks.ts).
 * Verdicts carry a sign (`+good` / `-bad`) so they read without colour. When the selected note is longer
 * than its column, it is shown wrapped under the list.
 */
import React from 'react';
import { stepNumber } from '../format.js';
import type { Annotation } from '../state/types.js';
import { Lines, clip, line, padEnd, sanitize, windowStart, wrap, type Line } from './fit.js';

export interface AnnotationsPanelProps {
  annotations: Annotation[];
  selected: number;
  width: number;
  height: number;
  /** false under NO_COLOR. Default true. */
  color?: boolean;
}

/** Rows of the selected note shown under the list, at most. */
const DETAIL_ROWS = 3;
/** Show the note detail only when the panel is at least this tall (the list comes first). */
const DETAIL_MIN_HEIGHT = 8;
const COLS = { mark: 2, time: 7, where: 14, target: 10, verdict: 7 } as const;
const FIXED = Object.values(COLS).reduce((a, b) => a + b, 0);

/** Local `HH:MM` of an ISO time (the file keeps UTC; a person reads their own clock); else cut to 5 characters. */
export function shortTime(time: string): string {
  const t = /^\d{4}-\d\d-\d\dT/.test(time) ? new Date(time) : null;
  if (t === null || Number.isNaN(t.getTime())) return clip(time, 5);
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}

const oneLine = (s: string): string => sanitize(s).replace(/\s+/g, ' ').trim();

function row(a: Annotation, isSelected: boolean, width: number, color: boolean): Line {
  const inverse = isSelected || undefined;
  const verdictColor = !color ? undefined : a.verdict === 'good' ? 'green' : 'red';
  const segs: Line = [
    { text: (isSelected ? '>' : ' ').padEnd(COLS.mark) + padEnd(shortTime(a.time), COLS.time), inverse },
    { text: padEnd(`s${stepNumber(a.step)} g${a.group + 1} #${a.sample + 1}`, COLS.where) + padEnd(a.target, COLS.target), inverse },
    { text: padEnd(a.verdict === 'good' ? '+good' : '-bad', COLS.verdict), color: verdictColor, inverse },
    { text: clip(oneLine(a.note), Math.max(0, width - FIXED)), inverse },
  ];
  const used = segs.reduce((n, s) => n + Array.from(s.text).length, 0);
  if (isSelected && used < width) segs.push({ text: ' '.repeat(width - used), inverse });
  return segs;
}

export function annotationLines(annotations: Annotation[], selected: number, width: number, height: number, color = true): Line[] {
  const good = annotations.filter((a) => a.verdict === 'good').length;
  const header: Line = [{ text: 'annotations', bold: true }, { text: `  ${annotations.length}  good ${good}  bad ${annotations.length - good}` }];
  if (annotations.length === 0) {
    return [header, line('none yet: mark a trace or a teacher feedback as good or bad', { dim: true })].slice(0, Math.max(0, height));
  }
  const sel = annotations[Math.min(Math.max(0, selected), annotations.length - 1)];
  const note = oneLine(sel.note);
  const detail: Line[] =
    height >= DETAIL_MIN_HEIGHT && note.length > width - FIXED
      ? [
          line('note', { dim: true }),
          ...wrap(note, width)
            .slice(0, DETAIL_ROWS)
            .map((r) => line(r)),
        ]
      : [];
  const body = Math.max(0, height - 1 - detail.length);
  const start = windowStart(annotations.length, selected, body);
  const rows = annotations.slice(start, start + body).map((a, i) => row(a, start + i === selected, width, color));
  return [header, ...rows, ...detail].slice(0, Math.max(0, height));
}

export function AnnotationsPanel({ annotations, selected, width, height, color = true }: AnnotationsPanelProps): React.ReactElement {
  return <Lines lines={annotationLines(annotations, selected, width, height, color)} width={width} height={height} />;
}

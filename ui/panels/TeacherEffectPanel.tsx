/**
 * The teacher's effect at a glance: for every guided rollout of a step, the student's answer before the
 * feedback, the answer after, and the verdict (src/eval/teacher-effect.ts); above them the run's totals
 * and a per-step chart of fixed minus broke, over every step the dashboard has seen.
 *
 *   40 guided in 21 of 23 steps: fixed 18 · broke 3 · kept right 9 · kept wrong 10
 *   fixed-broke per step  ▁▂▅▇▅▃▁          (max +3)
 *   step 4 · 8 guided
 *     g  #  before     after      verdict     style
 *     1  2  7          12         fixed       consult
 *
 * Only guided rollouts are listed: the view is the "guided only" filter of the group table.
 */
import React from 'react';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { TEACHER_VERDICTS, countVerdicts, teacherEffect, type TeacherVerdict, type VerdictCounts } from '../../src/eval/teacher-effect.js';
import type { StepEffect } from '../state/types.js';
import { sparkline } from '../components/sparkline.js';
import { stepNumber } from '../format.js';
import { abbreviateStyle } from './GroupView.js';
import { Lines, line, padEnd, sanitize, windowStart, type Line } from './fit.js';

export interface TeacherEffectPanelProps {
  /** The step shown (its rollouts); null before any. */
  step: { step: number; rollouts: RolloutRecord[] } | null;
  /** Per-step counts, oldest first. */
  history: readonly StepEffect[];
  /** Index of the selected row among the step's guided rollouts. */
  selected: number;
  width: number;
  height: number;
  color?: boolean;
  ascii?: boolean;
}

const LABEL: Record<TeacherVerdict, string> = { fixed: 'fixed', broke: 'broke', 'kept-right': 'kept right', 'kept-wrong': 'kept wrong' };
const VERDICT_COLOR: Record<TeacherVerdict, string> = { fixed: 'green', broke: 'red', 'kept-right': 'cyan', 'kept-wrong': 'yellow' };
const COLS = { mark: 2, group: 4, sample: 4, before: 11, after: 11, verdict: 12 } as const;

/** The run's totals over `history`. */
export function totalEffect(history: readonly StepEffect[]): VerdictCounts {
  const t: VerdictCounts = { guided: 0, fixed: 0, broke: 0, 'kept-right': 0, 'kept-wrong': 0 };
  for (const h of history) {
    t.guided += h.guided;
    for (const v of TEACHER_VERDICTS) t[v] += h[v];
  }
  return t;
}

const show = (a: string | null) => (a === null ? '–' : sanitize(a).replace(/\s+/g, ' '));

export function teacherEffectLines(p: TeacherEffectPanelProps): Line[] {
  const { width, height, color = true, ascii = false } = p;
  const total = totalEffect(p.history);
  const out: Line[] = [];
  const withTeacher = p.history.filter((h) => h.guided > 0).length;
  const summary = TEACHER_VERDICTS.map((v) => `${LABEL[v]} ${total[v]}`).join(ascii ? ' - ' : ' · ');
  out.push([{ text: `${total.guided} guided in ${withTeacher} of ${p.history.length} steps: `, bold: true }, { text: summary }]);
  if (p.history.length > 0) {
    const net = p.history.map((h) => h.fixed - h.broke);
    const max = Math.max(0, ...net);
    const min = Math.min(0, ...net);
    const label = 'fixed-broke per step ';
    const scale = `  ${min < 0 ? `${min}..` : ''}+${max}`;
    const chartWidth = Math.max(1, width - label.length - scale.length);
    out.push([
      { text: label, dim: true },
      { text: sparkline(net, chartWidth, { ascii, range: [min, Math.max(max, min + 1)] }), color: color ? 'green' : undefined },
      { text: scale, dim: true },
    ]);
  }
  const rows = (p.step?.rollouts ?? []).flatMap((r) => {
    const e = teacherEffect(r);
    return e ? [{ r, e }] : [];
  });
  if (!p.step) return [...out, line('no rollouts yet', { dim: true })].slice(0, height);
  if (rows.length === 0) {
    const last = [...p.history].reverse().find((h) => h.guided > 0);
    const hint = last ? `; the newest step with some is step ${stepNumber(last.step)} (browse with [ and ])` : '';
    return [...out, line(`step ${stepNumber(p.step.step)}: no guided rollouts${hint}`, { dim: true })].slice(0, height);
  }
  const c = countVerdicts(rows.map((x) => x.r));
  out.push(line(`step ${stepNumber(p.step.step)} · ${c.guided} guided · ${c.fixed} fixed · ${c.broke} broke`, { bold: true }));
  out.push(
    line(
      ' '.repeat(COLS.mark) +
        padEnd('g', COLS.group) +
        padEnd('#', COLS.sample) +
        padEnd('before', COLS.before) +
        padEnd('after', COLS.after) +
        padEnd('verdict', COLS.verdict) +
        'style',
      { dim: true },
    ),
  );
  const body = Math.max(0, height - out.length);
  const selected = Math.min(Math.max(0, p.selected), rows.length - 1);
  const start = windowStart(rows.length, selected, body);
  for (const [i, { r, e }] of rows.slice(start, start + body).entries()) {
    const isSel = start + i === selected || undefined;
    out.push([
      { text: (isSel ? '>' : ' ').padEnd(COLS.mark) + padEnd(String(r.group + 1), COLS.group) + padEnd(String(r.sample + 1), COLS.sample), inverse: isSel },
      { text: padEnd(show(e.before), COLS.before) + padEnd(show(e.after), COLS.after), inverse: isSel },
      { text: padEnd(LABEL[e.verdict], COLS.verdict), color: color ? VERDICT_COLOR[e.verdict] : undefined, inverse: isSel },
      { text: abbreviateStyle(r.style), inverse: isSel },
    ]);
  }
  return out.slice(0, Math.max(0, height));
}

export function TeacherEffectPanel(props: TeacherEffectPanelProps): React.ReactElement {
  return <Lines lines={teacherEffectLines(props)} width={props.width} height={props.height} />;
}

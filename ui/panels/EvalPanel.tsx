/**
 * Evaluation jobs (queued, running, finished) and, for the finished ones, their metrics side by side so
 * checkpoints can be compared at a glance.
 *
 *   evaluations  4 jobs  1 running  1 queued
 *   + eval-1  done       step-100  gsm8k-test
 *   + eval-2  done       step-100  arith-validation
 *   > eval-3  running    step-200  gsm8k-test
 *       [#########...............]  45/120  38%
 *   . eval-4  queued     step-300  gsm8k-test
 *   results
 *   model     data                pass@1  reflection_rate  mean_length
 *   step-100  gsm8k-test           0.412            0.120        312.5
 *   step-100  arith-validation     0.380            0.090        298.0
 *
 * Jobs and table rows name the model by its folder (`step-100`, `builtin`) and the data set by its
 * name or file name without `.jsonl`. Status markers read without colour: `.` queued, `>` running,
 * `+` done, `x` failed, `-` cancelled. Metric columns that do not fit the width continue in a second
 * table below, which repeats the model and data columns.
 */
import React from 'react';
import type { EvalJob } from '../state/types.js';
import { Lines, clip, line, padEnd, padStart, sanitize, type Line } from './fit.js';

export interface EvalPanelProps {
  jobs: EvalJob[];
  /** Index of the selected job (x cancels it); highlighted. Default: none. */
  selected?: number;
  width: number;
  height: number;
  /** false under NO_COLOR. Default true. */
  color?: boolean;
}

const MARK: Record<EvalJob['status'], string> = { queued: '.', running: '>', done: '+', failed: 'x', cancelled: '-' };
const STATUS_COLOR: Partial<Record<EvalJob['status'], string>> = { running: 'cyan', done: 'green', failed: 'red', cancelled: 'gray' };
/** Widest model and data labels of the results table; longer ones are cut. */
const MODEL_MAX = 12;
const DATA_MAX = 18;
/** Job ids longer than this are cut (the caller may choose its own ids). */
const ID_MAX = 16;
const INDENT = '    ';

/** `[#####.....]` of `cells` characters: ASCII so it draws the same in any terminal and font. */
export function progressBar(done: number, total: number, cells: number): string {
  const n = Math.max(1, cells);
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.floor(frac * n);
  return `[${'#'.repeat(full)}${'.'.repeat(n - full)}]`;
}

/** pass@1 first, then maj@k, pass@k (by k), reflection, length, termination, then anything else by name. */
export function metricOrder(keys: string[]): string[] {
  const rank = (k: string): number =>
    k === 'pass@1' ? 0 : /^maj@/.test(k) ? 1 : /^(pass|mean)@/.test(k) ? 2 : /reflect/.test(k) ? 3 : /length/.test(k) ? 4 : /terminat/.test(k) ? 5 : 6;
  const kOf = (k: string): number => Number(/@(\d+)/.exec(k)?.[1] ?? 0);
  return [...keys].sort((a, b) => rank(a) - rank(b) || kOf(a) - kOf(b) || a.localeCompare(b));
}

export function formatMetric(key: string, v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (/length|tokens/.test(key) || Math.abs(v) >= 100) return v.toFixed(1);
  return v.toFixed(3);
}

/** The last path segment, so `checkpoints/run-3/step-200` shows as `step-200`. */
const tail = (path: string): string =>
  path
    .replace(/[/\\]+$/, '')
    .split(/[/\\]/)
    .pop() || path;

/** The model as rows name it: its folder (`step-200`, `tiny`), or `builtin`. */
export const modelLabel = (model: string): string => sanitize(tail(model));

/** The data set as rows name it: `arith-test`, or a file's name without `.jsonl`. */
export const dataLabel = (data: string): string => sanitize(tail(data).replace(/\.jsonl$/i, '')) || sanitize(data);

function jobBlock(j: EvalJob, idWidth: number, width: number, color: boolean, isSelected = false): Line[] {
  const inverse = isSelected || undefined;
  const rest = `${modelLabel(j.model)}  ${dataLabel(j.data)}`;
  const used = 2 + idWidth + 1 + 10 + [...rest].length;
  const head: Line = [
    { text: `${MARK[j.status]} ${padEnd(j.id, idWidth)} `, bold: j.status === 'running' || isSelected || undefined, inverse },
    { text: padEnd(j.status, 10), color: color ? STATUS_COLOR[j.status] : undefined, inverse },
    { text: rest + (isSelected && used < width ? ' '.repeat(width - used) : ''), inverse },
  ];
  if (j.status === 'running') {
    const count = j.total > 0 ? `  ${j.done}/${j.total}  ${Math.floor((100 * j.done) / j.total)}%` : '  starting';
    const cells = Math.max(4, Math.min(40, width - INDENT.length - count.length - 2));
    return [head, line(INDENT + progressBar(j.done, j.total, cells) + count)];
  }
  if (j.status === 'failed') return [head, line(`${INDENT}! ${sanitize(j.error ?? 'failed').replace(/\s+/g, ' ')}`, { color: color ? 'red' : undefined })];
  return [head];
}

/** One table per chunk of metric columns that fits `width`, each with a header row. */
function resultTables(done: EvalJob[], width: number): Line[] {
  const keys = metricOrder([...new Set(done.flatMap((j) => Object.keys(j.result ?? {})))]);
  if (keys.length === 0) return [];
  const colWidth = (k: string): number => Math.max(k.length, ...done.map((j) => (j.result?.[k] === undefined ? 1 : formatMetric(k, j.result[k]).length))) + 2;
  const modelWidth = Math.min(MODEL_MAX, Math.max(5, ...done.map((j) => [...modelLabel(j.model)].length))) + 2;
  const dataWidth = Math.min(DATA_MAX, Math.max(4, ...done.map((j) => [...dataLabel(j.data)].length))) + 2;
  const labelWidth = modelWidth + dataWidth;
  const chunks: string[][] = [];
  let used = labelWidth;
  for (const k of keys) {
    const w = colWidth(k);
    if (chunks.length === 0 || used + w > width) {
      chunks.push([]);
      used = labelWidth;
    }
    chunks[chunks.length - 1].push(k);
    used += w;
  }
  const out: Line[] = [line('results', { bold: true })];
  for (const cols of chunks) {
    out.push(line(padEnd('model', modelWidth) + padEnd('data', dataWidth) + cols.map((k) => padStart(k, colWidth(k))).join(''), { dim: true }));
    for (const j of done) {
      const cells = cols.map((k) => padStart(j.result?.[k] === undefined ? '-' : formatMetric(k, j.result[k]), colWidth(k)));
      const labels = padEnd(clip(modelLabel(j.model), modelWidth - 2), modelWidth) + padEnd(clip(dataLabel(j.data), dataWidth - 2), dataWidth);
      out.push(line(labels + cells.join('')));
    }
  }
  return out;
}

export function evalLines(jobs: EvalJob[], width: number, height: number, color = true, selected = -1): Line[] {
  const count = (s: EvalJob['status']): number => jobs.filter((j) => j.status === s).length;
  const header: Line = [{ text: 'evaluations', bold: true }, { text: `  ${jobs.length} jobs  ${count('running')} running  ${count('queued')} queued` }];
  if (jobs.length === 0) return [header, line('no evaluations yet', { dim: true })].slice(0, Math.max(0, height));

  const tables = resultTables(
    jobs.filter((j) => j.status === 'done' && j.result !== null),
    width,
  );
  const idWidth = Math.min(ID_MAX, Math.max(...jobs.map((j) => j.id.length)));
  const blocks = jobs.map((j, i) => jobBlock(j, idWidth, width, color, i === selected));
  const room = Math.max(0, height - 1);
  // The job list gets what the tables leave, but never less than half the room: a running job's
  // progress matters more than the fifth row of an old table.
  const jobBudget = Math.max(Math.min(blocks.flat().length, room - tables.length), Math.ceil(room / 2));
  // Show the newest jobs that fit, ending at the selected job when it would otherwise be cut off.
  const first = windowFirst(blocks, jobBudget);
  const last = selected >= 0 && selected < first ? selected : blocks.length - 1;
  const kept: Line[][] = [];
  let used = 0;
  for (let i = last; i >= 0; i--) {
    const need = blocks[i].length + (i > 0 ? 1 : 0); // keep a row for the "earlier jobs" note
    if (used + need > jobBudget && kept.length > 0) break;
    kept.unshift(blocks[i]);
    used += blocks[i].length;
  }
  const dropped = last + 1 - kept.length;
  const later = blocks.length - 1 - last;
  const jobRows = [
    ...(dropped > 0 ? [line(`(${dropped} earlier jobs)`, { dim: true })] : []),
    ...kept.flat(),
    ...(later > 0 ? [line(`(${later} later jobs)`, { dim: true })] : []),
  ];
  return [header, ...jobRows, ...tables].slice(0, Math.max(0, height));
}

/** First block shown when the window ends at the newest job (same rule as the loop in evalLines). */
function windowFirst(blocks: Line[][], budget: number): number {
  let used = 0;
  let first = blocks.length;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const need = blocks[i].length + (i > 0 ? 1 : 0);
    if (used + need > budget && first < blocks.length) break;
    used += blocks[i].length;
    first = i;
  }
  return first;
}

export function EvalPanel({ jobs, selected = -1, width, height, color = true }: EvalPanelProps): React.ReactElement {
  return <Lines lines={evalLines(jobs, width, height, color, selected)} width={width} height={height} />;
}

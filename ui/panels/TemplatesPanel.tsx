/**
 * The teacher prompt templates (files in prompts/) and where each edit stands: in force, saved but waiting
 * for the next step boundary (`[pending]`: the trainer swaps templates only between steps), or rejected by
 * the loader (`[rejected]` and the loader's one-line error, which says how to fix it).
 *
 *   prompts  6 files  1 pending  1 rejected
 *   > self-conflict.txt         v3  [pending]
 *     self-critique.txt         v1  [rejected]
 *       ! prompts/self-critique.txt: is empty once # comment lines are removed; ...
 *
 * Every error is wrapped in full (it says how to fix the file); the list scrolls to keep the selected file's block in view.
 */
import React from 'react';
import { Lines, line, padEnd, wrap, type Line } from './fit.js';

export interface TemplateFileStatus {
  name: string;
  /** Content version in force for this file (counts accepted changes). */
  version: number;
  /** Saved on disk but not yet applied: the trainer picks it up at the next step boundary. */
  pending: boolean;
  /** The loader's message when the saved file was rejected; the previous version stays in force. */
  error: string | null;
}

export interface TemplatesPanelProps {
  files: TemplateFileStatus[];
  selected: number;
  width: number;
  height: number;
  /** false under NO_COLOR: the badges are words, so nothing is lost. Default true. */
  color?: boolean;
}

const ERROR_INDENT = '    ! ';
const NAME_MAX = 26;

function fileBlock(f: TemplateFileStatus, isSelected: boolean, nameWidth: number, width: number, color: boolean): Line[] {
  const inverse = isSelected || undefined;
  const head: Line = [
    { text: `${isSelected ? '>' : ' '} ${padEnd(f.name, nameWidth)}  ${`v${f.version}`.padStart(4)}`, inverse, bold: isSelected || undefined },
  ];
  if (f.pending) head.push({ text: '  ' }, { text: '[pending]', color: color ? 'yellow' : undefined, bold: true });
  if (f.error !== null) head.push({ text: '  ' }, { text: '[rejected]', color: color ? 'red' : undefined, bold: true });
  if (f.error === null) return [head];
  const errColor = color ? 'red' : undefined;
  const rows = wrap(f.error, Math.max(1, width - ERROR_INDENT.length));
  return [head, ...rows.map((r, i) => line((i === 0 ? ERROR_INDENT : ' '.repeat(ERROR_INDENT.length)) + r, { color: errColor }))];
}

/** First row to show so that all of the selected block (or its top, if taller than `body`) is visible. */
function blockWindow(starts: number[], total: number, sel: number, body: number): number {
  if (total <= body || starts.length === 0) return 0;
  const s = Math.min(Math.max(0, sel), starts.length - 1);
  const from = starts[s];
  const to = s + 1 < starts.length ? starts[s + 1] : total;
  if (to - from >= body) return from;
  const around = from - Math.floor((body - (to - from)) / 2);
  return Math.min(Math.max(0, around), total - body);
}

export function templateLines(files: TemplateFileStatus[], selected: number, width: number, height: number, color = true): Line[] {
  const pending = files.filter((f) => f.pending).length;
  const rejected = files.filter((f) => f.error !== null).length;
  const header: Line = [{ text: 'prompts', bold: true }, { text: `  ${files.length} files  ${pending} pending  ${rejected} rejected` }];
  if (files.length === 0) return [header, line('no template files found in prompts/', { dim: true })].slice(0, Math.max(0, height));
  const nameWidth = Math.min(NAME_MAX, Math.max(...files.map((f) => f.name.length)), Math.max(4, width - 12));
  const starts: number[] = [];
  const rows: Line[] = [];
  files.forEach((f, i) => {
    starts.push(rows.length);
    rows.push(...fileBlock(f, i === selected, nameWidth, width, color));
  });
  const body = Math.max(0, height - 1);
  const start = blockWindow(starts, rows.length, selected, body);
  return [header, ...rows.slice(start, start + body)].slice(0, Math.max(0, height));
}

export function TemplatesPanel({ files, selected, width, height, color = true }: TemplatesPanelProps): React.ReactElement {
  return <Lines lines={templateLines(files, selected, width, height, color)} width={width} height={height} />;
}

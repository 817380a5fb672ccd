/**
 * The ':eval' pick list, drawn over the charts and panel like the help overlay: checkpoints of the run
 * (newest first) and the base model on the left, data sets on the right, ending with a row where a
 * JSONL path is typed. Marks read without colour: `[x]`.
 *
 *   evaluate: space marks, enter queues each marked model x data set, esc closes
 *   models                             data
 *   > [x] step-40                        [ ] arith-test
 *     [ ] step-20                      > [x] arith-validation
 *     [ ] base  builtin                  [ ] file: data/gsm8k.jsonl_
 */
import React from 'react';
import type { EvalMenuState } from '../state/types.js';
import { Lines, clip, padEnd, type Line, type Seg } from './fit.js';

export interface EvalMenuProps {
  menu: EvalMenuState;
  width: number;
  height: number;
  /** false under NO_COLOR. Default true. */
  color?: boolean;
}

function cell(label: string, isCursor: boolean, focused: boolean, marked: boolean, width: number, color: boolean): Seg[] {
  const text = padEnd(`${isCursor && focused ? '>' : ' '} [${marked ? 'x' : ' '}] ${label}`, width);
  return [{ text, inverse: (isCursor && focused) || undefined, bold: marked || undefined, color: marked && color ? 'green' : undefined }];
}

export function evalMenuLines(m: EvalMenuState, width: number, height: number, color = true): Line[] {
  const half = Math.max(10, Math.floor((width - 2) / 2));
  const pathLabel = `file: ${m.path}${m.column === 'data' && m.cursor.data === m.data.length ? '_' : ''}`;
  const dataLabels = [...m.data.map((c) => c.label), m.path || m.cursor.data === m.data.length ? pathLabel : 'file: (type a JSONL path)'];
  const rows = Math.max(m.models.length, dataLabels.length, 1);
  const body = Math.max(0, height - 2);
  // Keep the cursor of the focused list in view.
  const cursor = m.column === 'models' ? m.cursor.models : m.cursor.data;
  const start = Math.min(Math.max(0, cursor - body + 1), Math.max(0, rows - body));
  const out: Line[] = [
    [{ text: clip('evaluate: space marks, enter queues each marked model x data set, esc closes', width), bold: true, color: color ? 'cyan' : undefined }],
    [
      { text: padEnd('models', half + 2), bold: true },
      { text: 'data', bold: true },
    ],
  ];
  for (let r = start; r < Math.min(rows, start + body); r++) {
    const left =
      r < m.models.length
        ? cell(m.models[r]!.label, m.cursor.models === r, m.column === 'models', m.marked.models.includes(r), half, color)
        : [{ text: padEnd(r === 0 ? '  (no checkpoint yet)' : '', half) }];
    const right =
      r < dataLabels.length ? cell(dataLabels[r]!, m.cursor.data === r, m.column === 'data', m.marked.data.includes(r), width - half - 2, color) : [];
    out.push([...left, { text: '  ' }, ...right]);
  }
  return out.slice(0, Math.max(0, height));
}

export function EvalMenu({ menu, width, height, color = true }: EvalMenuProps): React.ReactElement {
  return <Lines lines={evalMenuLines(menu, width, height, color)} width={width} height={height} />;
}

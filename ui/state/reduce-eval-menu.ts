/**
 * The ':eval' pick list: two lists (models, data sets) side by side; the data list ends with a row
 * where a JSONL path is typed. Pure edits of `view.evalMenu`; queuing the picked pairs is an action
 * (ui/actions/evals.ts) because it starts child processes.
 */
import type { Draft } from './draft.js';
import type { EvalChoice, EvalMenuState, UiAction } from './types.js';

type Edit = Extract<UiAction, { type: 'eval-menu-edit' }>;

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), Math.max(lo, hi));

export function openEvalMenu(d: Draft, models: EvalChoice[], data: EvalChoice[]): void {
  const menu: EvalMenuState = {
    models,
    data,
    column: models.length ? 'models' : 'data',
    cursor: { models: 0, data: 0 },
    marked: { models: [], data: [] },
    path: '',
  };
  d.s.view = { ...d.s.view, overlay: 'eval-menu', commandText: '', pendingMark: null, evalMenu: menu };
}

/** Rows in a column: the data list has the typed-path row after its named sets. */
export const rowsIn = (m: EvalMenuState, column: EvalMenuState['column']): number => (column === 'models' ? m.models.length : m.data.length + 1);

/** True when the cursor is on the data list's typed-path row. */
export const onPathRow = (m: EvalMenuState): boolean => m.column === 'data' && m.cursor.data === m.data.length;

export function editEvalMenu(d: Draft, e: Edit): void {
  const m = d.s.view.evalMenu;
  if (!m) return;
  let next: EvalMenuState = m;
  if (e.switchColumn) {
    const column = m.column === 'models' ? 'data' : 'models';
    if (rowsIn(m, column) > 0) next = { ...next, column };
  }
  if (e.move) {
    const c = next.column;
    next = { ...next, cursor: { ...next.cursor, [c]: clamp(next.cursor[c] + e.move, 0, rowsIn(next, c) - 1) } };
  }
  if (e.toggle) {
    const c = next.column;
    const i = next.cursor[c];
    const list = next.marked[c];
    next = { ...next, marked: { ...next.marked, [c]: list.includes(i) ? list.filter((x) => x !== i) : [...list, i].sort((a, b) => a - b) } };
  }
  if (e.append) {
    // Typing anywhere goes to the path row (there is nothing else to type into) and marks it.
    const row = next.data.length;
    const marked = next.marked.data.includes(row) ? next.marked.data : [...next.marked.data, row];
    next = { ...next, column: 'data', cursor: { ...next.cursor, data: row }, path: next.path + e.append, marked: { ...next.marked, data: marked } };
  }
  if (e.backspace && onPathRow(next)) next = { ...next, path: [...next.path].slice(0, -1).join('') };
  d.s.view = { ...d.s.view, evalMenu: next };
}

/** The picked models and data sets: the marked rows of each list, or the row under its cursor when none is marked. */
export function pickedPairs(m: EvalMenuState): { models: EvalChoice[]; data: EvalChoice[] } {
  const dataAt = (i: number): EvalChoice => (i === m.data.length ? { label: m.path.trim(), value: m.path.trim() } : m.data[i]!);
  const models = (m.marked.models.length ? m.marked.models : m.models.length ? [m.cursor.models] : []).map((i) => m.models[i]!).filter(Boolean);
  const data = (m.marked.data.length ? m.marked.data : [m.cursor.data]).map(dataAt);
  return { models, data };
}

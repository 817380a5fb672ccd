/**
 * How the screen is divided, as a pure function of its size and the layout preference.
 * The live region is kept one line shorter than the terminal: Ink redraws a frame that fills the
 * whole screen by clearing the terminal every time (flicker, worst over SSH), while a shorter one is
 * updated in place.
 *
 *   header      1-2 lines   run, step, status, throughput
 *   charts      rows x chartHeight lines, chartCols side by side
 *   tabs        1 line      panel names, the focused one highlighted
 *   panel       the rest    the focused panel (or the help overlay over charts + tabs + panel)
 *   status      1 line      newest notice, or the command line
 *   key bar     1 line
 */
import type { DisplaySettings } from './state/types.js';

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

export interface LayoutPlan {
  kind: 'dashboard' | 'too-small';
  columns: number;
  /** Lines the frame may use (terminal rows - 1). */
  height: number;
  headerLines: number;
  chartCols: number;
  chartRows: number;
  /** Text rows per sparkline. */
  chartHeight: number;
  /** Lines for the focused panel's body (below its tab line). */
  panelHeight: number;
}

/** Lines that every dashboard layout has besides header, charts and panel: tabs, status, key bar. */
const FIXED_LINES = 3;

export function planLayout(columns: number, rows: number, pref: DisplaySettings['layout'] = 'auto'): LayoutPlan {
  const height = Math.max(1, rows - 1);
  const base = { columns, height, headerLines: 0, chartCols: 0, chartRows: 0, chartHeight: 0, panelHeight: 0 };
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return { ...base, kind: 'too-small' };

  const chartCols = columns >= 160 ? 4 : columns >= 72 ? 2 : 1;
  const compact = pref === 'compact' || (pref === 'auto' && rows < 20);
  let headerLines = compact ? 1 : 2;
  let chartRows = compact ? (rows >= 16 ? Math.min(2, Math.ceil(8 / chartCols)) : 0) : Math.min(4, Math.ceil(8 / chartCols));
  const chartHeight = compact ? 1 : rows >= 44 ? 3 : rows >= 34 ? 2 : 1;
  let panelHeight = height - headerLines - chartRows * chartHeight - FIXED_LINES;
  // 'full' on a short screen: give the panel at least 3 lines by dropping chart rows, then a header line.
  while (panelHeight < 3 && chartRows > 0) {
    chartRows--;
    panelHeight += chartHeight;
  }
  if (panelHeight < 3 && headerLines > 1) {
    headerLines = 1;
    panelHeight++;
  }
  return { ...base, kind: 'dashboard', headerLines, chartCols, chartRows, chartHeight, panelHeight };
}

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

/** The panel keeps at least this many lines before the charts grow taller (80x24 gives it 14). */
const PANEL_LINES = 14;
/** Tallest sparkline, in text rows: taller ones add little to a trend read at a glance. */
const MAX_CHART_HEIGHT = 6;

/**
 * Text rows per sparkline when `body` lines are shared by charts and panel: the charts take up to half
 * of them, never leaving the panel fewer than PANEL_LINES, so a tall screen is not left half empty
 * below a short panel (120x40: 4-row sparklines and an 18-line panel).
 */
function tallCharts(body: number, chartRows: number): number {
  if (chartRows <= 0) return 1;
  const byShare = Math.floor(body / 2 / chartRows);
  const byPanel = Math.floor((body - PANEL_LINES) / chartRows);
  return Math.max(1, Math.min(MAX_CHART_HEIGHT, byShare, byPanel));
}

export function planLayout(columns: number, rows: number, pref: DisplaySettings['layout'] = 'auto'): LayoutPlan {
  const height = Math.max(1, rows - 1);
  const base = { columns, height, headerLines: 0, chartCols: 0, chartRows: 0, chartHeight: 0, panelHeight: 0 };
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return { ...base, kind: 'too-small' };

  const chartCols = columns >= 160 ? 4 : columns >= 72 ? 2 : 1;
  const compact = pref === 'compact' || (pref === 'auto' && rows < 20);
  let headerLines = compact ? 1 : 2;
  let chartRows = compact ? (rows >= 16 ? Math.min(2, Math.ceil(8 / chartCols)) : 0) : Math.min(4, Math.ceil(8 / chartCols));
  // Below 34 rows the panel needs every line it gets; one-row sparklines, as on an 80x24 screen.
  const chartHeight = compact || rows < 34 ? 1 : tallCharts(height - headerLines - FIXED_LINES, chartRows);
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

/** Lines of the help overlay and the eval pick list: they cover the charts, the tab line and the panel. */
export const overlayHeight = (plan: LayoutPlan): number => plan.chartRows * plan.chartHeight + 1 + plan.panelHeight;

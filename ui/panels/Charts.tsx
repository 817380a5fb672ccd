/**
 * Sparklines of the training metrics (ui/state/metric-keys.ts CHARTS), in a grid that fits `width`:
 * `cols` columns x `rows` rows, filled column by column in priority order. Reward, guided and
 * unguided reward share one vertical scale so the guided/unguided gap reads directly.
 *   reward   ▁▂▃▅▆▇█▇  0.531 0.1–0.53   adv std  ▅▅▄▄▃▃▂▂  0.812 0.8–0.81
 * Each chart shows its newest value and the min–max it is drawn against: after the value on a
 * one-line chart, as a y-axis at its left (max on the top line, min on the bottom) on a taller one.
 * At >= 120 columns (and 3+ chart rows) the reward chart takes a whole row.
 * With a compared run (`thinktune watch RUN_A RUN_B`) its reward is drawn under the first run's,
 * 'A reward' over 'B reward', on the same scale and the same steps (x is the step number).
 * A metric the config switches off (kl with grpo.beta 0) reads 'off' instead of '–'.
 */
import { Box, Text } from 'ink';
import { useContext } from 'react';
import { Sparkline } from '../components/Sparkline.js';
import { axisPair, extent, shownRange } from '../components/sparkline.js';
import { formatMetric, toAscii } from '../format.js';
import { type ComparedRun, useComparison } from '../sources/compare-run.js';
import { CHARTS, type ChartDef, METRIC } from '../state/metric-keys.js';
import { UiStateContext } from '../providers/contexts.js';
import { latestMetric, metricSeries, offMetrics } from '../state/selectors.js';
import type { DisplaySettings, StepRow } from '../state/types.js';
import { themeColors, type ThemeColors } from '../theme.js';

export interface ChartsProps {
  steps: readonly StepRow[];
  width: number;
  cols: number;
  rows: number;
  /** Text rows per sparkline. */
  chartHeight: number;
  display: DisplaySettings;
  /** Metrics switched off by the run's config (default: from the dashboard state, when inside it). */
  off?: readonly string[];
  /** The second run to draw (default: the one `thinktune watch RUN_A RUN_B` follows, if any). */
  compared?: ComparedRun | null;
}

const GAP = 2;
const LABEL = 8;
const VALUE = 7;
/** Columns from which the reward chart takes a whole row. */
export const WIDE_REWARD_COLUMNS = 120;
/** Narrowest sparkline worth giving up columns to an axis for. */
const MIN_SPARK_WITH_AXIS = 10;

const COMPARED_REWARD: ChartDef = { label: 'B reward', metric: METRIC.reward, scale: 'reward', compared: true };

/** The charts in priority order; with a compared run, its reward right after the first run's. */
function chartList(comparing: boolean): ChartDef[] {
  if (!comparing) return [...CHARTS];
  const [reward, ...rest] = CHARTS;
  return [{ ...reward!, label: 'A reward' }, COMPARED_REWARD, ...rest];
}

export function Charts({ steps, width, cols, rows, chartHeight, display, off: offProp, compared: comparedProp }: ChartsProps) {
  const state = useContext(UiStateContext); // null outside AppContainer (a chart drawn alone)
  const following = useComparison();
  const compared = comparedProp === undefined ? following : comparedProp;
  const off = offProp ?? offMetrics(state);
  if (rows <= 0 || cols <= 0) return null;
  const c = themeColors(display);
  // Whole-row charts at the top: the reward (and the compared reward when there is room for both).
  const wholeRows = width >= WIDE_REWARD_COLUMNS && rows >= 3 ? (compared && rows >= 4 ? 2 : 1) : 0;
  const shown = chartList(compared !== null).slice(0, wholeRows + (rows - wholeRows) * cols);
  const series = seriesOf(shown, steps, compared);
  const ranges = sharedRanges(shown, series);
  const lines: ChartDef[][] = [...shown.slice(0, wholeRows).map((d) => [d])];
  const grid: ChartDef[][] = Array.from({ length: rows - wholeRows }, () => []);
  shown.slice(wholeRows).forEach((d, k) => grid[k % grid.length]!.push(d)); // column-major: column = floor(k / rows)
  lines.push(...grid);

  const cellWidth = Math.floor((width - (cols - 1) * GAP) / cols);
  // The axis takes the same width in every chart of a grid column (and of the whole-row charts), so
  // charts one above the other, such as the two runs' rewards, keep their steps aligned.
  const axisWidthOf = (defs: readonly ChartDef[], w: number) => {
    const plain = w - LABEL - VALUE - 2;
    const texts = defs.flatMap((d) => axisOf(shownRange(series.get(d)!, plain, ranges.get(d)), chartHeight, display.ascii));
    const needed = Math.max(0, ...texts.map((t) => t.length)) + 1;
    return plain - needed >= MIN_SPARK_WITH_AXIS ? needed : 0;
  };
  const wholeAxis = axisWidthOf(shown.slice(0, wholeRows), width);
  const columnAxis = Array.from({ length: cols }, (_, k) =>
    axisWidthOf(
      grid.map((row) => row[k]).filter((d) => d !== undefined),
      cellWidth,
    ),
  );
  const cell = (d: ChartDef, w: number, axisWidth: number) => {
    const spark = Math.max(1, w - LABEL - VALUE - 2 - axisWidth);
    const values = series.get(d)!;
    const range = shownRange(values, spark, ranges.get(d));
    const isOff = !d.compared && off.includes(d.metric);
    const latest = latestMetric(d.compared ? (compared?.rows ?? []) : steps, d.metric);
    return { spark, values, range, isOff, latest, axis: axisWidth > 0 ? axisOf(range, chartHeight, display.ascii) : null };
  };

  return (
    <Box flexDirection="column" width={width} height={rows * chartHeight}>
      {lines.map((defs, r) => (
        <Box key={r} flexDirection="row" height={chartHeight}>
          {defs.map((d, i) => {
            const w = r < wholeRows ? width : cellWidth;
            const axisWidth = r < wholeRows ? wholeAxis : columnAxis[i]!;
            const x = cell(d, w, axisWidth);
            const axisColumn = x.axis && chartHeight > 1;
            return (
              <Box key={d.label} width={w} marginLeft={i === 0 ? 0 : GAP} height={chartHeight}>
                <Box width={LABEL + 1}>
                  <Text color={c.muted} wrap="truncate">
                    {d.label}
                  </Text>
                </Box>
                {axisColumn && (
                  <Box width={axisWidth} flexDirection="column" alignItems="flex-end" paddingRight={1}>
                    {x.axis!.map((t, k) => (
                      <Text key={k} color={c.muted} wrap="truncate">
                        {t || ' '}
                      </Text>
                    ))}
                  </Box>
                )}
                <Sparkline values={x.values} width={x.spark} height={chartHeight} ascii={display.ascii} range={x.range} color={roleColor(d, c)} />
                <Box width={VALUE + 1} justifyContent="flex-end">
                  <Text wrap="truncate" color={x.isOff ? c.muted : undefined}>
                    {valueText(x.latest, display.ascii, x.isOff)}
                  </Text>
                </Box>
                {x.axis && !axisColumn && (
                  <Box width={axisWidth} justifyContent="flex-end">
                    <Text color={c.muted} wrap="truncate">
                      {/* a leading space keeps value and range apart even when the range is cut */}
                      {` ${x.axis[0]}`}
                    </Text>
                  </Box>
                )}
              </Box>
            );
          })}
        </Box>
      ))}
    </Box>
  );
}

/**
 * The y-axis text, one entry per sparkline row: 'min–max' on a one-line chart; the max on the top
 * row and the min on the bottom one of a taller chart. Blank while there is nothing to draw.
 */
export function axisOf(range: [number, number] | null, height: number, ascii: boolean): string[] {
  const blank = Array.from({ length: Math.max(1, height) }, () => '');
  if (!range) return blank;
  const [lo, hi] = axisPair(range);
  if (height <= 1) return [`${lo}${ascii ? '..' : '–'}${hi}`];
  blank[0] = hi;
  blank[height - 1] = lo;
  return blank;
}

/**
 * Each chart's values, oldest first. With a compared run, both runs' series are laid on the same
 * steps (index = step - first step of either run; null where a run has no such step), so a curve
 * drawn above another matches it step for step even when one run is further along.
 */
function seriesOf(defs: readonly ChartDef[], steps: readonly StepRow[], compared: ComparedRun | null): Map<ChartDef, (number | null)[]> {
  if (!compared) return new Map(defs.map((d) => [d, metricSeries(steps, d.metric)]));
  const all = [...steps, ...compared.rows].map((r) => r.step);
  const first = all.length ? Math.min(...all) : 0;
  const count = all.length ? Math.max(...all) - first + 1 : 0;
  const onSteps = (rows: readonly StepRow[], metric: string) => {
    const out: (number | null)[] = Array.from({ length: count }, () => null);
    for (const r of rows) {
      const v = r.metrics[metric];
      if (typeof v === 'number') out[r.step - first] = v;
    }
    return out;
  };
  return new Map(defs.map((d) => [d, onSteps(d.compared ? compared.rows : steps, d.metric)]));
}

/** Charts in one scale group get the min/max over all of them. */
function sharedRanges(defs: readonly ChartDef[], series: Map<ChartDef, (number | null)[]>): Map<ChartDef, [number, number] | null> {
  const out = new Map<ChartDef, [number, number] | null>();
  for (const d of defs) {
    if (!d.scale) continue;
    const group = defs.filter((o) => o.scale === d.scale).flatMap((o) => series.get(o)!);
    out.set(d, extent(group));
  }
  return out;
}

function roleColor(d: ChartDef, c: ThemeColors): string | undefined {
  if (d.compared) return c.warn;
  return d.role === 'guided' ? c.guided : d.role === 'unguided' ? c.unguided : c.accent;
}

function valueText(v: number | null, ascii: boolean, off: boolean): string {
  if (v === null && off) return 'off';
  const s = formatMetric(v);
  return ascii ? toAscii(s) : s;
}

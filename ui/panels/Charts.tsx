/**
 * Sparklines of the training metrics (ui/state/metric-keys.ts CHARTS), in a grid that fits `width`:
 * `cols` columns x `rows` rows, filled column by column in priority order. Reward, guided and
 * unguided reward share one vertical scale so the guided/unguided gap reads directly.
 *   reward   ▁▂▃▅▆▇█▇  0.531    adv std  ▅▅▄▄▃▃▂▂  0.812
 * A metric the config switches off (kl with grpo.beta 0) reads 'off' instead of '–'.
 */
import { Box, Text } from 'ink';
import { useContext } from 'react';
import { Sparkline } from '../components/Sparkline.js';
import { extent } from '../components/sparkline.js';
import { formatMetric, toAscii } from '../format.js';
import { CHARTS, type ChartDef } from '../state/metric-keys.js';
import { UiStateContext } from '../state/contexts.js';
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
}

const GAP = 2;
const LABEL = 8;
const VALUE = 7;

export function Charts({ steps, width, cols, rows, chartHeight, display, off: offProp }: ChartsProps) {
  const state = useContext(UiStateContext); // null outside AppContainer (a chart drawn alone)
  const off = offProp ?? offMetrics(state);
  if (rows <= 0 || cols <= 0) return null;
  const c = themeColors(display);
  const shown = CHARTS.slice(0, cols * rows);
  const series = new Map(shown.map((d) => [d, metricSeries(steps, d.metric)]));
  const ranges = sharedRanges(shown, series);
  const cellWidth = Math.floor((width - (cols - 1) * GAP) / cols);
  const sparkWidth = Math.max(1, cellWidth - LABEL - VALUE - 2);

  const gridRows: ChartDef[][] = Array.from({ length: rows }, () => []);
  shown.forEach((d, k) => gridRows[k % rows]!.push(d)); // column-major: column = floor(k / rows)

  return (
    <Box flexDirection="column" width={width} height={rows * chartHeight}>
      {gridRows.map((defs, r) => (
        <Box key={r} flexDirection="row" height={chartHeight}>
          {defs.map((d, i) => (
            <Box key={d.metric} width={cellWidth} marginLeft={i === 0 ? 0 : GAP} height={chartHeight}>
              <Box width={LABEL + 1}>
                <Text color={c.muted} wrap="truncate">
                  {d.label}
                </Text>
              </Box>
              <Sparkline
                values={series.get(d)!}
                width={sparkWidth}
                height={chartHeight}
                ascii={display.ascii}
                range={ranges.get(d) ?? null}
                color={roleColor(d, c)}
              />
              <Box width={VALUE + 1} justifyContent="flex-end">
                <Text wrap="truncate" color={off.includes(d.metric) ? c.muted : undefined}>
                  {valueText(latestMetric(steps, d.metric), display.ascii, off.includes(d.metric))}
                </Text>
              </Box>
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
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
  return d.role === 'guided' ? c.guided : d.role === 'unguided' ? c.unguided : c.accent;
}

function valueText(v: number | null, ascii: boolean, off: boolean): string {
  if (v === null && off) return 'off';
  const s = formatMetric(v);
  return ascii ? toAscii(s) : s;
}

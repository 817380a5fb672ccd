/**
 * The top of the dashboard: which run, how far, in what state, on what backend, and how fast.
 *   line 1: thinktune │ run name │ step 12/200 │ ▶ running │ wasm
 *   line 2: 1.2k tok/s · 3.5s/step · ETA 10m 30s · 321 tensors · tf 18MB · rss 812MB · feedback 0/8 · sched 8%
 * Memory is said twice because the two differ by far: 'tf' is what tfjs tensors hold (the step's
 * mem/bytes), 'rss' the dashboard process's resident memory (its worker thread included); a watcher
 * has no view of the run's process, so it shows tf only. 'feedback 0/8' is the newest step's teacher
 * calls that gave usable feedback out of those made (guidance/chosen minus guidance/no_feedback), next
 * to the schedule's share ('sched 8%'), which alone would hide a teacher that answers nothing.
 * Too wide for the line, the gauges drop their words first ('321 tensors' goes, 'feedback' -> 'fb').
 * With a compared run (`thinktune watch RUN_A RUN_B`) the run name reads 'A name vs B other'.
 * With --max-steps the count runs to where this process stops: 'step 12/30 of 200'. A run that ended
 * says since when: '■ stopped: stopped after step 12 (since 14:02)'.
 * With one line (compact layout) the gauges follow on the same line and are cut to fit.
 */
import { Box } from 'ink';
import { SegmentLine, type Seg } from '../components/SegmentLine.js';
import { formatDuration, formatMemory, formatMetric, toAscii } from '../format.js';
import { useComparison } from '../sources/compare-run.js';
import { METRIC } from '../state/metric-keys.js';
import { clockTime, lastStepOf, runStatus } from '../state/selectors.js';
import type { UiState } from '../state/types.js';
import { statusColor, statusGlyph, themeColors } from '../theme.js';

export interface HeaderProps {
  state: UiState;
  width: number;
  lines: number;
  /** Resident memory in MB to show (default: this process's, unless watching a run folder; null: none). */
  rssMb?: number | null;
}

export function Header({ state, width, lines, rssMb: rssProp }: HeaderProps) {
  const compared = useComparison();
  const { ascii } = state.display;
  const c = themeColors(state.display);
  const text = (s: string) => (ascii ? toAscii(s) : s);
  const sep = text(' │ ');
  const status = runStatus(state);
  const run = state.run;
  const over = status === 'crashed' || status === 'stopped';
  const since = state.ended && over ? ` (since ${clockTime(state.ended.at)})` : '';
  const reason = (state.statusReason && over ? `: ${state.statusReason}` : '') + since;
  // A run that did all its steps is finished, not merely stopped.
  const finished = status === 'stopped' && state.ended?.how === 'finished';
  const statusWord = finished ? 'finished' : status;
  const rssMb = rssProp !== undefined ? rssProp : state.watching ? null : process.memoryUsage.rss() / 2 ** 20;
  const gaugeWidth = lines < 2 ? 1 : width; // one line: the short gauges, cut after the run line
  const gauges = text(gaugeLine(state, rssMb, gaugeWidth));
  const first: Seg[] = [
    { text: 'thinktune', bold: true, color: c.accent },
    { text: sep },
    ...(compared ? [{ text: 'A ', color: c.muted }] : []),
    { text: run?.name ?? 'waiting for the trainer', bold: true },
    ...(compared
      ? [
          { text: ' vs B ', color: c.muted },
          { text: compared.name, bold: true, color: c.warn },
        ]
      : []),
    // Steps finished out of the run's total, as the plain lines count them: 'step 1/200' after the first.
    { text: `${sep}step ${state.stepsDone ?? text('–')}/${run ? stepsOf(run.totalSteps, lastStepOf(run)) : '?'}${sep}` },
    { text: `${statusGlyph(status, ascii)} ${statusWord}${text(finished ? since : reason)}`, bold: true, color: statusColor(status, c) },
    // A watched run folder has no backend of its own here: say that this window only watches.
    {
      text: state.watching ? `${sep}watching` : run ? `${sep}${run.backend}` : '',
      bold: state.watching || undefined,
      color: state.watching ? c.accent : undefined,
    },
    ...(lines < 2 ? [{ text: `${sep}${gauges}`, color: c.muted }] : []),
  ];
  return (
    <Box flexDirection="column" width={width} height={Math.min(lines, 2)}>
      <SegmentLine segs={first} width={width} ascii={ascii} />
      {lines >= 2 && <SegmentLine segs={[{ text: gauges, color: c.muted }]} width={width} ascii={ascii} />}
    </Box>
  );
}

/**
 * The second line's gauges, in full when they fit `width` (0: no limit), else without the tensor
 * count and with shorter words, so that memory and teacher feedback still fit 80 columns.
 */
export function gaugeLine(state: UiState, rssMb: number | null, width: number): string {
  const p = state.perf;
  const fb = feedbackOf(state);
  const parts = (short: boolean) =>
    [
      `${formatMetric(p.tokensPerS)} tok/s`,
      `${formatDuration(p.stepTimeS)}/step`,
      `ETA ${formatDuration(p.etaS)}`,
      short ? null : `${p.numTensors === null ? '–' : p.numTensors} tensors`,
      `tf ${formatMemory(p.memoryMb)}`,
      rssMb === null ? null : `rss ${formatMemory(rssMb)}`,
      `${short ? 'fb' : 'feedback'} ${fb}`,
      `sched ${p.guidancePct === null ? '–' : `${Math.round(p.guidancePct)}%`}`,
    ]
      .filter((x) => x !== null)
      .join(' · ');
  const full = parts(false);
  return width > 0 && [...full].length > width ? parts(true) : full;
}

/** 'given/asked' teacher feedback of the newest step ('–' before a step reports it). */
function feedbackOf(state: UiState): string {
  const m = state.history.steps.last()?.metrics;
  const asked = m?.[METRIC.guidanceChosen];
  if (typeof asked !== 'number') return '–';
  const failed = m?.[METRIC.guidanceNoFeedback];
  return `${asked - (typeof failed === 'number' ? failed : 0)}/${asked}`;
}

/** '200', or '30 of 200' when this process stops early (--max-steps). */
const stepsOf = (total: number, last: number): string => (last < total ? `${last} of ${total}` : String(total));

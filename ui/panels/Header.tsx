/**
 * The top of the dashboard: which run, how far, in what state, on what backend, and how fast.
 *   line 1: thinktune │ run name │ step 12/200 │ ▶ running │ wasm
 *   line 2: 1.2k tok/s · 3.5s/step · ETA 10m 30s · 321 tensors · 512MB · guided 25%
 * With --max-steps the count runs to where this process stops: 'step 12/30 of 200'. A run that ended
 * says since when: '■ stopped: stopped after step 12 (since 14:02)'.
 * With one line (compact layout) the gauges follow on the same line and are cut to fit.
 */
import { Box } from 'ink';
import { SegmentLine, type Seg } from '../components/SegmentLine.js';
import { formatDuration, formatMemory, formatMetric, toAscii } from '../format.js';
import { clockTime, lastStepOf, runStatus } from '../state/selectors.js';
import type { UiState } from '../state/types.js';
import { statusColor, statusGlyph, themeColors } from '../theme.js';

export interface HeaderProps {
  state: UiState;
  width: number;
  lines: number;
}

export function Header({ state, width, lines }: HeaderProps) {
  const { ascii } = state.display;
  const c = themeColors(state.display);
  const text = (s: string) => (ascii ? toAscii(s) : s);
  const sep = text(' │ ');
  const status = runStatus(state);
  const run = state.run;
  const over = status === 'crashed' || status === 'stopped';
  const reason = (state.statusReason && over ? `: ${state.statusReason}` : '') + (state.ended && over ? ` (since ${clockTime(state.ended.at)})` : '');
  const p = state.perf;
  const gauges = text(
    [
      `${formatMetric(p.tokensPerS)} tok/s`,
      `${formatDuration(p.stepTimeS)}/step`,
      `ETA ${formatDuration(p.etaS)}`,
      `${p.numTensors === null ? '–' : p.numTensors} tensors`,
      formatMemory(p.memoryMb),
      `guided ${p.guidancePct === null ? '–' : `${Math.round(p.guidancePct)}%`}`,
    ].join(' · '),
  );
  const first: Seg[] = [
    { text: 'thinktune', bold: true, color: c.accent },
    { text: sep },
    { text: run?.name ?? 'waiting for the trainer', bold: true },
    // Steps finished out of the run's total, as the plain lines count them: 'step 1/200' after the first.
    { text: `${sep}step ${state.stepsDone ?? text('–')}/${run ? stepsOf(run.totalSteps, lastStepOf(run)) : '?'}${sep}` },
    { text: `${statusGlyph(status, ascii)} ${status}${text(reason)}`, bold: true, color: statusColor(status, c) },
    // A watched run folder has no backend of its own here: say that this window only watches.
    { text: state.watching ? `${sep}watching` : run ? `${sep}${run.backend}` : '', bold: state.watching || undefined, color: state.watching ? c.accent : undefined },
    ...(lines < 2 ? [{ text: `${sep}${gauges}`, color: c.muted }] : []),
  ];
  return (
    <Box flexDirection="column" width={width} height={Math.min(lines, 2)}>
      <SegmentLine segs={first} width={width} ascii={ascii} />
      {lines >= 2 && <SegmentLine segs={[{ text: gauges, color: c.muted }]} width={width} ascii={ascii} />}
    </Box>
  );
}

/** '200', or '30 of 200' when this process stops early (--max-steps). */
const stepsOf = (total: number, last: number): string => (last < total ? `${last} of ${total}` : String(total));

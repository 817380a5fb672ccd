/**
 * The top of the dashboard: which run, how far, in what state, on what backend, and how fast.
 *   line 1: thinktune │ run name │ step 12/200 │ ▶ running │ wasm
 *   line 2: 1.2k tok/s · 3.5s/step · ETA 10m 30s · 321 tensors · 512MB · guided 25%
 * With one line (compact layout) the throughput part follows on the same line and is cut to fit.
 */
import { Box, Text } from 'ink';
import { formatDuration, formatMemory, formatMetric } from '../format.js';
import { runStatus } from '../state/selectors.js';
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
  const sep = ascii ? ' | ' : ' │ ';
  const dot = ascii ? ' - ' : ' · ';
  const status = runStatus(state);
  const run = state.run;
  const step = state.step === null ? '–' : String(state.step);
  const total = run ? String(run.totalSteps) : '?';
  const reason = state.statusReason && (status === 'crashed' || status === 'stopped') ? `: ${state.statusReason}` : '';
  const p = state.perf;
  const gauges = [
    `${formatMetric(p.tokensPerS)} tok/s`,
    `${formatDuration(p.stepTimeS)}/step`,
    `ETA ${formatDuration(p.etaS)}`,
    `${p.numTensors === null ? '–' : p.numTensors} tensors`,
    formatMemory(p.memoryMb),
    `guided ${p.guidancePct === null ? '–' : `${Math.round(p.guidancePct)}%`}`,
  ].join(dot);

  const first = (
    <Text wrap="truncate">
      <Text bold color={c.accent}>thinktune</Text>
      {sep}
      <Text bold>{run?.name ?? 'waiting for the trainer'}</Text>
      {sep}
      step {step}/{total}
      {sep}
      <Text color={statusColor(status, c)} bold>
        {statusGlyph(status, ascii)} {status}
        {reason}
      </Text>
      {run ? `${sep}${run.backend}` : ''}
      {lines < 2 ? `${sep}${gauges}` : ''}
    </Text>
  );
  return (
    <Box flexDirection="column" width={width} height={Math.min(lines, 2)}>
      {first}
      {lines >= 2 && (
        <Text wrap="truncate" color={c.muted}>
          {gauges}
        </Text>
      )}
    </Box>
  );
}

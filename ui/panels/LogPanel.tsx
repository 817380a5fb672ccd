/**
 * The log panel: notices (trainer warnings, protocol problems, settings, checkpoints) and the teacher
 * feedback log, merged by arrival time, newest at the bottom. `scroll` counts lines up from the newest.
 *   12:03:04 warn  teacher timed out, step 12 continues unguided
 *   12:03:05 fb    s12 g3#1 hint ok: "check the units before dividing"
 */
import { Box, Text } from 'ink';
import { SegmentLine } from '../components/SegmentLine.js';
import { stepNumber } from '../format.js';
import type { DisplaySettings, FeedbackEntry, Notice } from '../state/types.js';
import { themeColors, type ThemeColors } from '../theme.js';

export interface LogPanelProps {
  notices: readonly Notice[];
  feedback: readonly FeedbackEntry[];
  scroll: number;
  width: number;
  height: number;
  display: DisplaySettings;
}

interface LogLine {
  at: number;
  tag: string;
  text: string;
  color: string | undefined;
}

export function LogPanel({ notices, feedback, scroll, width, height, display }: LogPanelProps) {
  const c = themeColors(display);
  const lines = mergeLog(notices, feedback, c);
  if (lines.length === 0) {
    return (
      <Text color={c.muted} wrap="truncate">
        nothing logged yet
      </Text>
    );
  }
  const end = Math.max(0, lines.length - Math.min(scroll, lines.length - 1));
  const visible = lines.slice(Math.max(0, end - height), end);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {visible.map((l, i) => (
        <SegmentLine
          key={i}
          segs={[{ text: `${clock(l.at)} `, color: c.muted }, { text: l.tag.padEnd(6), color: l.color }, { text: l.text.replace(/\s+/g, ' ') }]}
          width={width}
          ascii={display.ascii}
        />
      ))}
    </Box>
  );
}

export function mergeLog(notices: readonly Notice[], feedback: readonly FeedbackEntry[], c: ThemeColors = {}): LogLine[] {
  const out: LogLine[] = [
    ...notices.map((n) => ({
      at: n.at,
      tag: n.level === 'info' ? 'info' : n.level === 'warning' ? 'warn' : 'error',
      text: n.source === 'trainer' || n.source === 'ui' ? n.text : `${n.source}: ${n.text}`,
      color: n.level === 'error' ? c.bad : n.level === 'warning' ? c.warn : c.muted,
    })),
    ...feedback.map((f) => ({
      at: f.at,
      tag: 'fb',
      text: `s${stepNumber(f.step)} g${f.group + 1}#${f.sample + 1}${f.style ? ` ${f.style}` : ''} ${f.ok ? 'ok' : 'unusable'}: ${f.text}`,
      color: f.ok ? c.guided : c.warn,
    })),
  ];
  // Stable sort keeps arrival order within the same millisecond.
  return out.sort((a, b) => a.at - b.at);
}

function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

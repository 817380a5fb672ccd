/**
 * The line above the key bar: the command line while ':' is open; otherwise the newest notice
 * (warnings in colour) after a count of warnings so far, or a hint.
 */
import { Box } from 'ink';
import { SegmentLine } from '../components/SegmentLine.js';
import type { DisplaySettings, Notice } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface StatusLineProps {
  commandOpen: boolean;
  commandText: string;
  notice: Notice | null;
  warnings: number;
  width: number;
  display: DisplaySettings;
}

export function StatusLine({ commandOpen, commandText, notice, warnings, width, display }: StatusLineProps) {
  const c = themeColors(display);
  if (commandOpen) {
    // Keep the end of a long line visible: that is where the cursor is.
    const chars = [...commandText];
    const shown = chars.slice(Math.max(0, chars.length - (width - 2))).join('');
    const cursor = display.color ? { text: ' ', inverse: true } : { text: '_' };
    return (
      <Box width={width} height={1}>
        <SegmentLine segs={[{ text: ':', bold: true, color: c.accent }, { text: shown }, cursor]} width={width} ascii={display.ascii} />
      </Box>
    );
  }
  const count = warnings ? `[${warnings} warning${warnings === 1 ? '' : 's'}] ` : '';
  const color = notice?.level === 'error' ? c.bad : notice?.level === 'warning' ? c.warn : c.muted;
  const text = notice ? notice.text.replace(/\s+/g, ' ') : 'press ? for help, : for commands';
  return (
    <Box width={width} height={1}>
      <SegmentLine segs={[{ text: count, color: c.warn }, { text, color }]} width={width} ascii={display.ascii} />
    </Box>
  );
}

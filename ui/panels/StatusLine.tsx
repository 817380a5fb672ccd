/**
 * The line above the key bar: the command line while ':' is open, the note of a mark while one is
 * asked for; otherwise the newest notice (warnings in colour) after a count of warnings so far, or a hint.
 */
import { Box } from 'ink';
import { SegmentLine, type Seg } from '../components/SegmentLine.js';
import { stepNumber } from '../format.js';
import { ordinal } from '../state/selectors.js';
import type { DisplaySettings, Notice, PendingMark } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface StatusLineProps {
  commandOpen: boolean;
  /** The mark whose one-line note is being typed (into `commandText`), or null. */
  noteFor?: PendingMark | null;
  commandText: string;
  notice: Notice | null;
  warnings: number;
  width: number;
  display: DisplaySettings;
}

export function StatusLine({ commandOpen, noteFor = null, commandText, notice, warnings, width, display }: StatusLineProps) {
  const c = themeColors(display);
  const input = (prompt: string) => {
    // Keep the end of a long line visible: that is where the cursor is.
    const chars = [...commandText];
    const shown = chars.slice(Math.max(0, chars.length - Math.max(1, width - [...prompt].length - 1))).join('');
    const cursor: Seg = display.color ? { text: ' ', inverse: true } : { text: '_' };
    return (
      <Box width={width} height={1}>
        <SegmentLine segs={[{ text: prompt, bold: true, color: c.accent }, { text: shown }, cursor]} width={width} ascii={display.ascii} />
      </Box>
    );
  };
  if (commandOpen) return input(':');
  if (noteFor)
    return input(`note on s${stepNumber(noteFor.step)} g${ordinal(noteFor.group)} #${ordinal(noteFor.sample)} ${noteFor.target} ${noteFor.verdict}: `);
  const count = warnings ? `[${warnings} warning${warnings === 1 ? '' : 's'}] ` : '';
  const color = notice?.level === 'error' ? c.bad : notice?.level === 'warning' ? c.warn : c.muted;
  const text = notice ? notice.text.replace(/\s+/g, ' ') : 'press ? for help, : for commands';
  return (
    <Box width={width} height={1}>
      <SegmentLine
        segs={[
          { text: count, color: c.warn },
          { text, color },
        ]}
        width={width}
        ascii={display.ascii}
      />
    </Box>
  );
}

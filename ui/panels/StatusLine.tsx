/**
 * The line above the key bar: the command line while ':' is open (with what Tab could complete, when
 * that is ambiguous), the note of a mark while one is asked for, the completion table's '/' search line; otherwise the newest notice (warnings
 * in colour), or a hint, with the count of warnings and errors in the log set apart at the right end
 * ("2 warnings in log (6)": 6 focuses the log), so it does not read as part of the message.
 */
import { Box } from 'ink';
import { useContext } from 'react';
import { cutSegments, SegmentLine, type Seg } from '../components/SegmentLine.js';
import { stepNumber } from '../format.js';
import { UiStateContext } from '../providers/contexts.js';
import { ordinal } from '../state/selectors.js';
import { PANELS, type DisplaySettings, type Notice, type PendingMark } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface StatusLineProps {
  commandOpen: boolean;
  /** The completion table's search line is open: `commandText` is what is typed after '/'. */
  searchOpen?: boolean;
  /** The mark whose one-line note is being typed (into `commandText`), or null. */
  noteFor?: PendingMark | null;
  commandText: string;
  notice: Notice | null;
  /** Warnings and errors in the log. */
  warnings: number;
  width: number;
  display: DisplaySettings;
  /** Tab's candidates for the command line (default: view.commandCandidates from the dashboard state). */
  candidates?: readonly string[];
}

/** "2 warnings in log (6)" (short: "2 in log (6)"): with the log panel's number key, so the count says where to read them. */
export function warningsLabel(n: number, short = false): string {
  const where = `in log (${PANELS.indexOf('log') + 1})`;
  if (!n) return '';
  return short ? `${n} ${where}` : `${n} warning${n === 1 ? '' : 's'} ${where}`;
}

export function StatusLine({
  commandOpen,
  searchOpen = false,
  noteFor = null,
  commandText,
  notice,
  warnings,
  width,
  display,
  candidates: candidatesProp,
}: StatusLineProps) {
  const state = useContext(UiStateContext); // null outside AppContainer
  const candidates = commandOpen ? (candidatesProp ?? state?.view.commandCandidates ?? []) : [];
  const c = themeColors(display);
  const input = (prompt: string) => {
    // Tab's candidates, when ambiguous, follow the cursor and take up to half the row.
    const hint = candidates.length ? `   ${candidates.join(' ')}` : '';
    const hintRoom = hint ? Math.min([...hint].length, Math.floor(width / 2)) : 0;
    // Keep the end of a long line visible: that is where the cursor is.
    const chars = [...commandText];
    const shown = chars.slice(Math.max(0, chars.length - Math.max(1, width - [...prompt].length - 1 - hintRoom))).join('');
    const cursor: Seg = display.color ? { text: ' ', inverse: true } : { text: '_' };
    return (
      <Box width={width} height={1}>
        <SegmentLine
          segs={[{ text: prompt, bold: true, color: c.accent }, { text: shown }, cursor, { text: hint, color: c.muted }]}
          width={width}
          ascii={display.ascii}
        />
      </Box>
    );
  };
  if (commandOpen) return input(':');
  if (searchOpen) return input('/');
  if (noteFor)
    return input(`note on s${stepNumber(noteFor.step)} g${ordinal(noteFor.group)} #${ordinal(noteFor.sample)} ${noteFor.target} ${noteFor.verdict}: `);
  const text = notice ? notice.text.replace(/\s+/g, ' ') : 'press ? for help, : for commands';
  // A message too long for the full count keeps more of its own text: "2 in log (6)".
  const full = warningsLabel(warnings);
  const count = !full || [...text].length + 2 + full.length <= width ? full : warningsLabel(warnings, true);
  const color = notice?.level === 'error' ? c.bad : notice?.level === 'warning' ? c.warn : c.muted;
  // The count keeps its place at the right; the message is cut before it.
  const room = count ? Math.max(0, width - count.length - 2) : width;
  const shown =
    [...text].length > room
      ? cutSegments([{ text }], room, display.ascii)
          .map((sg) => sg.text)
          .join('')
      : text;
  const gap = count ? ' '.repeat(Math.max(2, width - [...shown].length - count.length)) : '';
  return (
    <Box width={width} height={1}>
      <SegmentLine segs={[{ text: shown, color }, { text: gap }, { text: count, color: c.warn }]} width={width} ascii={display.ascii} />
    </Box>
  );
}

/**
 * The '?' overlay: global keys, the focused panel's keys (both read from the keymap table in
 * ui/keys.ts) and the ':' commands, flowed top-to-bottom into as many columns as the width allows.
 * Rows that still do not fit are cut, never wrapped, so the overlay never grows past `height`.
 */
import { Box, Text } from 'ink';
import { SegmentLine } from '../components/SegmentLine.js';
import { COMMAND_LINE_HELP } from '../commands.js';
import { helpSections, type KeyBinding } from '../keys.js';
import type { DisplaySettings, PanelId } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface HelpOverlayProps {
  bindings: readonly KeyBinding[];
  focus: PanelId;
  width: number;
  height: number;
  display: DisplaySettings;
}

type Row = { kind: 'title'; text: string } | { kind: 'row'; key: string; text: string; keyWidth: number };

/** Rows of one section share a key column as wide as its widest key (at most 16). */
function section(title: string, rows: readonly [string, string][]): Row[] {
  const keyWidth = Math.min(16, Math.max(...rows.map(([k]) => k.length)) + 1);
  return [{ kind: 'title', text: title }, ...rows.map(([key, text]) => ({ kind: 'row' as const, key, text, keyWidth }))];
}

const MIN_COLUMN = 36;
const GAP = 2;

export function HelpOverlay({ bindings, focus, width, height, display }: HelpOverlayProps) {
  const c = themeColors(display);
  const rows: Row[] = [
    ...helpSections(bindings, focus, display.ascii).flatMap((sec) => section(sec.title, sec.rows)),
    ...section('commands', COMMAND_LINE_HELP),
  ];
  const bodyHeight = Math.max(1, height - 1);
  const maxColumns = Math.max(1, Math.floor((width + GAP) / (MIN_COLUMN + GAP)));
  const columnCount = Math.min(maxColumns, Math.ceil(rows.length / bodyHeight));
  const colWidth = Math.floor((width - (columnCount - 1) * GAP) / columnCount);
  const columns = Array.from({ length: columnCount }, (_, i) => rows.slice(i * bodyHeight, (i + 1) * bodyHeight));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate" color={c.accent}>
        help: esc or ? closes
      </Text>
      <Box flexDirection="row" height={bodyHeight}>
        {columns.map((col, i) => {
          return (
            <Box key={i} flexDirection="column" width={colWidth} marginLeft={i ? GAP : 0} height={bodyHeight} overflow="hidden">
              {col.map((row, j) =>
                row.kind === 'title' ? (
                  <Text key={j} bold underline wrap="truncate">
                    {row.text}
                  </Text>
                ) : (
                  <SegmentLine
                    key={j}
                    segs={[{ text: row.key.length >= row.keyWidth ? `${row.key} ` : row.key.padEnd(row.keyWidth), bold: true }, { text: row.text, color: c.muted }]}
                    width={colWidth}
                    ascii={display.ascii}
                  />
                ),
              )}
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}

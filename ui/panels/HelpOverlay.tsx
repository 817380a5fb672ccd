/**
 * The '?' overlay: global keys, the focused panel's keys (both read from the keymap table in
 * ui/keys.ts) and the ':' commands, flowed top-to-bottom into as many columns as the width allows.
 * Rows that do not fit scroll (up/down, page up/down: ui/hooks/useKeyCommands.ts) under a last line
 * saying what is above and below; rows are cut, never wrapped, so the overlay never grows past `height`.
 * Shifted letters read "shift+g", so G and B are not mistaken for g and b.
 */
import { Box, Text } from 'ink';
import { useContext } from 'react';
import { SegmentLine } from '../components/SegmentLine.js';
import { COMMAND_LINE_HELP } from '../commands.js';
import { helpSections, keyLabel, type KeyBinding } from '../keys.js';
import { UiStateContext } from '../providers/contexts.js';
import type { DisplaySettings, PanelId } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface HelpOverlayProps {
  bindings: readonly KeyBinding[];
  focus: PanelId;
  width: number;
  height: number;
  display: DisplaySettings;
  /** Rows scrolled (default: view.helpScroll from the dashboard state); clamped to what the size leaves hidden. */
  scroll?: number;
}

type Row = { kind: 'title'; text: string } | { kind: 'row'; key: string; text: string; keyWidth: number };

/** A capital letter is written as the shift key it takes: "G" -> "shift+g". */
const shifted = (keys: string): string => keys.replace(/(^| )([A-Z])(?= |$)/g, (_, lead: string, k: string) => `${lead}shift+${k.toLowerCase()}`);

/** Rows of one section share a key column as wide as its widest key (at most 16). */
function section(title: string, rows: readonly [string, string][]): Row[] {
  const keys = rows.map(([k, text]): [string, string] => [shifted(k), text]);
  const keyWidth = Math.min(16, Math.max(...keys.map(([k]) => k.length)) + 1);
  return [{ kind: 'title', text: title }, ...keys.map(([key, text]) => ({ kind: 'row' as const, key, text, keyWidth }))];
}

const MIN_COLUMN = 36;
const GAP = 2;

export interface HelpView {
  rows: Row[];
  columnCount: number;
  colWidth: number;
  /** Rows per column. */
  bodyLines: number;
  /** Largest useful scroll: 0 when everything fits. */
  maxScroll: number;
}

/** How the help rows fall into columns at this size; the key handler reads maxScroll and bodyLines from it. */
export function helpView(bindings: readonly KeyBinding[], focus: PanelId, ascii: boolean, width: number, height: number): HelpView {
  const rows: Row[] = [...helpSections(bindings, focus, ascii).flatMap((sec) => section(sec.title, sec.rows)), ...section('commands', COMMAND_LINE_HELP)];
  const bodyHeight = Math.max(1, height - 1);
  const maxColumns = Math.max(1, Math.floor((width + GAP) / (MIN_COLUMN + GAP)));
  const fits = rows.length <= maxColumns * bodyHeight;
  // Rows that do not fit leave the last line to the "more below" line.
  const bodyLines = fits ? bodyHeight : Math.max(1, bodyHeight - 1);
  const columnCount = Math.min(maxColumns, Math.ceil(rows.length / bodyLines));
  const colWidth = Math.floor((width - (columnCount - 1) * GAP) / columnCount);
  return { rows, columnCount, colWidth, bodyLines, maxScroll: fits ? 0 : rows.length - columnCount * bodyLines };
}

export function HelpOverlay({ bindings, focus, width, height, display, scroll: scrollProp }: HelpOverlayProps) {
  const state = useContext(UiStateContext); // null outside AppContainer (the overlay drawn alone)
  const scroll = scrollProp ?? state?.view.helpScroll ?? 0;
  const c = themeColors(display);
  const { rows, columnCount, colWidth, bodyLines, maxScroll } = helpView(bindings, focus, display.ascii, width, height);
  const from = Math.min(Math.max(0, scroll), maxScroll);
  const shown = rows.slice(from, from + columnCount * bodyLines);
  const columns = Array.from({ length: columnCount }, (_, i) => shown.slice(i * bodyLines, (i + 1) * bodyLines));
  const below = rows.length - from - shown.length;
  const arrows = `${keyLabel('up', display.ascii)}${keyLabel('down', display.ascii)} PgUp PgDn scroll`;
  const more = below > 0 ? `more below (${below} more) · ${arrows}` : `end of help, ${from} rows above · ${arrows}`;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate" color={c.accent}>
        help: esc or ? closes
      </Text>
      <Box flexDirection="row" height={bodyLines}>
        {columns.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth} marginLeft={i ? GAP : 0} height={bodyLines} overflow="hidden">
            {col.map((row, j) =>
              row.kind === 'title' ? (
                <Text key={j} bold underline wrap="truncate">
                  {row.text}
                </Text>
              ) : (
                <SegmentLine
                  key={j}
                  segs={[
                    { text: row.key.length >= row.keyWidth ? `${row.key} ` : row.key.padEnd(row.keyWidth), bold: true },
                    { text: row.text, color: c.muted },
                  ]}
                  width={colWidth}
                  ascii={display.ascii}
                />
              ),
            )}
          </Box>
        ))}
      </Box>
      {maxScroll > 0 && <SegmentLine segs={[{ text: more, color: c.accent }]} width={width} ascii={display.ascii} />}
    </Box>
  );
}

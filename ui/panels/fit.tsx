/**
 * Shared by the content panels: turn text into lines that fit a width x height box, and render them.
 *
 * Panels compute their lines as plain strings first (so tests and scrolling can count them), then
 * `<Lines>` draws at most `height` of them, each in a one-row box of `width` with `wrap="truncate"`:
 * Ink measures the real display width, so even a wide character in model output cannot wrap a row.
 * Widths here count code points, which is exact for the ASCII the built-in models produce.
 */
import React from 'react';
import { Box, Text } from 'ink';

/** One run of text with one style. `color` is an Ink colour name; panels leave it unset when colour is off. */
export interface Seg {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
  inverse?: boolean;
}

/** One screen row: segments drawn left to right. */
export type Line = Seg[];

export const line = (text: string, style: Omit<Seg, 'text'> = {}): Line => [{ text, ...style }];

/** Make model output safe to print: tabs become spaces, other control characters (ESC, BEL, CR) become `?`. */
export function sanitize(text: string): string {
  return text.replace(/\t/g, '  ').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** Code points of `s`, so a surrogate pair is never cut in half. */
const chars = (s: string): string[] => Array.from(s);

/** Cut `s` to `width` code points, ending with `..` when something was cut. */
export function clip(s: string, width: number): string {
  const cs = chars(s);
  if (cs.length <= width) return s;
  if (width <= 2) return cs.slice(0, Math.max(0, width)).join('');
  return cs.slice(0, width - 2).join('') + '..';
}

/** The last `width` code points of `s`, starting with `..` when something was cut (a preview of an ending). */
export function clipStart(s: string, width: number): string {
  const cs = chars(s);
  if (cs.length <= width) return s;
  if (width <= 2) return cs.slice(cs.length - Math.max(0, width)).join('');
  return '..' + cs.slice(cs.length - (width - 2)).join('');
}

export const padEnd = (s: string, width: number): string => clip(s, width) + ' '.repeat(Math.max(0, width - chars(clip(s, width)).length));
export const padStart = (s: string, width: number): string => ' '.repeat(Math.max(0, width - chars(clip(s, width)).length)) + clip(s, width);

/** Cut a row of segments to `width` code points in total. */
export function clipLine(segs: Line, width: number): Line {
  const out: Line = [];
  let left = width;
  for (const seg of segs) {
    if (left <= 0) break;
    const cs = chars(seg.text);
    const text = cs.length <= left ? seg.text : cs.slice(0, left).join('');
    out.push({ ...seg, text });
    left -= chars(text).length;
  }
  return out;
}

export const lineWidth = (segs: Line): number => segs.reduce((n, s) => n + chars(s.text).length, 0);

/**
 * Word-wrap `text` to `width` columns: keeps its newlines, breaks between words, and cuts a word longer
 * than a row into row-sized pieces. An empty text gives one empty row.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const rows: string[] = [];
  for (const para of sanitize(text).split('\n')) {
    let row = '';
    for (const word of para.split(/(\s+)/)) {
      if (word === '') continue;
      const isSpace = /^\s+$/.test(word);
      if (chars(row).length + chars(word).length <= w) {
        row += word;
        continue;
      }
      if (isSpace) {
        // A space that would overflow ends the row; it is not carried to the next one.
        if (row !== '') rows.push(row.trimEnd());
        row = '';
        continue;
      }
      if (row !== '') rows.push(row.trimEnd());
      row = '';
      let rest = chars(word);
      while (rest.length > w) {
        rows.push(rest.slice(0, w).join(''));
        rest = rest.slice(w);
      }
      row = rest.join('');
    }
    rows.push(row.trimEnd());
  }
  return rows;
}

/**
 * First index of a window of `size` rows over `count` rows that shows `selected` and keeps it away from the
 * edges when it can (the list scrolls with the cursor).
 */
export function windowStart(count: number, selected: number, size: number): number {
  if (size <= 0 || count <= size) return 0;
  const sel = Math.min(Math.max(0, selected), count - 1);
  return Math.min(Math.max(0, sel - Math.floor(size / 2)), count - size);
}

/** Draw at most `height` rows, each cut to `width`. */
export function Lines({ lines, width, height }: { lines: Line[]; width: number; height: number }): React.ReactElement {
  const shown = lines.slice(0, Math.max(0, height));
  return (
    <Box flexDirection="column" width={width} height={Math.max(0, height)} overflow="hidden">
      {shown.map((segs, i) => (
        <Box key={i} width={width} height={1} overflow="hidden">
          <Text wrap="truncate">
            {clipLine(segs, width).map((s, j) => (
              <Text key={j} color={s.color} dimColor={s.dim} bold={s.bold} inverse={s.inverse}>
                {s.text}
              </Text>
            ))}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

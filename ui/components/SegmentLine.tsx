/**
 * One line of differently styled pieces, cut to `width` columns by us rather than by Ink, so the cut
 * mark follows ASCII mode ('.' instead of '…'). Ink's truncate stays on as a safety net for text whose
 * display width differs from its length (wide CJK characters, emoji).
 */
import { Text } from 'ink';

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export function cutSegments(segs: readonly Seg[], width: number, ascii: boolean): Seg[] {
  const total = segs.reduce((n, s) => n + [...s.text].length, 0);
  if (total <= width) return [...segs];
  const out: Seg[] = [];
  let room = Math.max(0, width - 1);
  for (const s of segs) {
    if (room <= 0) break;
    const chars = [...s.text];
    out.push({ ...s, text: chars.slice(0, room).join('') });
    room -= Math.min(room, chars.length);
  }
  if (width > 0) out.push({ text: ascii ? '.' : '…' });
  return out;
}

export function SegmentLine({ segs, width, ascii }: { segs: readonly Seg[]; width: number; ascii: boolean }) {
  return (
    <Text wrap="truncate">
      {cutSegments(segs, width, ascii).map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} inverse={s.inverse} underline={s.underline}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

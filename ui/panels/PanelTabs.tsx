/**
 * The line above the focused panel: every panel's name, the focused one in brackets (and inverse
 * video with colour) so tab's effect is visible, then where the selection is ("step 12 · g 2/8 · #3/4").
 */
import { Box } from 'ink';
import { SegmentLine, type Seg } from '../components/SegmentLine.js';
import { toAscii } from '../format.js';
import { PANELS, type DisplaySettings, type PanelId } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface PanelTabsProps {
  focus: PanelId;
  /** Shown after the tabs, cut first when the line is full. */
  context: string;
  width: number;
  display: DisplaySettings;
}

export function PanelTabs({ focus, context, width, display }: PanelTabsProps) {
  const c = themeColors(display);
  const bar = display.ascii ? '|' : '│';
  const segs: Seg[] = PANELS.flatMap((p, i) => {
    const focused = p === focus;
    const tab: Seg = { text: focused ? `[${p}]` : ` ${p} `, bold: focused, inverse: focused && display.color, color: focused ? c.focus : c.muted };
    return i ? [{ text: bar }, tab] : [tab];
  });
  if (context) segs.push({ text: `  ${display.ascii ? toAscii(context) : context}`, color: c.muted });
  return (
    <Box width={width} height={1}>
      <SegmentLine segs={segs} width={width} ascii={display.ascii} />
    </Box>
  );
}

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

/** Unfocused tab names when the full ones do not fit beside the context. */
const SHORT_NAMES: Record<PanelId, string> = {
  groups: 'grp',
  trace: 'trace',
  templates: 'tmpl',
  annotations: 'marks',
  eval: 'eval',
  log: 'log',
  teacher: 'teach',
  completions: 'table',
};

export function PanelTabs({ focus, context, width, display }: PanelTabsProps) {
  const c = themeColors(display);
  const bar = display.ascii ? '|' : '│';
  const tabs = (short: boolean): Seg[] =>
    PANELS.flatMap((p, i) => {
      const focused = p === focus;
      const name = short && !focused ? SHORT_NAMES[p] : p;
      const tab: Seg = { text: focused ? `[${name}]` : ` ${name} `, bold: focused, inverse: focused && display.color, color: focused ? c.focus : c.muted };
      return i ? [{ text: bar }, tab] : [tab];
    });
  // At 80 columns the full names leave the context (step, group, jobs) no room: shorten the others.
  const full = tabs(false);
  const fits = full.reduce((n, seg) => n + seg.text.length, 0) + (context ? context.length + 2 : 0) <= width;
  const segs = fits ? full : tabs(true);
  if (context) segs.push({ text: `  ${display.ascii ? toAscii(context) : context}`, color: c.muted });
  return (
    <Box width={width} height={1}>
      <SegmentLine segs={segs} width={width} ascii={display.ascii} />
    </Box>
  );
}

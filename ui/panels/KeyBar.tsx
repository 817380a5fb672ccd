/** The bottom line: the keys that work right now (focused panel's first), as many as fit. */
import { Box, Text } from 'ink';
import { keyBarItems, type BarItem, type KeyBinding } from '../keys.js';
import type { DisplaySettings, Overlay, PanelId, TrainerStatus } from '../state/types.js';
import { themeColors } from '../theme.js';

export interface KeyBarProps {
  bindings: readonly KeyBinding[];
  focus: PanelId;
  overlay: Overlay;
  width: number;
  display: DisplaySettings;
  /** Trainer state: some keys (R restart) are offered only in some states. */
  status?: TrainerStatus;
}

export function KeyBar({ bindings, focus, overlay, width, display, status }: KeyBarProps) {
  const c = themeColors(display);
  const shown = fitItems(keyBarItems(bindings, focus, overlay, display.ascii, status), width);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        {shown.map((item, i) => (
          <Text key={i}>
            {i ? '  ' : ''}
            <Text bold color={c.accent}>
              {item.keys}
            </Text>{' '}
            <Text color={c.muted}>{item.label}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}

/** Labels kept when the bar is too narrow for everything: a crashed run's restart, help and quit first, then the essentials. */
const PRIORITY = ['restart', 'help', 'quit', 'pause', 'panel', 'close', 'run', 'cancel', 'save with note', 'save without note', 'queue', 'mark', 'edit'];

/** As many items as fit in `width`, chosen by priority (then order), shown in their original order. */
export function fitItems(items: BarItem[], width: number): BarItem[] {
  const rank = (it: BarItem, i: number) => {
    const p = PRIORITY.indexOf(it.label);
    return p >= 0 ? p : PRIORITY.length + i;
  };
  const byPriority = items.map((it, i) => ({ it, i, r: rank(it, i) })).sort((a, b) => a.r - b.r);
  const keep = new Set<number>();
  let used = 0;
  for (const { it, i } of byPriority) {
    const w = it.keys.length + 1 + it.label.length + (keep.size ? 2 : 0);
    if (used + w > width) continue;
    keep.add(i);
    used += w;
  }
  return items.filter((_, i) => keep.has(i));
}

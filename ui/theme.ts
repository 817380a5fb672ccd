/**
 * Colour roles -> Ink colour names per theme. With colour off every role is undefined, so components
 * pass `color={c.accent}` and print plain text under NO_COLOR without a second code path.
 */
import type { DisplaySettings, RunStatus } from './state/types.js';

export interface ThemeColors {
  accent?: string;
  muted?: string;
  good?: string;
  bad?: string;
  warn?: string;
  guided?: string;
  unguided?: string;
  focus?: string;
}

const DARK: ThemeColors = {
  accent: 'cyan',
  muted: 'gray',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  guided: 'magenta',
  unguided: 'blue',
  focus: 'cyanBright',
};
const LIGHT: ThemeColors = { accent: 'blue', muted: 'gray', good: 'green', bad: 'red', warn: 'magenta', guided: 'magenta', unguided: 'blue', focus: 'blue' };

export function themeColors(display: Pick<DisplaySettings, 'color' | 'theme'>): ThemeColors {
  if (!display.color || display.theme === 'mono') return {};
  return display.theme === 'light' ? LIGHT : DARK;
}

export function statusColor(status: RunStatus, c: ThemeColors): string | undefined {
  switch (status) {
    case 'running':
      return c.good;
    case 'paused':
    case 'stopping':
      return c.warn;
    case 'evaluating':
      return c.accent;
    case 'crashed':
      return c.bad;
    default:
      return c.muted;
  }
}

const STATUS_GLYPH: Record<RunStatus, [string, string]> = {
  waiting: ['…', '...'],
  running: ['▶', '>'],
  paused: ['‖', '||'],
  stopping: ['◼', '#'],
  stopped: ['■', '[]'],
  crashed: ['✖', 'X'],
  evaluating: ['◆', '*'],
};

export function statusGlyph(status: RunStatus, ascii: boolean): string {
  return STATUS_GLYPH[status][ascii ? 1 : 0];
}

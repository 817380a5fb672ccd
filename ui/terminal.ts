/**
 * What the terminal can draw. ASCII mode (no block characters or box glyphs) when asked for in the
 * preferences or with THINKTUNE_ASCII=1, and on TERM=dumb or the Linux console (whose fonts lack the
 * eighth blocks). No colour when NO_COLOR is set to anything non-empty (https://no-color.org),
 * on TERM=dumb, or with the 'mono' theme.
 */
import type { DisplaySettings } from './state/types.js';

export function detectDisplay(
  env: Record<string, string | undefined>,
  prefs: { ascii: boolean; theme: DisplaySettings['theme']; layout: DisplaySettings['layout'] },
): DisplaySettings {
  const term = env.TERM ?? '';
  const ascii = prefs.ascii || env.THINKTUNE_ASCII === '1' || term === 'dumb' || term === 'linux';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const color = !noColor && term !== 'dumb' && prefs.theme !== 'mono';
  return { ascii, color, theme: prefs.theme, layout: prefs.layout };
}

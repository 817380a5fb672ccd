/** Short, fixed-width friendly number formats for the header, charts and plain output. */

// Metric values and durations share one definition with the plain progress lines (src/trainer/print.ts).
export { formatDuration, formatMemory, formatMetric } from '../src/trainer/number-format.js';
// Step indices (0-based, as events and run files hold them) are shown 1-based, like the plain lines.
export { stepNumber } from '../src/trainer/print.js';

/** Cut `s` to `width` columns, ending with '…' (or '.' in ASCII mode) when cut. */
export function fit(s: string, width: number, ascii = false): string {
  if (width <= 0) return '';
  if (s.length <= width) return s;
  return s.slice(0, Math.max(0, width - 1)) + (ascii ? '.' : '…');
}

const ASCII_SUBSTITUTES: Record<string, string> = { '–': '-', '…': '.', '·': '-', '│': '|', '→': '->', '←': '<-' };

/** Replace the few non-ASCII characters these formats use, for terminals that cannot draw them. */
export function toAscii(s: string): string {
  return s.replace(/[–…·│→←]/g, (c) => ASCII_SUBSTITUTES[c] ?? c);
}

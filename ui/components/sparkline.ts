/**
 * Sparklines as text. A series longer than the width is averaged into `width` buckets (so the whole
 * kept history is visible, oldest left); a shorter one is right-aligned so the newest value sits at
 * the right edge. Missing values (null, NaN, infinities) leave a gap.
 * Blocks use the eight eighth-height characters; ASCII mode uses five levels `_.-=^`.
 */
export const BLOCK_LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
export const ASCII_LEVELS = ['_', '.', '-', '=', '^'] as const;
/** Fill below the top of a multi-row ASCII sparkline. */
const ASCII_FILL = '|';

export interface SparkOptions {
  ascii?: boolean;
  /** Fixed vertical scale [min, max] (e.g. shared by the reward charts); default: the series' own. */
  range?: [number, number] | null;
}

type Value = number | null | undefined;
const finite = (v: Value): v is number => typeof v === 'number' && Number.isFinite(v);

/** Average `values` into at most `width` buckets (bucket i covers an equal share of the series). */
export function resample(values: readonly Value[], width: number): (number | null)[] {
  if (width <= 0) return [];
  if (values.length <= width) return values.map((v) => (finite(v) ? v : null));
  const out: (number | null)[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    let sum = 0;
    let n = 0;
    for (let j = from; j < to; j++) {
      const v = values[j];
      if (finite(v)) {
        sum += v;
        n++;
      }
    }
    out.push(n ? sum / n : null);
  }
  return out;
}

/** [min, max] of the finite values, or null when there are none. */
export function extent(values: readonly Value[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (finite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The [min, max] a sparkline of `width` columns is drawn against: `range` if given, else the extent of what is drawn. */
export function shownRange(values: readonly Value[], width: number, range?: [number, number] | null): [number, number] | null {
  return range ?? extent(resample(values, width));
}

/**
 * A y-axis number in at most 5 characters or so: two significant digits ('0.53', '-1.2', '120',
 * '1.2k', '3.4M', '1e-5'), enough to read the scale of a sparkline.
 */
export function axisNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${trim((v / 1e6).toPrecision(2))}M`;
  if (a >= 1e3) return `${trim((v / 1e3).toPrecision(2))}k`;
  if (a >= 100) return String(Math.round(v));
  if (a < 1e-3) return v.toExponential(0);
  return trim(v.toPrecision(2));
}

/**
 * The two ends of a y-axis, written to the precision the span needs ('0–0.6' rather than '2e-6–0.6',
 * '0.02–0.48'), so the scale reads at a glance; very large, tiny or flat ranges fall back to axisNumber.
 */
export function axisPair([lo, hi]: [number, number]): [string, string] {
  const span = hi - lo;
  if (!(span >= 1e-3) || Math.max(Math.abs(lo), Math.abs(hi)) >= 1e4) return [axisNumber(lo), axisNumber(hi)];
  const digits = Math.max(0, 1 - Math.floor(Math.log10(span)));
  const fixed = (v: number) => trim(v.toFixed(digits)).replace(/^-0$/, '0');
  return [fixed(lo), fixed(hi)];
}

/** '0.50' -> '0.5', '12' stays. */
const trim = (s: string): string => (s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s);

/**
 * `height` text rows (top first), each exactly `width` characters.
 * A value maps to a level in [1, height * L] (L = levels per row), so the minimum still shows a mark.
 */
export function sparklineRows(values: readonly Value[], width: number, height = 1, options: SparkOptions = {}): string[] {
  const levels: readonly string[] = options.ascii ? ASCII_LEVELS : BLOCK_LEVELS;
  const L = levels.length;
  const cols = resample(values, width);
  const range = options.range ?? extent(cols);
  const rows = Array.from({ length: height }, () => ' '.repeat(width - cols.length));
  for (const v of cols) {
    const total = v === null || !range ? 0 : scale(v, range, height * L);
    for (let r = 0; r < height; r++) {
      const fromBottom = height - 1 - r;
      const fill = Math.min(L, Math.max(0, total - fromBottom * L)); // 0..L levels in this row
      let ch = ' ';
      if (fill > 0) ch = options.ascii && fill === L && total > (fromBottom + 1) * L ? ASCII_FILL : levels[fill - 1]!;
      rows[r] += ch;
    }
  }
  return rows;
}

export function sparkline(values: readonly Value[], width: number, options: SparkOptions = {}): string {
  return sparklineRows(values, width, 1, options)[0]!;
}

/** Map v in [lo, hi] to an integer level 1..levels (a flat series sits in the middle). */
function scale(v: number, [lo, hi]: [number, number], levels: number): number {
  if (hi <= lo) return Math.ceil(levels / 2);
  const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  return 1 + Math.round(t * (levels - 1));
}

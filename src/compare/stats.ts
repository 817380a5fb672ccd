/**
 * The paired tests of a comparison, as pure functions (no I/O, no model): every method is compared
 * with a reference method on runs paired by seed (run.seed s of both saw the same prompts per step).
 *
 * - Over seeds: the paired differences d_s = a_s - b_s, their mean and sample sd, the paired t statistic
 *   t = mean / (sd / sqrt(n)) and its two-sided p from Student's t with n - 1 degrees of freedom.
 *   The t distribution's tail is the regularized incomplete beta function:
 *   P(|T| >= t) = I_{df / (df + t^2)}(df / 2, 1 / 2) (Abramowitz & Stegun 26.7.1 with 26.5.27).
 * - Per problem: McNemar's exact test on the discordant (seed, problem) pairs (one side right, the
 *   other wrong): under "no difference" each discordant pair goes either way with probability 1/2, so
 *   the two-sided p is min(1, 2 P(X <= min(b, c))) with X ~ Binomial(b + c, 1/2).
 * - Per problem, clustered: a paired bootstrap over problems. Each problem's difference is averaged over
 *   seeds first, then the problems are resampled with replacement (seeded), so a problem that every seed
 *   of one method gets right counts once, not once per seed; the 95% interval is the 2.5th and 97.5th
 *   percentiles of the resampled mean differences.
 * - Holm's step-down adjustment of several p values, for the "what it says" line.
 * - And the table's plain spread over seeds: mean, sample sd (n - 1), min and max.
 */
import { mulberry32 } from '../rl/rng.js';

export interface Spread {
  mean: number;
  /** Sample std over seeds; 0 for a deterministic method evaluated once; null with a single seed. */
  std: number | null;
  min: number;
  max: number;
  n: number;
}

/** mean, sample std (null when n < 2), min and max of `xs` (non-empty): a table cell. */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error('spread: no values');
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 coefficients; relative error ~1e-15). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma: x must be > 0, got ${x}`);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x); // reflection
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) return h;
  }
  return h; // converged to double precision long before this for the a, b a t test uses
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta: a and b must be > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean; above it use I_x(a, b) = 1 - I_{1-x}(b, a).
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p value of a t statistic with `df` degrees of freedom: P(|T| >= |t|). */
export function tTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tTwoSidedP: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

export interface PairedSeeds {
  /** Seeds paired (both runs finished). */
  n: number;
  /** Mean and sample sd (n - 1) of a_s - b_s; sd null when n < 2. */
  meanDiff: number;
  sdDiff: number | null;
  /** Paired t statistic; null when n < 2; +-Infinity when every difference is the same non-zero number. */
  t: number | null;
  df: number | null;
  /** Two-sided p; null when n < 2; 1 when every difference is 0. */
  p: number | null;
}

/** The paired t test of a against b (same length, index = seed). */
export function pairedT(a: readonly number[], b: readonly number[]): PairedSeeds {
  if (a.length !== b.length) throw new Error(`pairedT: ${a.length} values against ${b.length}; pair them by seed`);
  if (a.length === 0) throw new Error('pairedT: no pairs');
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  const meanDiff = d.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { n, meanDiff, sdDiff: null, t: null, df: null, p: null };
  const sdDiff = Math.sqrt(d.reduce((s, x) => s + (x - meanDiff) ** 2, 0) / (n - 1));
  // Differences that are all equal: no spread to test against. Equal and zero is no evidence at all.
  if (sdDiff < 1e-12 * Math.max(1, Math.abs(meanDiff))) {
    if (Math.abs(meanDiff) < 1e-15) return { n, meanDiff, sdDiff, t: 0, df: n - 1, p: 1 };
    return { n, meanDiff, sdDiff, t: Math.sign(meanDiff) * Infinity, df: n - 1, p: 0 };
  }
  const t = meanDiff / (sdDiff / Math.sqrt(n));
  return { n, meanDiff, sdDiff, t, df: n - 1, p: tTwoSidedP(t, n - 1) };
}

/** ln C(n, k). */
function lnChoose(n: number, k: number): number {
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
}

export interface McNemar {
  /** Pairs where a is right and b wrong. */
  aOnly: number;
  /** Pairs where b is right and a wrong. */
  bOnly: number;
  /** Pairs compared (concordant ones included). */
  pairs: number;
  /** Exact two-sided p (1 when there is no discordant pair). */
  p: number;
}

/** McNemar's exact test from the two discordant counts. */
export function mcnemarExact(aOnly: number, bOnly: number, pairs = aOnly + bOnly): McNemar {
  for (const [k, v] of [
    ['aOnly', aOnly],
    ['bOnly', bOnly],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`mcnemarExact: ${k} must be a whole number >= 0, got ${v}`);
  }
  const n = aOnly + bOnly;
  const k = Math.min(aOnly, bOnly);
  if (n === 0) return { aOnly, bOnly, pairs, p: 1 };
  // P(X <= k), summed in log space: 0.5^n underflows past n = 1074.
  const logs = Array.from({ length: k + 1 }, (_, i) => lnChoose(n, i) - n * Math.LN2);
  const top = Math.max(...logs);
  const tail = Math.exp(top) * logs.reduce((s, l) => s + Math.exp(l - top), 0);
  return { aOnly, bOnly, pairs, p: Math.min(1, 2 * tail) };
}

/** McNemar over paired 0/1 outcomes: a[s][j] against b[s][j] (seed s, problem j). */
export function mcnemarPaired(a: readonly (readonly boolean[])[], b: readonly (readonly boolean[])[]): McNemar {
  if (a.length !== b.length) throw new Error(`mcnemarPaired: ${a.length} seeds against ${b.length}`);
  let aOnly = 0;
  let bOnly = 0;
  let pairs = 0;
  a.forEach((row, s) => {
    if (row.length !== b[s].length) throw new Error(`mcnemarPaired: seed ${s} has ${row.length} problems against ${b[s].length}`);
    row.forEach((x, j) => {
      pairs++;
      if (x && !b[s][j]) aOnly++;
      else if (!x && b[s][j]) bOnly++;
    });
  });
  return mcnemarExact(aOnly, bOnly, pairs);
}

/** The q-quantile of sorted values (linear interpolation between order statistics, R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface Bootstrap {
  /** Mean over problems of the seed-averaged difference a - b (the accuracy difference). */
  diff: number;
  /** 95% percentile interval of the resampled differences. */
  low: number;
  high: number;
  draws: number;
  seed: number;
}

/**
 * Paired bootstrap over problems: a[s][j], b[s][j] are 0/1 (or any score) of seed s on problem j. The
 * problems are resampled, never the seeds (the seed-level test covers those).
 */
export function pairedBootstrap(a: readonly (readonly number[])[], b: readonly (readonly number[])[], o: { draws?: number; seed?: number } = {}): Bootstrap {
  const draws = o.draws ?? 10000;
  const seed = o.seed ?? 0;
  if (a.length === 0 || a.length !== b.length) throw new Error(`pairedBootstrap: ${a.length} seeds against ${b.length}; pair them by seed`);
  const P = a[0].length;
  if (P === 0 || a.some((r) => r.length !== P) || b.some((r) => r.length !== P))
    throw new Error('pairedBootstrap: every seed needs the same problems, at least one');
  const d = Array.from({ length: P }, (_, j) => a.reduce((s, row, k) => s + row[j] - b[k][j], 0) / a.length);
  const diff = d.reduce((s, x) => s + x, 0) / P;
  const rng = mulberry32(seed);
  const stats = new Float64Array(draws);
  for (let i = 0; i < draws; i++) {
    let sum = 0;
    for (let j = 0; j < P; j++) sum += d[Math.floor(rng() * P)];
    stats[i] = sum / P;
  }
  const sorted = Array.from(stats).sort((x, y) => x - y);
  return { diff, low: quantile(sorted, 0.025), high: quantile(sorted, 0.975), draws, seed };
}

/** Holm's step-down adjusted p values, in the order given (nulls stay null and do not count). */
export function holm(ps: readonly (number | null)[]): (number | null)[] {
  const order = ps
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: number; i: number } => x.p !== null && !Number.isNaN(x.p))
    .sort((x, y) => x.p - y.p);
  const m = order.length;
  const out: (number | null)[] = ps.map(() => null);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

// The comparison's paired tests (src/compare/stats.ts) against numbers worked by hand or read from
// published tables: the incomplete beta, Student's t tails, the paired t test, McNemar's exact test,
// the paired bootstrap over problems, Holm's adjustment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holm, lnGamma, mcnemarExact, mcnemarPaired, pairedBootstrap, pairedT, quantile, regularizedBeta, tTwoSidedP } from '../../src/compare/stats.js';

const near = (got: number, want: number, tol: number, what = '') => assert.ok(Math.abs(got - want) <= tol, `${what} ${got} vs ${want}`);

test('lnGamma: factorials and Gamma(1/2) = sqrt(pi)', () => {
  near(lnGamma(1), 0, 1e-14);
  near(lnGamma(5), Math.log(24), 1e-13);
  near(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  near(lnGamma(101), 363.73937555556347, 1e-9, 'ln 100!');
});

test('regularizedBeta: closed forms I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1-(1-x)^b, I_0.5(a,a) = 1/2', () => {
  for (const x of [0, 0.1, 0.37, 0.9, 1]) near(regularizedBeta(x, 1, 1), x, 1e-14, `x=${x}`);
  near(regularizedBeta(0.3, 3, 1), 0.027, 1e-14);
  near(regularizedBeta(0.3, 1, 4), 1 - 0.7 ** 4, 1e-14);
  for (const a of [0.5, 2, 7.5, 40]) near(regularizedBeta(0.5, a, a), 0.5, 1e-12, `a=${a}`);
  assert.throws(() => regularizedBeta(1.2, 1, 1), /x must be in \[0, 1\]/);
});

test("Student's t tails: the tables' 5% and 1% points, and the closed forms for 1 and 2 degrees of freedom", () => {
  near(tTwoSidedP(2.262, 9), 0.05, 2e-4, 't=2.262 df=9');
  near(tTwoSidedP(2.262157, 9), 0.05, 1e-6, 't=2.262157 df=9');
  near(tTwoSidedP(3.249836, 9), 0.01, 1e-6, 't=3.2498 df=9');
  near(tTwoSidedP(12.7062, 1), 0.05, 1e-5, 'df=1');
  near(tTwoSidedP(2.042272, 30), 0.05, 1e-6, 'df=30');
  near(tTwoSidedP(2.364624, 7), 0.05, 1e-6, 'df=7');
  // df = 1 is Cauchy: p = 1 - (2/pi) atan|t|; df = 2: p = 1 - |t| / sqrt(t^2 + 2).
  for (const t of [0.3, 1, 4]) {
    near(tTwoSidedP(t, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `cauchy t=${t}`);
    near(tTwoSidedP(-t, 2), 1 - t / Math.sqrt(t * t + 2), 1e-12, `df2 t=${t}`);
  }
  assert.equal(tTwoSidedP(0, 5), 1);
  assert.equal(tTwoSidedP(Infinity, 5), 0);
});

test('pairedT: a hand-worked three-seed example', () => {
  // d = [0.02, 0.01, 0.05]: mean 0.08/3, sd sqrt(0.00086667 / 2), t = mean / (sd / sqrt 3), df 2.
  const r = pairedT([0.72, 0.71, 0.75], [0.7, 0.7, 0.7]);
  const mean = 0.08 / 3;
  const sd = Math.sqrt(((0.02 - mean) ** 2 + (0.01 - mean) ** 2 + (0.05 - mean) ** 2) / 2);
  near(r.meanDiff, mean, 1e-12);
  near(r.sdDiff!, sd, 1e-12);
  near(r.sdDiff!, 0.020817, 1e-6);
  near(r.t!, 2.2188, 1e-4);
  assert.equal(r.df, 2);
  near(r.p!, 1 - r.t! / Math.sqrt(r.t! ** 2 + 2), 1e-12);
  near(r.p!, 0.1567, 1e-4);
  // One seed: no spread, no test; identical differences: no spread to test against.
  assert.deepEqual(pairedT([0.5], [0.4]), { n: 1, meanDiff: 0.09999999999999998, sdDiff: null, t: null, df: null, p: null });
  assert.equal(pairedT([0.5, 0.6], [0.5, 0.6]).p, 1);
  const same = pairedT([0.6, 0.7], [0.5, 0.6]);
  assert.equal(same.p, 0);
  assert.equal(same.t, Infinity);
  assert.throws(() => pairedT([1, 2], [1]), /pair them by seed/);
});

test("McNemar's exact test: binomial tails worked by hand", () => {
  // b = 1, c = 6: n = 7, P(X <= 1) = (1 + 7) / 128, p = 2 x 0.0625.
  near(mcnemarExact(1, 6).p, 0.125, 1e-12);
  near(mcnemarExact(6, 1).p, 0.125, 1e-12);
  // b = 0, c = 5: 2 / 32.
  near(mcnemarExact(0, 5).p, 0.0625, 1e-12);
  // b = 2, c = 10: 2 x (1 + 12 + 66) / 4096.
  near(mcnemarExact(2, 10).p, (2 * 79) / 4096, 1e-12);
  assert.equal(mcnemarExact(4, 4).p, 1);
  assert.equal(mcnemarExact(0, 0).p, 1);
  // Thousands of discordant pairs: no underflow (0.5^2000 is 0 in doubles). 1000 vs 1100: z ~ 2.18, p ~ 0.03.
  const big = mcnemarExact(1000, 1100);
  assert.ok(big.p > 0.02 && big.p < 0.04, `p ${big.p}`);
  const paired = mcnemarPaired(
    [
      [true, false, true],
      [false, false, true],
    ],
    [
      [false, false, true],
      [true, true, true],
    ],
  );
  assert.deepEqual([paired.aOnly, paired.bOnly, paired.pairs], [1, 2, 6]);
  near(paired.p, 1, 1e-12);
});

test('pairedBootstrap: problems resampled, seeds averaged first; seeded', () => {
  // d per problem: problem 0 = (1 - 0 + 1 - 0) / 2 = 1, problem 1 = 0. Means of two draws: 0, 0.5, 1
  // with chances 1/4, 1/2, 1/4, so the 2.5th percentile is 0, the 97.5th is 1.
  const a = [
    [1, 1],
    [1, 1],
  ];
  const b = [
    [0, 1],
    [0, 1],
  ];
  const r = pairedBootstrap(a, b, { draws: 10000, seed: 7 });
  assert.equal(r.diff, 0.5);
  assert.deepEqual([r.low, r.high], [0, 1]);
  assert.deepEqual(pairedBootstrap(a, b, { draws: 500, seed: 7 }), pairedBootstrap(a, b, { draws: 500, seed: 7 }));
  // Every problem the same difference: the interval is that point.
  const flat = pairedBootstrap([[1, 1, 1]], [[0, 0, 0]]);
  assert.deepEqual([flat.diff, flat.low, flat.high, flat.draws], [1, 1, 1, 10000]);
  assert.throws(() => pairedBootstrap([[1]], [[1, 0]]), /same problems/);
});

test('quantile (type 7) and Holm', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([5], 0.975), 5);
  // p = 0.01, 0.04, 0.03 -> sorted x3, x2, x1 = 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06.
  const adj = holm([0.01, 0.04, null, 0.03]);
  near(adj[0]!, 0.03, 1e-12);
  near(adj[1]!, 0.06, 1e-12);
  assert.equal(adj[2], null);
  near(adj[3]!, 0.06, 1e-12);
});

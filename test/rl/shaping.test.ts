import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aasGamma, aasTokenLoss, aasWeightTable, luffyTokenLoss, ppoClipTokenLoss } from '../../src/rl/shaping.js';

/** The formula with ordered clamp bounds (gamma = A / 4000); the default is the released code's. */
const AW = { gamma: 'as-written' } as const;
import { mulberry32 } from '../../src/rl/rng.js';

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

/** Central finite difference of f at x. */
function fd(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('aasGamma (as-written)', () => {
  it('is gMin + (gMax - gMin)(aMax - A)/(aMax - aMin) = A / 4000 with the defaults', () => {
    close(aasGamma(4, AW), 0.001); // 0.001 + (-0.002)(0)/8
    close(aasGamma(-4, AW), -0.001); // 0.001 + (-0.002)(8)/8
    close(aasGamma(0, AW), 0); // 0.001 - 0.002 * 4/8
    close(aasGamma(2, AW), 0.0005); // 0.001 - 0.002 * 2/8; the released code's reversed clamp gave -0.001 here
    close(aasGamma(-1, AW), -0.00025); // 0.001 - 0.002 * 5/8
  });

  it('clamps to the ordered bounds [min(gMin,gMax), max(gMin,gMax)]', () => {
    close(aasGamma(10, AW), 0.001); // formula: 0.001 - 0.002 * (-6/8) = 0.0025
    close(aasGamma(-10, AW), -0.001); // formula: 0.001 - 0.002 * 14/8 = -0.0025
  });

  it('takes other settings', () => {
    close(aasGamma(0.25, { gMin: 0, gMax: 0.1, aMin: 0, aMax: 1, ...AW }), 0.075); // 0 + 0.1 * 0.75 / 1
    assert.throws(() => aasGamma(0, { aMin: 1, aMax: 1 }), /aMax > aMin/);
  });
});

describe('aasTokenLoss (as-written)', () => {
  it('shapes: loss = -A p / (p + gamma), d/dp = -A / (p + gamma)', () => {
    const pos = aasTokenLoss(0.5, 2, AW); // gamma 0.0005, d = 0.5005
    assert.equal(pos.mode, 'shaped');
    close(pos.loss, -1 / 0.5005); // -2 * 0.5 / 0.5005 = -1.998002
    close(pos.dLossDp, -2 / 0.5005); // -3.996004
    close(pos.dLossDlogp, -1 / 0.5005); // dp/dlogp = p
    const neg = aasTokenLoss(0.5, -2, AW); // gamma -0.0005, d = 0.4995: amplified
    close(neg.loss, 1 / 0.4995); // 2 * 0.5 / 0.4995 = 2.002002
    close(neg.dLossDp, 2 / 0.4995);
    const edge = aasTokenLoss(0.01, -1, AW); // p = 0.01 is not below the fallback threshold
    assert.equal(edge.mode, 'shaped');
    close(edge.loss, 0.01 / 0.00975); // gamma -0.00025, d = 0.00975: 1.025641
  });

  it('guards p + gamma > 1 with the denominator p / 0.9999', () => {
    const out = aasTokenLoss(0.9995, 4, AW); // gamma 0.001, p + gamma = 1.0005
    assert.equal(out.mode, 'guard-above-one');
    close(out.denominator!, 0.9995 / 0.9999);
    close(out.loss, -4 * 0.9999); // -A p / (p / 0.9999)
    close(out.dLossDp, (-4 * 0.9999) / 0.9995); // -4.001601
  });

  it('guards p + gamma <= 0 with the denominator p / 1.0001 (reachable only with the fallback off)', () => {
    const out = aasTokenLoss(0.0005, -4, { fallbackBelowP: 0, ...AW }); // gamma -0.001, p + gamma = -0.0005
    assert.equal(out.mode, 'guard-negative');
    close(out.loss, 4 * 1.0001); // 4.0004
    close(out.dLossDp, (4 * 1.0001) / 0.0005); // 8000.8
    assert.equal(aasTokenLoss(0.001, -4, { fallbackBelowP: 0, ...AW }).mode, 'guard-negative'); // p + gamma = 0 exactly
  });

  it('falls back to the clipped loss for A < 0 and p < 0.01', () => {
    const onPolicy = aasTokenLoss(0.005, -1, AW); // old logp defaults to log p: ratio 1
    assert.equal(onPolicy.mode, 'fallback');
    close(onPolicy.loss, 1); // -A * ratio
    close(onPolicy.dLossDlogp, 1); // -A * ratio
    close(onPolicy.dLossDp, 200); // 1 / p
    const clipped = aasTokenLoss(0.005, -1, { oldLogp: Math.log(0.01), ...AW }); // ratio 0.5 < 0.8, A < 0: low clip
    close(clipped.loss, 0.8);
    assert.equal(clipped.dLossDlogp, 0);
    assert.equal(aasTokenLoss(0.005, 1, AW).mode, 'shaped'); // positive advantages never fall back
  });

  it('is zero for zero advantage and rejects probabilities outside (0, 1]', () => {
    assert.equal(aasTokenLoss(0.3, 0, AW).loss + 0, 0);
    assert.throws(() => aasTokenLoss(0, 1, AW), /\(0, 1\]/);
    assert.throws(() => aasTokenLoss(1.2, 1, AW), /\(0, 1\]/);
  });

  it('has gradients matching finite differences of the surrogate with the denominator frozen', () => {
    const rng = mulberry32(11);
    for (let i = 0; i < 200; i++) {
      const p = 0.002 + 0.997 * rng();
      const A = -5 + 10 * rng();
      const out = aasTokenLoss(p, A, AW);
      if (out.mode === 'fallback') continue;
      const d = out.denominator!; // stopgrad: a constant while differentiating
      close(
        fd((q) => (-A * q) / d, p),
        out.dLossDp,
        1e-6,
      );
      close(
        fd((l) => (-A * Math.exp(l)) / d, Math.log(p)),
        out.dLossDlogp,
        1e-6,
      );
    }
  });
});

describe("aasGamma and aasTokenLoss ('released', the default: the authors' clamp order)", () => {
  it('pins gamma to gMax = -0.001 for every advantage (torch.clamp with min > max returns max)', () => {
    for (const A of [-10, -4, -1, 0, 1.79, 4, 10]) close(aasGamma(A), -0.001);
    close(aasGamma(2, { gamma: 'released' }), -0.001); // as-written: 0.0005
  });

  it('agrees with as-written when the bounds are ordered (gMin <= gMax)', () => {
    const o = { gMin: 0, gMax: 0.1, aMin: 0, aMax: 1 };
    close(aasGamma(0.25, { ...o, gamma: 'released' }), 0.075);
    close(aasGamma(2, { ...o, gamma: 'released' }), 0); // formula -0.1, clamped to [0, 0.1]
    close(aasGamma(2, { ...o, gamma: 'as-written' }), 0);
    assert.throws(() => aasGamma(0, { gamma: 'sideways' as never }), /as-written' or 'released/);
  });

  it('guards rare tokens of a succeeded rollout to weight ~1 and amplifies p = 0.002 twofold', () => {
    const rare = aasTokenLoss(1e-5, 1.79); // p + gamma = -0.00099 < 0: denominator p / 1.0001
    assert.equal(rare.mode, 'guard-negative');
    close(rare.dLossDlogp, -1.79 * 1.0001); // -A * p / (p / 1.0001)
    const mid = aasTokenLoss(0.002, 1.79); // d = 0.001
    assert.equal(mid.mode, 'shaped');
    close(mid.dLossDlogp, -1.79 * 2); // -A * 0.002 / 0.001
  });

  it('has gradients matching finite differences of the surrogate with the denominator frozen', () => {
    const rng = mulberry32(12);
    for (let i = 0; i < 200; i++) {
      const p = 0.002 + 0.997 * rng();
      const A = -5 + 10 * rng();
      const out = aasTokenLoss(p, A);
      if (out.mode === 'fallback') continue;
      close(
        fd((l) => (-A * Math.exp(l)) / out.denominator!, Math.log(p)),
        out.dLossDlogp,
        1e-6,
      );
    }
  });
});

describe('aasWeightTable: p / d, the teacher-token learning rate relative to REINFORCE', () => {
  const ps = [1e-6, 1e-5, 1e-4, 0.001, 0.002, 0.01, 0.1, 1];
  const weights = (o: Parameters<typeof aasWeightTable>[2]) => aasWeightTable(1.79, ps, o).map((r) => r.weight);

  it('as-written, A = 1.79 (gamma = 0.0004475): 0.022 at p = 1e-5, 0.0022 at p = 1e-6', () => {
    const t = aasWeightTable(1.79, ps, AW);
    t.forEach((r) => close(r.gamma, 0.0004475));
    const w = t.map((r) => r.weight);
    close(w[0], 1e-6 / 0.0004485); // 0.0022297
    close(w[1], 1e-5 / 0.0004575); // 0.021858
    assert.equal(w[0].toFixed(4), '0.0022');
    assert.equal(w[1].toFixed(3), '0.022');
    close(w[3], 0.001 / 0.0014475); // 0.6908
    close(w[6], 0.1 / 0.1004475); // 0.99554
    for (let i = 1; i < w.length; i++) assert.ok(w[i] > w[i - 1], 'rising towards 1');
    assert.ok(
      w.every((x) => x < 1),
      'positive gamma only damps',
    );
  });

  it("released, A = 1.79 (gamma = -0.001): ~1 below p = 0.001 (the guard's p / 1.0001), 2.0 at 0.002, then towards 1", () => {
    const t = aasWeightTable(1.79, ps, {});
    t.forEach((r) => close(r.gamma, -0.001));
    assert.deepEqual(
      t.map((r) => r.mode),
      ['guard-negative', 'guard-negative', 'guard-negative', 'guard-negative', 'shaped', 'shaped', 'shaped', 'shaped'],
    );
    const w = weights({});
    for (const x of w.slice(0, 4)) close(x, 1.0001); // p + gamma <= 0 (p = 0.001 exactly: 0)
    close(w[4], 2); // 0.002 / 0.001
    close(w[5], 0.01 / 0.009); // 1.1111
    close(w[6], 0.1 / 0.099); // 1.0101
    close(w[7], 1 / 0.999); // 1.001
    for (let i = 5; i < w.length; i++) assert.ok(w[i] < w[i - 1] && w[i] > 1, 'falling towards 1 from above');
  });

  it('a failed rollout (A = -1.79) falls back to the on-policy clipped loss (weight 1) below p = 0.01 in both modes', () => {
    for (const o of [AW, {}]) {
      const t = aasWeightTable(-1.79, [1e-5, 0.005], o);
      assert.deepEqual(
        t.map((r) => [r.mode, r.weight]),
        [
          ['fallback', 1],
          ['fallback', 1],
        ],
      );
    }
    close(aasWeightTable(-1.79, [0.02], {})[0].weight, 0.02 / 0.019); // released: amplified 1.0526
    close(aasWeightTable(-1.79, [0.02], AW)[0].weight, 0.02 / (0.02 - 1.79 / 4000)); // as-written: 1.0229
  });
});

describe('luffyTokenLoss', () => {
  it('is -A p / (p + 0.1) with d/dp = -A 0.1 / (p + 0.1)^2', () => {
    const out = luffyTokenLoss(0.3, 1);
    close(out.loss, -0.75); // -0.3 / 0.4
    close(out.dLossDp, -0.625); // -0.1 / 0.16
    close(out.dLossDlogp, -0.1875); // -0.625 * 0.3
    close(luffyTokenLoss(0.3, 1, 0.2).loss, -0.6); // -0.3 / 0.5
  });

  it('has gradients matching finite differences (no stop-gradient)', () => {
    const rng = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const p = 0.01 + 0.98 * rng();
      const A = -5 + 10 * rng();
      const out = luffyTokenLoss(p, A);
      close(
        fd((q) => luffyTokenLoss(q, A).loss, p),
        out.dLossDp,
        1e-6,
      );
      close(
        fd((l) => luffyTokenLoss(Math.exp(l), A).loss, Math.log(p)),
        out.dLossDlogp,
        1e-6,
      );
    }
  });
});

describe('ppoClipTokenLoss (verl compute_policy_loss, eps 0.2, dual clip 3)', () => {
  const at = (ratio: number, A: number, opts = {}) => ppoClipTokenLoss(Math.log(ratio), 0, A, opts);

  it('is -A ratio inside the trust region', () => {
    const out = at(1.1, 1);
    assert.equal(out.clipped, 'none');
    close(out.loss, -1.1);
    close(out.dLossDlogp, -1.1); // d(-A e^logp)/dlogp = -A ratio
    close(at(1, 2).loss, -2);
  });

  it('clips high for A > 0 and ratio > 1.2, low for A < 0 and ratio < 0.8', () => {
    const high = at(1.5, 1);
    assert.equal(high.clipped, 'high');
    close(high.loss, -1.2); // -A (1 + 0.2)
    assert.equal(high.dLossDlogp, 0);
    const low = at(0.5, -1);
    assert.equal(low.clipped, 'low');
    close(low.loss, 0.8); // -A (1 - 0.2)
    assert.equal(low.dLossDlogp, 0);
  });

  it('does not clip the side that makes the loss worse (pessimistic bound)', () => {
    const out = at(0.5, 1); // A > 0, ratio low: min(0.5, 0.8) * A is kept
    assert.equal(out.clipped, 'none');
    close(out.loss, -0.5);
    close(out.dLossDlogp, -0.5);
    const neg = at(2, -1); // A < 0, ratio high but below c = 3
    assert.equal(neg.clipped, 'none');
    close(neg.loss, 2);
    close(neg.dLossDlogp, 2);
  });

  it('dual-clips A < 0 at -A c once ratio > c', () => {
    const out = at(4, -1);
    assert.equal(out.clipped, 'dual');
    close(out.loss, 3); // min(-A * 4, -A * 3)
    assert.equal(out.dLossDlogp, 0);
    const off = at(4, -1, { dualClip: null });
    assert.equal(off.clipped, 'none');
    close(off.loss, 4);
    assert.throws(() => at(1, -1, { dualClip: 1 }), /must be > 1/);
  });

  it('takes asymmetric clip ranges', () => {
    close(at(1.5, 1, { epsHigh: 0.28 }).loss, -1.28);
    close(at(0.5, -1, { epsLow: 0.1 }).loss, 0.9);
  });

  it('clamps the log-ratio at +-20 as verl does (no gradient beyond)', () => {
    const out = ppoClipTokenLoss(25, 0, -1, { dualClip: null });
    close(out.ratio, Math.exp(20));
    assert.equal(out.dLossDlogp, 0);
  });

  it('has gradients matching finite differences away from the kinks', () => {
    const rng = mulberry32(9);
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const oldLogp = -3 * rng();
      const logp = oldLogp + (rng() - 0.5) * 3; // ratios from ~0.22 to ~4.5
      const A = -3 + 6 * rng();
      const ratio = Math.exp(logp - oldLogp);
      if ([0.8, 1.2, 3].some((kink) => Math.abs(ratio - kink) < 1e-3)) continue;
      const out = ppoClipTokenLoss(logp, oldLogp, A);
      close(
        fd((l) => ppoClipTokenLoss(l, oldLogp, A).loss, logp),
        out.dLossDlogp,
        1e-6,
      );
      checked++;
    }
    assert.ok(checked > 450);
  });
});

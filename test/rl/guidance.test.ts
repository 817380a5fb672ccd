import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseGuided, guidanceDecaySteps, guidancePct } from '../../src/rl/guidance.js';

/** The paper's window: floor(totalSteps / 3) decay steps ('auto'). */
const auto = (totalSteps: number) => guidanceDecaySteps('auto', totalSteps);
import { mulberry32 } from '../../src/rl/rng.js';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

describe('guidancePct (defaults 0.10 -> 0.01 over floor(total/3), off at <= 0.06)', () => {
  it('starts at initPct and falls linearly', () => {
    // total 30 -> decay over 10 steps, slope (0.01 - 0.10) / 10 = -0.009 per step
    close(guidancePct(0, auto(30)), 0.1);
    close(guidancePct(1, auto(30)), 0.091); // 0.10 - 0.009
    close(guidancePct(4, auto(30)), 0.064); // 0.10 - 0.036, still above 0.06
  });

  it('switches the teacher off once pct <= 0.06, and it stays off', () => {
    assert.equal(guidancePct(5, auto(30)), 0); // 0.10 - 0.045 = 0.055 <= 0.06
    assert.equal(guidancePct(10, auto(30)), 0); // end of decay: 0.01
    assert.equal(guidancePct(29, auto(30)), 0); // beyond
    assert.equal(guidancePct(500, auto(30)), 0);
  });

  it('counts pct exactly at the threshold as off despite float error', () => {
    // total 27 -> decay 9 steps; step 4: 0.10 - 0.09 * 4 / 9 = 0.06 (0.06000000000000001 in floats)
    assert.equal(guidancePct(4, auto(27)), 0);
    close(guidancePct(3, auto(27)), 0.07); // 0.10 - 0.03
  });

  it('reaches minPct at step floor(total/3) and holds it when never switched off', () => {
    const never = { offThreshold: -1 };
    close(guidancePct(0, auto(31), never), 0.1); // decay floor(31/3) = 10 steps
    close(guidancePct(5, auto(31), never), 0.055); // halfway: (0.10 + 0.01) / 2
    close(guidancePct(10, auto(31), never), 0.01);
    close(guidancePct(30, auto(31), never), 0.01);
  });

  it('is at minPct from the start when there are fewer than 3 steps (no decay window)', () => {
    close(guidancePct(0, auto(2), { offThreshold: -1 }), 0.01);
    assert.equal(guidancePct(0, auto(2)), 0); // 0.01 <= 0.06: off
  });

  it('stays off for a rising schedule that started below the threshold', () => {
    const rising = { initPct: 0.05, minPct: 0.2, offThreshold: 0.06 };
    assert.equal(guidancePct(0, auto(30), rising), 0);
    assert.equal(guidancePct(9, auto(30), rising), 0); // 0.05 + 0.15 * 0.9 = 0.185, but it was switched off at step 0
  });

  it('rejects bad arguments with a how-to-fix message', () => {
    assert.throws(() => guidancePct(-1, auto(10)), /integer >= 0/);
    assert.throws(() => guidancePct(1.5, auto(10)), /integer >= 0/);
    assert.throws(() => guidancePct(0, auto(0)), /Total steps/);
    assert.throws(() => guidancePct(0, -1), /decay steps must be an integer >= 0/);
    assert.throws(() => guidanceDecaySteps(0, 10), /'auto' or an integer >= 1/);
    assert.throws(() => guidancePct(0, auto(10), { initPct: 1.5 }), /initPct must be a fraction/);
    assert.throws(() => guidancePct(0, auto(10), { offThreshold: NaN }), /offThreshold/);
  });
});

describe('guidanceDecaySteps: the window guidancePct takes', () => {
  it("'auto' is floor(totalSteps / 3), a number is itself", () => {
    assert.deepEqual([1, 2, 3, 30, 31, 150].map(auto), [0, 0, 1, 10, 10, 50]);
    assert.equal(guidanceDecaySteps(7, 150), 7);
  });

  it('gives the schedule the old (step, 3 x decaySteps) call gave, step for step', () => {
    // The old guidancePct(step, totalSteps), written out: defaults, decay over floor(totalSteps / 3);
    // guidance.decaySteps = d was passed to it as 3d. The window is now passed as itself.
    const old = (step: number, totalSteps: number) => {
      const D = Math.floor(totalSteps / 3);
      const at = (s: number) => (D <= 0 ? 0.01 : 0.1 + (0.01 - 0.1) * (Math.min(s, D) / D));
      return Math.min(at(step), at(0)) <= 0.06 + 1e-12 ? 0 : at(step);
    };
    for (const total of [1, 2, 3, 27, 30, 31, 150]) {
      for (let step = 0; step < total + 2; step++) assert.equal(guidancePct(step, guidanceDecaySteps('auto', total)), old(step, total));
    }
    for (const d of [1, 4, 9, 10, 50]) {
      for (let step = 0; step < 3 * d + 2; step++) assert.equal(guidancePct(step, guidanceDecaySteps(d, 1)), old(step, 3 * d));
    }
  });
});

describe('chooseGuided', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('chooses k = max(1, floor(n * pct))', () => {
    const rng = mulberry32(1);
    assert.equal(chooseGuided(range(5), 0.1, rng).length, 1); // floor(0.5) = 0 -> at least 1
    assert.equal(chooseGuided(range(20), 0.1, rng).length, 2); // floor(2)
    assert.equal(chooseGuided(range(10), 0.29, rng).length, 2); // floor(2.9)
    assert.equal(chooseGuided(range(100), 0.29, rng).length, 29); // 100 * 0.29 = 28.999999999999996 in floats
    assert.deepEqual(chooseGuided(range(4), 1, rng), [0, 1, 2, 3]);
  });

  it('chooses nothing when pct is 0 or nothing is eligible', () => {
    assert.deepEqual(chooseGuided(range(5), 0, mulberry32(1)), []);
    assert.deepEqual(chooseGuided([], 0.5, mulberry32(1)), []);
  });

  it('returns distinct eligible indices in ascending order', () => {
    const eligible = [9, 2, 14, 5, 7, 11];
    const picked = chooseGuided(eligible, 0.5, mulberry32(3));
    assert.equal(picked.length, 3);
    assert.equal(new Set(picked).size, 3);
    assert.ok(picked.every((i) => eligible.includes(i)));
    assert.deepEqual(
      picked,
      [...picked].sort((a, b) => a - b),
    );
  });

  it('draws from the rng as a partial Fisher-Yates shuffle', () => {
    assert.deepEqual(
      chooseGuided([7, 3, 9], 0.1, () => 0),
      [7],
    ); // j = 0 + floor(0 * 3) = 0
    assert.deepEqual(
      chooseGuided([7, 3, 9], 0.1, () => 0.999),
      [9],
    ); // j = floor(0.999 * 3) = 2
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const rng = mulberry32(seed);
      return Array.from({ length: 5 }, () => chooseGuided(range(8), 0.25, rng));
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  it('is uniform: each of 4 rollouts is picked about a quarter of the time', () => {
    const rng = mulberry32(7);
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < 4000; t++) counts[chooseGuided(range(4), 0.25, rng)[0]]++;
    // binomial(4000, 1/4): mean 1000, sd ~27; 150 is > 5 sd
    for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`);
  });
});

describe('mulberry32', () => {
  /** The published mulberry32, verbatim in spirit, as the reference for our refactored version. */
  function reference(seed: number): () => number {
    let a = seed;
    return () => {
      a |= 0;
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('matches the published algorithm and stays in [0, 1)', () => {
    for (const seed of [0, 1, 42, 0xffffffff, -5]) {
      const ours = mulberry32(seed);
      const ref = reference(seed);
      for (let i = 0; i < 1000; i++) {
        const x = ours();
        assert.equal(x, ref());
        assert.ok(x >= 0 && x < 1);
      }
    }
  });

  it('resumes the same sequence from a saved state', () => {
    const rng = mulberry32(123);
    for (let i = 0; i < 10; i++) rng();
    const saved = rng.getState();
    const next = [rng(), rng(), rng()];
    const restored = mulberry32(999);
    restored.setState(saved);
    assert.deepEqual([restored(), restored(), restored()], next);
    assert.throws(() => restored.setState(-1), /integer in \[0, 2\^32 - 1\]/);
    assert.throws(() => mulberry32(0.5), /seed must be an integer/);
  });
});

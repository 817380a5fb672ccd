import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupAdvantages, standardDeviation } from '../../src/rl/advantages.js';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

function closeAll(actual: number[][], expected: number[][]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i].length);
    row.forEach((x, j) => close(x, expected[i][j]));
  });
}

describe('standardDeviation', () => {
  it('divides by N - 1 (sample, torch .std()) or N (population)', () => {
    // [1, 0, 0, 1]: mean 0.5, squared deviations 4 * 0.25 = 1
    close(standardDeviation([1, 0, 0, 1], 'sample'), Math.sqrt(1 / 3));
    close(standardDeviation([1, 0, 0, 1], 'population'), Math.sqrt(1 / 4));
    assert.equal(standardDeviation([7], 'sample'), 0); // fewer than two values
    assert.equal(standardDeviation([7], 'population'), 0);
  });
});

describe('groupAdvantages', () => {
  it("'group' (default, sample std): A = (r - mean_group) / (std_group + 1e-6)", () => {
    const { advantages, stats } = groupAdvantages([
      [1, 0, 0, 1], // mean 0.5, std sqrt(1/3) = 0.57735...
      [1, 1, 1, 1], // mean 1, std 0: no signal
    ]);
    const a = 0.5 / (Math.sqrt(1 / 3) + 1e-6); // = 0.866024...
    closeAll(advantages, [
      [a, -a, -a, a],
      [0, 0, 0, 0],
    ]);
    close(stats.reward!, 6 / 8); // mean of all rewards
    close(stats.rewardStd!, (Math.sqrt(1 / 3) + 0) / 2); // mean of the group stds
    assert.equal(stats.fracRewardZeroStd, 0.5); // one group of two is flat
    assert.deepEqual(stats.groupMeans, [0.5, 1]);
  });

  it("stdKind 'population' divides by N", () => {
    const { advantages } = groupAdvantages([[1, 0, 0, 1]], 'group', 1e-6, 'population');
    const a = 0.5 / (0.5 + 1e-6); // population std of [1,0,0,1] is 0.5
    closeAll(advantages, [[a, -a, -a, a]]);
  });

  it("'batch' centres per group but divides by the std over the whole batch", () => {
    // batch [1, 0, 1, 1]: mean 0.75, squared deviations .0625 + .5625 + .0625 + .0625 = .75, / 3 = .25, std .5
    const { advantages, stats } = groupAdvantages(
      [
        [1, 0],
        [1, 1],
      ],
      'batch',
    );
    const a = 0.5 / (0.5 + 1e-6); // group 1: mean 0.5, deviations +-0.5
    closeAll(advantages, [
      [a, -a],
      [0, 0],
    ]);
    close(stats.batchStd!, 0.5);
  });

  it("'none' only centres", () => {
    closeAll(
      groupAdvantages(
        [
          [3, 1],
          [2, 2],
        ],
        'none',
      ).advantages,
      [
        [1, -1],
        [0, 0],
      ],
    ); // means 2 and 2
  });

  it('leaves null rewards out of the statistics and gives them advantage 0', () => {
    const { advantages, stats } = groupAdvantages([[1, null, 0]]);
    const a = 0.5 / (Math.sqrt(0.5) + 1e-6); // [1, 0]: mean .5, sample std sqrt((.25 + .25) / 1)
    closeAll(advantages, [[a, 0, -a]]);
    close(stats.reward!, 0.5);
  });

  it('handles an all-null group and a one-rollout group', () => {
    const { advantages, stats } = groupAdvantages([[null, null], [5], [1, 0]]);
    const a = 0.5 / (Math.sqrt(0.5) + 1e-6);
    closeAll(advantages, [[0, 0], [0], [a, -a]]);
    assert.deepEqual(stats.groupMeans, [null, 5, 0.5]);
    assert.deepEqual(
      stats.groupStds.map((s) => (s === null ? null : +s.toFixed(6))),
      [null, 0, 0.707107],
    );
    close(stats.rewardStd!, Math.sqrt(0.5) / 2); // groups with rewards: std 0 and sqrt(.5)
    assert.equal(stats.fracRewardZeroStd, 0.5);
    close(stats.reward!, 2); // (5 + 1 + 0) / 3
  });

  it('reports null statistics when nothing was scored', () => {
    const { advantages, stats } = groupAdvantages([[null], [null]]);
    assert.deepEqual(advantages, [[0], [0]]);
    assert.equal(stats.reward, null);
    assert.equal(stats.rewardStd, null);
    assert.equal(stats.batchStd, null);
    assert.equal(stats.fracRewardZeroStd, 0);
  });

  it('does not divide 0 by 0 when eps is 0 and a group is flat', () => {
    assert.deepEqual(groupAdvantages([[1, 1]], 'group', 0).advantages, [[0, 0]]);
  });

  it('rejects bad settings and non-finite rewards with a how-to-fix message', () => {
    assert.throws(() => groupAdvantages([[1]], 'grouped' as never), /use group, batch or none/);
    assert.throws(() => groupAdvantages([[1]], 'group', 1e-6, 'biased' as never), /use population or sample/);
    assert.throws(() => groupAdvantages([[1, NaN]]), /not finite/);
    assert.throws(() => groupAdvantages([[1]], 'group', -1), /eps must be >= 0/);
  });
});

// The policy loss as the mini-batched update uses it: normalisers of a mini-batch (Dr. GRPO's constant
// divisor counts every row), tallies that add up across updates, the ratio per token, and the AAS
// gamma modes inside a batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTallies, buildPolicyLoss, emptyTally, tallyMetrics, type PolicyBatch } from '../../src/rl/policy-loss.js';

function close(actual: number, expected: number, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

const flat = (m: number[][]) => Float32Array.from(m.flat());

function batch(completion: number[][], logp: number[][], old: number[][], adv: number[], teacher?: number[][]): { b: PolicyBatch; logp: Float32Array } {
  const b: PolicyBatch = {
    B: completion.length,
    T: completion[0].length,
    completionMask: flat(completion),
    teacherMask: flat(teacher ?? completion.map((r) => r.map(() => 0))),
    oldLogp: flat(old),
    advantages: Float32Array.from(adv),
  };
  return { b, logp: flat(logp) };
}

describe("Dr. GRPO's 'seq-mean-token-sum-norm': a constant divisor", () => {
  // Row 0: 2 loss tokens, A = 1; row 1: a truncated rollout under maskTruncated, no loss tokens; row 2:
  // 1 loss token, A = -0.5. On-policy, so loss_t = -A: the token sum is -1 - 1 + 0.5 = -1.5.
  const rows = [
    [1, 1, 0],
    [0, 0, 0],
    [1, 0, 0],
  ];
  const lp = [
    [-1, -2, 0],
    [-1, -1, -1],
    [-0.5, 0, 0],
  ];
  const { b, logp } = batch(rows, lp, lp, [1, 0.7, -0.5]);

  it('divides by every row x L, the empty one included, not by the rows with loss tokens', () => {
    const out = buildPolicyLoss(b, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 4 }).lossFn(logp);
    close(out.loss, (-1 - 1 + 0.5) / (3 * 4)); // -0.125
    close(out.dLogp[0], -1 / 12);
  });

  it("as a part of a bigger mini-batch, takes the mini-batch's row count (normalizers.rows), never its non-empty count", () => {
    const part = { ...b, normalizers: { tokens: 10, sequences: 2, rows: 8 } };
    close(buildPolicyLoss(part, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 4 }).lossFn(logp).loss, -1.5 / (8 * 4));
    // seq-mean-token-mean keeps dividing by the rows with loss tokens: (-2/2 + 0.5/1) / 2
    close(buildPolicyLoss(part, { lossType: 'seq-mean-token-mean' }).lossFn(logp).loss, -0.25);
    close(buildPolicyLoss(part, { lossType: 'token-mean' }).lossFn(logp).loss, -1.5 / 10);
    assert.throws(
      () => buildPolicyLoss({ ...b, normalizers: { rows: 2 } }, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 4 }),
      /normalizers\.rows must be an integer >= this batch's 3 rows/,
    );
  });
});

describe('tallies: the metrics of several updates, summed then divided', () => {
  it('tallyMetrics(a + b) is the metrics of the two batches side by side', () => {
    // Batch 1: A = 1, ratios 1.5 (high clip) and 1.1; batch 2: A = -1, ratios 0.5 (low clip), 4 (dual), 1.
    const one = batch([[1, 1]], [[Math.log(0.6), Math.log(0.55)]], [[Math.log(0.4), Math.log(0.5)]], [1]);
    const two = batch([[1, 1, 1]], [[Math.log(0.1), Math.log(0.8), Math.log(0.3)]], [[Math.log(0.2), Math.log(0.2), Math.log(0.3)]], [-1]);
    const s1 = buildPolicyLoss(one.b).stats(one.logp);
    const s2 = buildPolicyLoss(two.b).stats(two.logp);
    assert.deepEqual([s1.tally.high, s1.tally.low, s1.tally.ordinary], [1, 0, 2]);
    assert.deepEqual([s2.tally.high, s2.tally.low, s2.tally.dual, s2.tally.ordinary], [0, 1, 1, 3]);
    const m = tallyMetrics(addTallies(s1.tally, s2.tally));
    close(m['clip_ratio/high_mean'], 1 / 5);
    close(m['clip_ratio/low_mean'], 1 / 5);
    close(m['clip_ratio/region_mean'], 2 / 5);
    close(m['clip_ratio/dual'], 1 / 5);
    close(m['loss/unguided']!, (-1.2 - 1.1 + 0.8 + 3 + 1) / 5); // high clip holds -A * 1.2; low 0.8; dual -A * c = 3
    assert.equal(m.kl, null);
    assert.deepEqual(tallyMetrics(emptyTally())['clip_ratio/region_mean'], 0);
    // The ratio of every clipped-loss token, for the update's records.
    close(s1.ratio[0], 1.5);
    close(s2.ratio[1], 4);
  });
});

describe('AAS in a batch: the gamma modes', () => {
  // One guided row, A = 2, p = [0.5, 0.002]: as-written gamma = 0.0005, released gamma = -0.001.
  const lp = [[Math.log(0.5), Math.log(0.002)]];
  const { b, logp } = batch([[1, 1]], lp, lp, [2], [[1, 1]]);

  it("'released' (the default): weight 1 / (p - 0.001), 2x at p = 0.002", () => {
    const s = buildPolicyLoss(b).stats(logp);
    close(s.teacherTokenWeight[0], 1 / 0.499);
    close(s.teacherTokenWeight[1], 1 / 0.001);
    const out = buildPolicyLoss(b).lossFn(logp);
    close(out.dLogp[1], (-2 * 0.002) / 0.001 / 2); // -A p / d, token-mean over 2: relative weight 2
  });

  it("'as-written': weight 1 / (p + 0.0005), the rare token damped to 0.8x", () => {
    const s = buildPolicyLoss(b, { gamma: 'as-written' }).stats(logp);
    close(s.teacherTokenWeight[0], 1 / 0.5005);
    close(s.teacherTokenWeight[1], 1 / 0.0025);
    assert.throws(() => buildPolicyLoss(b, { gamma: 'ordered' as never }), /Unknown AAS gamma mode "ordered"/);
  });
});

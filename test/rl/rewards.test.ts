import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupAdvantages } from '../../src/rl/advantages.js';
import {
  BUILTIN_REWARDS,
  RewardError,
  builtinReward,
  combineRewards,
  firstAnswerReward,
  groundTruthAnswer,
  mathAnswerReward,
  rewardMetrics,
  terminationReward,
  type RewardContext,
  type RewardFn,
} from '../../src/rl/rewards.js';

function ctx(over: Partial<RewardContext>): RewardContext {
  return { prompt: 'What is 6*7?', completion: '6*7 = 42, so \\boxed{42}', answer: '42', terminated: true, sample: {}, ...over };
}

describe('mathAnswerReward', () => {
  it('is 1 for a terminated response whose last box matches', () => {
    assert.equal(mathAnswerReward(ctx({})), 1);
    assert.equal(mathAnswerReward(ctx({ completion: 'I think \\boxed{41}. Wait, no: \\boxed{42.0}' })), 1);
    assert.equal(mathAnswerReward(ctx({ completion: 'so the answer is\n#### 42' })), 1);
  });

  it('is 0 when the last box is wrong, even if an earlier one was right', () => {
    assert.equal(mathAnswerReward(ctx({ completion: '\\boxed{42} hmm, actually \\boxed{43}' })), 0);
  });

  it('is 0 when there is no final answer', () => {
    assert.equal(mathAnswerReward(ctx({ completion: 'it is 42' })), 0);
  });

  it('is 0 unless the response ended with exactly one end token', () => {
    assert.equal(mathAnswerReward(ctx({ terminated: false })), 0); // truncated
    assert.equal(mathAnswerReward(ctx({ endTokenCount: 2 })), 0); // two end tokens
    assert.equal(mathAnswerReward(ctx({ endTokenCount: 0 })), 0);
    assert.equal(mathAnswerReward(ctx({ endTokenCount: 1 })), 1);
  });

  it('reads GSM8K and MATH style ground truths', () => {
    assert.equal(groundTruthAnswer('6 groups of 7: 6*7=42\n#### 42'), '42');
    assert.equal(groundTruthAnswer('so $\\boxed{\\frac{1}{2}}$'), '\\frac{1}{2}');
    assert.equal(groundTruthAnswer('  7 '), '7');
    assert.equal(mathAnswerReward(ctx({ answer: 'Natalia sold 48/2 = 24 clips.\n#### 1,042', completion: '\\boxed{1042}' })), 1);
  });

  it('is null (unscorable) without a ground truth', () => {
    assert.equal(mathAnswerReward(ctx({ answer: '' })), null);
    assert.equal(mathAnswerReward(ctx({ answer: '   ' })), null);
  });
});

describe('terminationReward', () => {
  it('is 1 only for a terminated rollout with one end token', () => {
    assert.equal(terminationReward(ctx({})), 1); // count unknown: terminated decides
    assert.equal(terminationReward(ctx({ endTokenCount: 1 })), 1);
    assert.equal(terminationReward(ctx({ endTokenCount: 2 })), 0);
    assert.equal(terminationReward(ctx({ terminated: false, endTokenCount: 1 })), 0);
  });
});

describe('combineRewards', () => {
  const half: RewardFn = () => 0.5;
  const none: RewardFn = () => null;

  it('sums weight * value over the non-null functions', () => {
    const out = combineRewards(
      [
        { name: 'math_answer', fn: mathAnswerReward, weight: 1 },
        { name: 'termination', fn: terminationReward, weight: 0.5 },
        { name: 'half', fn: half, weight: -2 },
        { name: 'none', fn: none, weight: 10 },
      ],
      ctx({}),
    );
    assert.deepEqual(out.perFunction, { math_answer: 1, termination: 1, half: 0.5, none: null });
    assert.equal(out.total, 0.5); // 1*1 + 0.5*1 + (-2)*0.5 = 0.5; the null one is skipped
  });

  it('is null when every function is null or the list is empty', () => {
    assert.equal(combineRewards([{ name: 'none', fn: none, weight: 1 }], ctx({})).total, null);
    assert.equal(combineRewards([], ctx({})).total, null);
  });

  it('rejects non-finite rewards and duplicate names with a how-to-fix message', () => {
    assert.throws(() => combineRewards([{ name: 'bad', fn: () => NaN, weight: 1 }], ctx({})), { name: 'RewardError', message: /finite number or null/ });
    assert.throws(
      () =>
        combineRewards(
          [
            { name: 'a', fn: half, weight: 1 },
            { name: 'a', fn: half, weight: 1 },
          ],
          ctx({}),
        ),
      { name: 'RewardError', message: /distinct name/ },
    );
  });

  it("lets a reward function's error through unchanged", () => {
    const err = new RewardError('reward x (./x.mjs) returned "abc" for a completion; return a finite number or null');
    const fn: RewardFn = () => {
      throw err;
    };
    assert.throws(
      () =>
        combineRewards(
          [
            { name: 'ok', fn: half, weight: 1 },
            { name: 'x', fn, weight: 1 },
          ],
          ctx({}),
        ),
      (e) => e === err,
    );
  });
});

describe('firstAnswerReward', () => {
  const repaired = '12 + 3 = 15\nThe answer is \\boxed{15}.\n\nWait... 12 x 3 is 36.\n\nSo the answer is \\boxed{36}.';
  const broken = '12 x 3 = 36\nThe answer is \\boxed{36}.\n\nWait... 12 + 3 is 15.\n\nSo the answer is \\boxed{15}.';

  it('scores the answer before the reflection, where accuracy scores the last one', () => {
    assert.equal(firstAnswerReward(ctx({ completion: repaired, answer: '36' })), 0);
    assert.equal(mathAnswerReward(ctx({ completion: repaired, answer: '36' })), 1);
    assert.equal(firstAnswerReward(ctx({ completion: broken, answer: '36' })), 1);
    assert.equal(mathAnswerReward(ctx({ completion: broken, answer: '36' })), 0);
  });

  it('is 0 when truncated, null without a ground truth, and equals accuracy on one-box answers', () => {
    assert.equal(firstAnswerReward(ctx({ terminated: false })), 0);
    assert.equal(firstAnswerReward(ctx({ answer: '' })), null);
    for (const completion of ['\\boxed{42}', '\\boxed{41}', 'so #### 42', 'no box']) {
      assert.equal(firstAnswerReward(ctx({ completion })), mathAnswerReward(ctx({ completion })));
    }
  });

  it('leaves plain GRPO advantages unchanged when added to accuracy (one box per answer)', () => {
    // One group of five one-box answers to "What is 6*7?": accuracy alone vs accuracy + 0.5 first_answer.
    const group = ['\\boxed{42}', '\\boxed{41}', '\\boxed{42}', 'none', '\\boxed{40}'].map((completion) => ctx({ completion }));
    const alone = group.map((c) => combineRewards([{ name: 'accuracy', fn: mathAnswerReward, weight: 1 }], c).total);
    const both = group.map(
      (c) =>
        combineRewards(
          [
            { name: 'accuracy', fn: mathAnswerReward, weight: 1 },
            { name: 'first_answer', fn: firstAnswerReward, weight: 0.5 },
          ],
          c,
        ).total,
    );
    assert.deepEqual(
      both,
      alone.map((r) => r! * 1.5),
    );
    const a = groupAdvantages([alone]).advantages[0];
    const b = groupAdvantages([both]).advantages[0];
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-5, `rollout ${i}: ${x} vs ${b[i]}`));
  });
});

describe('BUILTIN_REWARDS', () => {
  it('maps names to the built-in functions', () => {
    assert.equal(BUILTIN_REWARDS.math_answer, mathAnswerReward);
    assert.equal(BUILTIN_REWARDS.termination, terminationReward);
    assert.equal(BUILTIN_REWARDS.first_answer, firstAnswerReward);
    assert.equal(builtinReward('math_answer'), mathAnswerReward);
    // 'accuracy' is the config's default name for the paper's reward.
    assert.equal(builtinReward('accuracy'), mathAnswerReward);
    assert.throws(() => builtinReward('acuracy'), /use one of accuracy, math_answer, termination/);
  });
});

describe('rewardMetrics', () => {
  it("gives TRL's rewards/<name>/mean and /std: nulls skipped, sample (n - 1) std, null without values", () => {
    const rows: Record<string, number | null>[] = [{ a: 1, b: null }, { a: 3, b: 2 }, { a: null, b: null }, { a: 5 }];
    const m = rewardMetrics(rows, ['a', 'b', 'c']);
    assert.deepEqual(Object.keys(m), ['rewards/a/mean', 'rewards/a/std', 'rewards/b/mean', 'rewards/b/std', 'rewards/c/mean', 'rewards/c/std']);
    // a over [1, 3, 5]: mean 3; squared deviations 4 + 0 + 4 = 8, / (3 - 1) = 4, std 2 (the population std would be sqrt(8/3) = 1.63).
    assert.equal(m['rewards/a/mean'], 3);
    assert.equal(m['rewards/a/std'], 2);
    // b has one value (TRL's nanstd: 0 * 1/0 = NaN): mean 2, std null. c has none (a missing key counts as null).
    assert.equal(m['rewards/b/mean'], 2);
    assert.equal(m['rewards/b/std'], null);
    assert.equal(m['rewards/c/mean'], null);
    assert.equal(m['rewards/c/std'], null);
  });

  it('works fractional values out as by hand, and is empty for no names', () => {
    // [0.5, 1.5, 1]: mean 1; squared deviations 0.25 + 0.25 + 0 = 0.5, / 2 = 0.25, std 0.5.
    const m = rewardMetrics([{ r: 0.5 }, { r: 1.5 }, { r: 1 }], ['r']);
    assert.equal(m['rewards/r/mean'], 1);
    assert.equal(m['rewards/r/std'], 0.5);
    // All equal: std 0 (not null).
    assert.equal(rewardMetrics([{ r: 1 }, { r: 1 }], ['r'])['rewards/r/std'], 0);
    assert.deepEqual(rewardMetrics([{ r: 1 }], []), {});
    assert.deepEqual(rewardMetrics([], ['r']), { 'rewards/r/mean': null, 'rewards/r/std': null });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUILTIN_REWARDS,
  builtinReward,
  combineRewards,
  groundTruthAnswer,
  mathAnswerReward,
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
    assert.throws(() => combineRewards([{ name: 'bad', fn: () => NaN, weight: 1 }], ctx({})), /finite number or null/);
    assert.throws(
      () => combineRewards([{ name: 'a', fn: half, weight: 1 }, { name: 'a', fn: half, weight: 1 }], ctx({})),
      /distinct name/,
    );
  });
});

describe('BUILTIN_REWARDS', () => {
  it('maps names to the built-in functions', () => {
    assert.equal(BUILTIN_REWARDS.math_answer, mathAnswerReward);
    assert.equal(BUILTIN_REWARDS.termination, terminationReward);
    assert.equal(builtinReward('math_answer'), mathAnswerReward);
    // 'accuracy' is the config's default name for the paper's reward.
    assert.equal(builtinReward('accuracy'), mathAnswerReward);
    assert.throws(() => builtinReward('acuracy'), /use one of accuracy, math_answer, termination/);
  });
});

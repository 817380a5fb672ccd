// The one mapping from the config to the loss and the update (src/trainer/settings.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig } from '../../src/config/train-config.js';
import { DEFAULT_POLICY_LOSS_CONFIG } from '../../src/rl/policy-loss.js';
import { lossSettings, updateSettings } from '../../src/trainer/settings.js';

test("the config's defaults are the policy loss's defaults (the paper's), with L = grpo.maxNewTokens", () => {
  assert.deepEqual(lossSettings(DEFAULT_TRAIN_CONFIG), { ...DEFAULT_POLICY_LOSS_CONFIG, maxCompletionTokens: DEFAULT_TRAIN_CONFIG.grpo.maxNewTokens });
});

test('every loss setting follows its config key', () => {
  const c = parseTrainConfig({
    grpo: {
      lossType: 'seq-mean-token-sum-norm',
      maxNewTokens: 77,
      epsLow: 0.1,
      epsHigh: 0.28,
      dualClip: 5,
      beta: 0.04,
      miniBatches: 4,
      numIterations: 2,
      temperature: 0.7,
    },
    guidance: { shaping: 'luffy', gMin: 0.002, gMax: -0.003, aMin: -2, aMax: 3, gamma: 'as-written', fallbackP: 0.05, luffyGamma: 0.2 },
  });
  assert.deepEqual(lossSettings(c), {
    lossType: 'seq-mean-token-sum-norm',
    maxCompletionTokens: 77,
    epsLow: 0.1,
    epsHigh: 0.28,
    dualClip: 5,
    beta: 0.04,
    shaping: 'luffy',
    gMin: 0.002,
    gMax: -0.003,
    aMin: -2,
    aMax: 3,
    gamma: 'as-written',
    fallbackP: 0.05,
    luffyGamma: 0.2,
  });
  const u = updateSettings(c, 3, 0);
  assert.deepEqual([u.miniBatches, u.numIterations, u.temperature, u.maxGradNorm, u.lr], [4, 2, 0.7, 1, c.optim.lr]);
  // The shuffle's stream depends on seed and step only.
  assert.equal(updateSettings(c, 3, 0).seed, u.seed);
  assert.notEqual(updateSettings(c, 4, 0).seed, u.seed);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRate } from '../../src/train/schedule.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

test('constant ignores warmup and total steps', () => {
  for (const step of [0, 5, 1000]) close(learningRate(step, { lr: 3e-4, schedule: 'constant', warmupSteps: 10, totalSteps: 20 }), 3e-4);
});

test('linear warmup ramps from lr/warmup at step 0 to lr at step warmup-1, then holds', () => {
  const opts = { lr: 1e-3, schedule: 'linear-warmup', warmupSteps: 10 } as const;
  close(learningRate(0, opts), 1e-4);
  close(learningRate(4, opts), 5e-4);
  close(learningRate(9, opts), 1e-3);
  close(learningRate(10, opts), 1e-3);
  close(learningRate(500, opts), 1e-3);
  close(learningRate(0, { ...opts, warmupSteps: 0 }), 1e-3);
});

test('cosine: warmup, peak, midpoint, floor at totalSteps and after', () => {
  const opts = { lr: 1.0, schedule: 'cosine', warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 } as const;
  close(learningRate(0, opts), 0.1);
  close(learningRate(9, opts), 1.0);
  close(learningRate(10, opts), 1.0); // decay starts at progress 0
  close(learningRate(35, opts), 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)));
  close(learningRate(60, opts), 0.55); // halfway: mean of lr and floor
  close(learningRate(110, opts), 0.1);
  close(learningRate(1000, opts), 0.1);
  // Default floor is 0, and no warmup starts at the peak.
  close(learningRate(0, { lr: 2, schedule: 'cosine', totalSteps: 4 }), 2);
  close(learningRate(2, { lr: 2, schedule: 'cosine', totalSteps: 4 }), 1);
  close(learningRate(4, { lr: 2, schedule: 'cosine', totalSteps: 4 }), 0);
});

test('cosine is non-increasing after warmup', () => {
  const opts = { lr: 1, schedule: 'cosine', warmupSteps: 3, totalSteps: 50 } as const;
  for (let s = 3; s < 60; s++) assert.ok(learningRate(s + 1, opts) <= learningRate(s, opts));
});

test('bad options fail with a message that names the field', () => {
  assert.throws(() => learningRate(-1, { lr: 1, schedule: 'constant' }), /step/);
  assert.throws(() => learningRate(0, { lr: NaN, schedule: 'constant' }), /lr/);
  assert.throws(() => learningRate(0, { lr: 1, schedule: 'step' as never }), /schedule must be one of/);
  assert.throws(() => learningRate(0, { lr: 1, schedule: 'cosine', warmupSteps: 10, totalSteps: 10 }), /totalSteps/);
  assert.throws(() => learningRate(0, { lr: 1, schedule: 'cosine' }), /totalSteps/);
  assert.throws(() => learningRate(0, { lr: 1, schedule: 'linear-warmup', warmupSteps: 1.5 }), /warmupSteps/);
  assert.throws(() => learningRate(0, { lr: 1, schedule: 'cosine', totalSteps: 5, minLrRatio: 2 }), /minLrRatio/);
});

// The one metric table (src/trainer/metrics.ts): how each kind of value is written, and that a run's
// step reports exactly its names (plus the per-reward-function ones), checked on a real tiny step.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { STEP_METRICS, formatStepMetric } from '../../src/trainer/metrics.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';

before(async () => {
  await useTestBackend();
});

test('values are written as the table says', () => {
  assert.equal(formatStepMetric('reward', 0.53125), '0.531');
  assert.equal(formatStepMetric('guidance/chosen', 8), '8');
  assert.equal(formatStepMetric('perf/step_time', 754), '12m 34s');
  assert.equal(formatStepMetric('mem/bytes', 18 * 2 ** 20), '18MB');
  assert.equal(formatStepMetric('kl', null), '–');
  assert.equal(formatStepMetric('kl', undefined, '-'), '-');
  assert.equal(formatStepMetric('loss', Number.NaN), 'NaN');
});

test("a real step reports exactly the table's names and one mean and std per reward function", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-metrics-'));
  try {
    const config = parseTrainConfig({
      model: { checkpoint: saveTinyModel(4) },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 2, maxNewTokens: 8 },
      run: { totalSteps: 1, saveEvery: 0, seed: 3 },
    });
    const trainer = await Trainer.create({ config, runDir: join(dir, 'run') });
    let names: string[] = [];
    try {
      for await (const e of trainer.run()) if (e.type === 'step') names = Object.keys(e.metrics);
    } finally {
      trainer.dispose();
    }
    const perReward = names.filter((k) => k.startsWith('rewards/'));
    assert.ok(perReward.length >= 2 && perReward.every((k) => /^rewards\/[^/]+\/(mean|std)$/.test(k)), perReward.join(', '));
    assert.deepEqual(names.filter((k) => !k.startsWith('rewards/')).sort(), Object.keys(STEP_METRICS).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

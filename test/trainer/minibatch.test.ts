// The update stage (src/trainer/update.ts) on a tiny model with hand-made rollouts: the mini-batch
// split, old log-probs from before the first step (so the second mini-batch is off-policy and the clip
// acts, checked against an independent replay), per-mini-batch normalisers, Dr. GRPO's constant
// divisor under maskTruncated, entropy over completion tokens only, the temperature, and a flat
// tensor count.
import { test, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { AdamW } from '../../src/train/optim.js';
import { packSequences, scorePacked, sequenceLogprobs } from '../../src/model/score.js';
import { DEFAULT_POLICY_LOSS_CONFIG } from '../../src/rl/policy-loss.js';
import { mulberry32 } from '../../src/rl/rng.js';
import { completionIds, type Rollout } from '../../src/trainer/rollout.js';
import { planMiniBatches, splitGroups, stepNormalizers, updatePolicy, type UpdateSettings } from '../../src/trainer/update.js';
import { lossTokensPerRow, packRollouts } from '../../src/trainer/pack.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { OracleTeacher } from './fakes.js';
import { rollout } from '../helpers/rollouts.js';

before(useTestBackend);

const V = 13;

function model(seed = 4): CausalLM {
  return CausalLM.init(presetConfig('tiny', V, { max_position_embeddings: 64 }), seed);
}

/** Two prompt groups of two rollouts; advantages of both signs, one guided rollout. */
function batch(): Rollout[] {
  return [
    rollout(0, 0, [2, 3], [4, 5, 6, 7], 1),
    rollout(0, 1, [2, 3], [8, 9], -1, { teacher: [10, 11, 12] }),
    rollout(1, 0, [3, 4, 5], [6, 6, 2, 9, 10], 0.8),
    rollout(1, 1, [3, 4, 5], [11, 7], -0.8),
  ];
}

function settings(over: Partial<UpdateSettings> = {}): UpdateSettings {
  return {
    loss: { ...DEFAULT_POLICY_LOSS_CONFIG },
    masks: { teacherMask: 'whole-response', maskTruncated: false },
    miniBatches: 2,
    numIterations: 1,
    temperature: 0.7,
    lr: 0.05,
    maxGradNorm: 1,
    padId: 0,
    seed: 9,
    ...over,
  };
}

const seqOf = (r: Rollout) => [...r.promptIds, ...completionIds(r)];

describe('splitGroups / planMiniBatches', () => {
  it('deals shuffled groups into near-equal mini-batches, the same for the same seed', () => {
    const a = splitGroups(7, 3, mulberry32(5));
    assert.deepEqual(
      a.map((m) => m.length),
      [3, 2, 2],
    );
    assert.deepEqual(
      a.flat().sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(splitGroups(7, 3, mulberry32(5)), a);
    const seeds = [1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(splitGroups(7, 3, mulberry32(s))));
    assert.ok(new Set(seeds).size > 1, 'the split depends on the seed');
  });

  it('keeps one mini-batch whole without drawing, and refuses more mini-batches than groups', () => {
    let draws = 0;
    assert.deepEqual(
      splitGroups(3, 1, () => (draws++, 0.5)),
      [[0, 1, 2]],
    );
    assert.equal(draws, 0);
    assert.throws(() => splitGroups(2, 4, mulberry32(1)), /grpo\.miniBatches \(4\) is more than the 2 prompt groups.*raise data\.promptsPerStep/);
  });

  it('maps groups to rollout indices, whole groups per mini-batch, a fresh split per pass', () => {
    const groupOf = [0, 0, 1, 1, 2, 2, 3, 3];
    const plan = planMiniBatches(groupOf, 2, 3, mulberry32(3));
    assert.equal(plan.length, 3);
    for (const pass of plan) {
      assert.deepEqual(
        pass.flat().sort((x, y) => x - y),
        [0, 1, 2, 3, 4, 5, 6, 7],
      );
      for (const mb of pass) for (const i of mb) assert.ok(mb.includes(i ^ 1), 'a group is never split');
    }
  });
});

test('mini-batches: old log-probs from before the first step, the second mini-batch off-policy, the clip counted', () => {
  const rollouts = batch();
  const s = settings();
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  // theta_0 log-probs at T = 0.7, scored independently of the update.
  const before0 = sequenceLogprobs(student, rollouts.map(seqOf), { temperature: 0.7 });
  const out = updatePolicy({ student, reference: null, optimizer: opt }, rollouts, s);
  assert.equal(out.updates.length, 2);
  assert.equal(opt.stepCount, 2, 'one AdamW step per mini-batch');
  const { T } = out.full.pack;
  const cm = out.full.batch.completionMask;
  // oldLogp is theta_0 at the sampling temperature for every rollout.
  before0.forEach((row, b) => row.forEach((lp, t) => assert.ok(Math.abs(out.oldLogp[b * T + t] - lp) < 1e-5, `old logp ${b},${t}`)));

  const [u0, u1] = out.updates;
  assert.deepEqual([...u0.rows, ...u1.rows].sort(), [0, 1, 2, 3]);
  // The first step is on-policy: ratio exactly 1 on its tokens.
  for (const b of u0.trained) for (let t = 0; t < T; t++) if (cm[b * T + t] && u0.ratio[b * T + t] !== 0) assert.equal(u0.ratio[b * T + t], 1);

  // Replay the first step on an identical model: theta_1, then score the second mini-batch there.
  const replay = model();
  const opt2 = new AdamW({ weightDecay: 0 });
  const first = u0.rows.map((b) => rollouts[b]);
  updatePolicy({ student: replay, reference: null, optimizer: opt2 }, first, { ...s, miniBatches: 1 });
  const theta1 = sequenceLogprobs(
    replay,
    u1.rows.map((b) => seqOf(rollouts[b])),
    { temperature: 0.7 },
  );
  let departed = 0;
  const clips = { low: 0, high: 0, ordinary: 0 };
  u1.rows.forEach((b, k) => {
    const A = rollouts[b].advantage;
    theta1[k].forEach((lp, t) => {
      const i = b * T + t;
      if (!cm[i]) return;
      assert.ok(Math.abs(u1.logp[i] - lp) < 1e-5, `the second step saw theta_1: ${u1.logp[i]} vs ${lp}`);
      const ratio = Math.exp(lp - before0[b][t]);
      if (Math.abs(ratio - 1) > 1e-3) departed++;
      if (out.full.batch.teacherMask[i]) return; // teacher tokens are shaped, not clipped
      clips.ordinary++;
      if (A > 0 && ratio > 1.2) clips.high++;
      if (A < 0 && ratio < 0.8) clips.low++;
      assert.ok(Math.abs(u1.ratio[i] - ratio) < 1e-4 * Math.max(1, ratio), `the recorded ratio ${b},${t}`);
    });
  });
  assert.ok(departed > 0, 'the second mini-batch is off-policy: its ratios are not 1');
  assert.ok(clips.low + clips.high > 0, `the clip acts (lr ${s.lr}): ${JSON.stringify(clips)}`);
  assert.equal(u1.tally.low, clips.low);
  assert.equal(u1.tally.high, clips.high);
  assert.equal(u1.tally.ordinary, clips.ordinary);
  // The step's fractions are over the ordinary tokens of both updates (the first one clips nothing).
  const ordinary = u0.tally.ordinary + u1.tally.ordinary;
  assert.equal(u0.tally.low + u0.tally.high, 0);
  assert.ok(Math.abs(out.policy!['clip_ratio/region_mean'] - (clips.low + clips.high) / ordinary) < 1e-12);
  assert.ok(Math.abs(out.policy!['clip_ratio/high_mean'] - clips.high / ordinary) < 1e-12);
  // Each step normalises by its own mini-batch's loss tokens.
  const lossTokens = lossTokensPerRow(out.full);
  for (const u of out.updates)
    assert.equal(
      u.normalizers.tokens,
      u.rows.reduce((n, b) => n + lossTokens[b], 0),
    );
  assert.ok(!out.skipped && Number.isFinite(out.loss) && Number.isFinite(out.gradNorm));
  [student, replay].forEach((m) => m.dispose());
  [opt, opt2].forEach((o) => o.dispose());
});

test('one mini-batch, one pass: a single on-policy step, ratio 1 everywhere, no clip', () => {
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  const out = updatePolicy({ student, reference: null, optimizer: opt }, batch(), settings({ miniBatches: 1 }));
  assert.equal(out.updates.length, 1);
  assert.equal(opt.stepCount, 1);
  assert.equal(out.policy!['clip_ratio/region_mean'], 0);
  const r = out.updates[0].ratio;
  for (let i = 0; i < r.length; i++) assert.ok(r[i] === 0 || r[i] === 1);
  student.dispose();
  opt.dispose();
});

test('numIterations passes each go through every mini-batch', () => {
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  const out = updatePolicy({ student, reference: null, optimizer: opt }, batch(), settings({ numIterations: 2 }));
  assert.deepEqual(
    out.updates.map((u) => [u.pass, u.miniBatch]),
    [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
  );
  assert.equal(opt.stepCount, 4);
  // Later passes are off-policy against the same theta_0 log-probs.
  assert.ok(out.updates[2].ratio.some((x) => x !== 0 && Math.abs(x - 1) > 1e-3));
  student.dispose();
  opt.dispose();
});

test("Dr. GRPO's divisor is the constant rows x maxCompletionTokens, truncated (masked) rows included", () => {
  const L = 16;
  const rollouts = [
    rollout(0, 0, [2, 3], [4, 5, 6], 1), // 3 student tokens + end = 4 loss tokens
    rollout(0, 1, [2, 3], [7, 8, 9, 10, 11], -0.5, { truncated: true }), // masked: no loss tokens
    rollout(0, 2, [2, 3], [12], -0.5), // 2 loss tokens
  ];
  const masks = { teacherMask: 'whole-response', maskTruncated: true } as const;
  const packed = packRollouts(rollouts, 0, masks);
  const n = stepNormalizers(lossTokensPerRow(packed), [0, 1, 2]);
  assert.deepEqual(n, { tokens: 6, sequences: 2, rows: 3 });
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  const out = updatePolicy(
    { student, reference: null, optimizer: opt },
    rollouts,
    settings({
      miniBatches: 1,
      masks,
      loss: { ...DEFAULT_POLICY_LOSS_CONFIG, lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: L },
    }),
  );
  // On-policy, so each loss token contributes -A: (4 * -1 + 2 * 0.5) / (3 rows * 16), not / (2 * 16).
  assert.ok(Math.abs(out.loss - (-4 + 1) / (3 * L)) < 1e-9, `loss ${out.loss}`);
  student.dispose();
  opt.dispose();
});

test('entropy: the sampling policy over completion tokens only, split guided / unguided', () => {
  const rollouts = batch();
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  // Independent: entropy at every position of theta_0 at T = 0.7, averaged by hand over completion targets.
  const pack = packSequences(rollouts.map(seqOf), 0);
  const h = scorePacked(student, pack, { temperature: 0.7 }).tokenEntropy!;
  const sums = { all: [0, 0], guided: [0, 0], unguided: [0, 0], prompt: [0, 0] };
  rollouts.forEach((r, b) => {
    for (let t = 0; t < pack.T; t++) {
      if (!pack.mask[b * pack.T + t]) continue;
      const x = h[b * pack.T + t];
      const kinds: (keyof typeof sums)[] = t >= r.promptIds.length - 1 ? ['all', r.guided ? 'guided' : 'unguided'] : ['prompt'];
      for (const k of kinds) {
        sums[k][0] += x;
        sums[k][1]++;
      }
    }
  });
  const m = (k: keyof typeof sums) => sums[k][0] / sums[k][1];
  const out = updatePolicy({ student, reference: null, optimizer: opt }, rollouts, settings());
  assert.equal(
    sums.all[1],
    rollouts.reduce((n, r) => n + completionIds(r).length, 0),
  );
  assert.ok(Math.abs(out.entropy.all! - m('all')) < 1e-5);
  assert.ok(Math.abs(out.entropy.guided! - m('guided')) < 1e-5);
  assert.ok(Math.abs(out.entropy.unguided! - m('unguided')) < 1e-5);
  const withPrompts = (sums.all[0] + sums.prompt[0]) / (sums.all[1] + sums.prompt[1]);
  assert.ok(Math.abs(out.entropy.all! - withPrompts) > 1e-4, 'prompt tokens would change it: the mask matters');
  student.dispose();
  opt.dispose();
});

test('score-only rows (advantage 0) are scored once and still count in their mini-batch', () => {
  const rollouts = batch().map((r) => (r.group === 1 ? { ...r, advantage: 0 } : r));
  const student = model();
  const opt = new AdamW({ weightDecay: 0 });
  const out = updatePolicy({ student, reference: null, optimizer: opt }, rollouts, settings());
  const idle = out.updates.find((u) => u.rows.includes(2))!;
  assert.deepEqual(idle.trained, []);
  assert.ok(idle.tally.ordinary > 0, 'its tokens are in the clip fractions');
  assert.equal(opt.stepCount, 2, 'a mini-batch with nothing to train still steps (zero gradient), as torch would');
  student.dispose();
  opt.dispose();
});

test('the tensor count stays flat across steps with mini-batches, passes and a reference model', () => {
  const student = model();
  const reference = model(4);
  const opt = new AdamW({ weightDecay: 0 });
  const s = settings({ numIterations: 2, loss: { ...DEFAULT_POLICY_LOSS_CONFIG, beta: 0.05 } });
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) {
    const out = updatePolicy({ student, reference, optimizer: opt }, batch(), { ...s, seed: i });
    assert.ok(out.policy!.kl! >= 0);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
  [student, reference].forEach((m) => m.dispose());
  opt.dispose();
});

test('a ThinkTuning run with two mini-batches per step: two AdamW steps a step, real clip fractions, flat tensors, repeatable', async () => {
  const run = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-mb-'));
    try {
      const config = parseTrainConfig({
        model: { checkpoint: tinyWorldModel() },
        data: { promptsPerStep: 2 },
        grpo: { groupSize: 4, maxNewTokens: 32, miniBatches: 2 },
        guidance: { initPct: 0.5, minPct: 0.4, offThreshold: 0.3 },
        optim: { lr: 1e-2 },
        run: { totalSteps: 4, saveEvery: 0, seed: 3 },
      });
      const teacher = new OracleTeacher(new Map(loadProblems('arith-train', { count: 20000 }).map((p) => [p.question, p.answer])));
      const t = await Trainer.create({ config, runDir: dir, teacher });
      for await (const e of t.run()) void e;
      t.dispose();
      return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const metrics = await run();
  assert.equal(metrics.length, 4);
  for (const m of metrics) {
    assert.equal(m['perf/optimizer_steps'], 2);
    for (const k of ['clip_ratio/low_mean', 'clip_ratio/high_mean', 'entropy', 'entropy/unguided', 'loss', 'grad_norm'])
      assert.ok(Number.isFinite(m[k]), `${k} = ${m[k]}`);
  }
  assert.ok(
    metrics.some((m) => m['entropy/guided'] !== null),
    'some step had guided rollouts',
  );
  const counts = metrics.map((m) => m['mem/num_tensors']);
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
  // Seeded split: a rerun gives the same numbers.
  const strip = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith('perf/') && !k.startsWith('mem/')));
  assert.deepEqual((await run()).map(strip), metrics.map(strip));
});

test('a broken forward (non-finite log-probs) skips every step instead of throwing', () => {
  const student = model();
  const w = student.params['model.norm.weight'];
  const bad = tf.fill(w.shape, NaN);
  w.assign(bad);
  bad.dispose();
  const opt = new AdamW({ weightDecay: 0 });
  const out = updatePolicy({ student, reference: null, optimizer: opt }, batch(), settings());
  assert.equal(out.skipped, true);
  assert.equal(out.policy, null);
  assert.equal(opt.stepCount, 0);
  student.dispose();
  opt.dispose();
});

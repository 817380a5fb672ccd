// The SFT baseline (run.objective sft-guided, src/trainer/sft-guided.ts): the loss is the token-mean
// cross-entropy over exactly the completion tokens of the teacher-augmented rollouts (checked by hand on
// a tiny batch, and against an independent trainStep on those rows alone), no update when no rollout is
// guided, and a tiny run whose metrics say which steps trained.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { AdamW } from '../../src/train/optim.js';
import { crossEntropyLoss, trainStep } from '../../src/train/step.js';
import { packSequences, sequenceLogprobs } from '../../src/model/score.js';
import { DEFAULT_POLICY_LOSS_CONFIG } from '../../src/rl/policy-loss.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { completionIds, type Rollout } from '../../src/trainer/rollout.js';
import { objectiveMetrics, objectiveUpdate, sftGuidedUpdate } from '../../src/trainer/sft-guided.js';
import type { UpdateSettings } from '../../src/trainer/update.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { OracleTeacher } from './fakes.js';
import { rollout } from '../helpers/rollouts.js';

before(useTestBackend);

const V = 13;
const model = () => CausalLM.init(presetConfig('tiny', V, { max_position_embeddings: 64 }), 4);

/** Two guided rollouts (6 and 4 completion tokens), two unguided ones (one truncated), advantages of both signs. */
const batch = (): Rollout[] => [
  rollout(0, 0, [2, 3], [4, 5, 6, 7], 1),
  rollout(0, 1, [2, 3], [8, 9], -1, { teacher: [10, 11, 12] }),
  rollout(1, 0, [3, 4, 5], [6], 0.8, { teacher: [7, 7] }),
  rollout(1, 1, [3, 4, 5], [11, 7, 2], -0.8, { truncated: true }),
];

// temperature 0.7 and miniBatches 2 are RL settings: the SFT step must ignore both.
const settings = (over: Partial<UpdateSettings> = {}): UpdateSettings => ({
  loss: { ...DEFAULT_POLICY_LOSS_CONFIG },
  masks: { teacherMask: 'teacher-only', maskTruncated: true },
  miniBatches: 2,
  numIterations: 1,
  temperature: 0.7,
  lr: 0.05,
  maxGradNorm: 1,
  padId: 0,
  seed: 9,
  ...over,
});

const params = (m: CausalLM) => Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, Array.from(v.dataSync())]));

test('the loss is the mean cross-entropy over every completion token of the guided rollouts, and only those', () => {
  const rollouts = batch();
  const student = model();
  // By hand: score the two guided sequences at temperature 1 and average -logp over their 6 + 4 completion tokens.
  const guided = [rollouts[1], rollouts[2]];
  const logps = sequenceLogprobs(
    student,
    guided.map((r) => [...r.promptIds, ...completionIds(r)]),
  );
  const completionLogps = guided.flatMap((r, i) => Array.from(logps[i].slice(-completionIds(r).length)));
  assert.equal(completionLogps.length, 10);
  const byHand = -completionLogps.reduce((a, b) => a + b, 0) / 10;

  const opt = new AdamW({ weightDecay: 0 });
  // A tiny micro-batch budget puts the two rows in separate buckets: the mean must still be over all 10 tokens.
  const out = sftGuidedUpdate({ student, optimizer: opt }, rollouts, settings({ microBatchTokens: 8 }));
  assert.ok(Math.abs(out.loss - byHand) < 1e-5, `loss ${out.loss} vs ${byHand}`);
  assert.equal(out.updates.length, 1);
  assert.deepEqual(out.updates[0].trained, [1, 2]);
  assert.deepEqual(out.updates[0].normalizers, { tokens: 10, sequences: 2, rows: 2 });
  assert.equal(out.policy, null);
  assert.equal(opt.stepCount, 1);
  assert.ok(Number.isFinite(out.entropy.guided!) && out.entropy.all === null);
  // Every completion token of a trained row has weight 1; the unguided rows none.
  const T = out.full.pack.T;
  const row = (b: number) => Array.from(out.teacherTokenWeight.subarray(b * T, (b + 1) * T)).reduce((a, x) => a + x, 0);
  assert.deepEqual([0, 1, 2, 3].map(row), [0, 6, 4, 0]);

  // The same update, independently: one trainStep on the two guided sequences alone, CE over their completion tokens.
  const twin = model();
  const twinOpt = new AdamW({ weightDecay: 0 });
  const seqs = guided.map((r) => [...r.promptIds, ...completionIds(r)]);
  const packed = packSequences(seqs, 0);
  const mask = new Float32Array(packed.B * packed.T);
  guided.forEach((r, b) => {
    for (let j = 0; j < completionIds(r).length; j++) mask[b * packed.T + r.promptIds.length + j - 1] = 1;
  });
  const ref = trainStep(twin, twinOpt, packed, crossEntropyLoss(mask), { lr: 0.05, maxGradNorm: 1 });
  assert.ok(Math.abs(ref.loss - byHand) < 1e-5);
  const [a, b] = [params(student), params(twin)];
  for (const k of Object.keys(a)) {
    const worst = a[k].reduce((m, x, i) => Math.max(m, Math.abs(x - b[k][i])), 0);
    assert.ok(worst < 1e-5, `${k} differs by ${worst}`);
  }
  for (const x of [student, twin]) x.dispose();
  opt.dispose();
  twinOpt.dispose();
});

test('no guided rollout: no update at all (weights, optimiser and metrics say so)', () => {
  const rollouts = batch().filter((r) => !r.guided);
  const student = model();
  const opt = new AdamW({ weightDecay: 0.01 });
  const before = params(student);
  const out = sftGuidedUpdate({ student, optimizer: opt }, rollouts, settings());
  assert.equal(out.updates.length, 0);
  assert.equal(opt.stepCount, 0);
  assert.equal(out.skipped, false);
  assert.equal(out.tokensProcessed, 0);
  const after = params(student);
  for (const k of Object.keys(before)) assert.deepEqual(after[k], before[k], k);
  const sft = parseTrainConfig({ run: { objective: 'sft-guided' } });
  assert.deepEqual(objectiveMetrics(sft, out), { 'sft/rows': 0, 'sft/tokens': 0 });
  assert.deepEqual(objectiveMetrics(parseTrainConfig({}), out), {});
  // Without the teacher there is nothing to learn from: one line that says how to fix it.
  assert.throws(
    () =>
      objectiveUpdate(
        parseTrainConfig({ run: { objective: 'sft-guided' }, guidance: { enabled: false } }),
        { student, reference: null, optimizer: opt },
        rollouts,
        settings(),
      ),
    /run\.objective is sft-guided but guidance\.enabled is false.*set guidance\.enabled=true/,
  );
  student.dispose();
  opt.dispose();
});

test('a tiny sft-guided run: the teacher on at step 1 only, so step 1 trains and step 2 makes no update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-sft-'));
  try {
    const config = parseTrainConfig({
      model: { checkpoint: tinyWorldModel() },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 4, maxNewTokens: 32 },
      // pct 0.5 at step 0, then minPct 0.01 <= offThreshold 0.3: the teacher is off from step 1.
      guidance: { initPct: 0.5, minPct: 0.01, offThreshold: 0.3, decaySteps: 1 },
      optim: { lr: 1e-3 },
      run: { totalSteps: 2, saveEvery: 0, seed: 3, objective: 'sft-guided' },
    });
    const teacher = new OracleTeacher(new Map(loadProblems('arith-train', { count: 20000 }).map((p) => [p.question, p.answer])));
    const t = await Trainer.create({ config, runDir: dir, teacher });
    for await (const e of t.run()) void e;
    t.dispose();
    const read = (f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const metrics = read('metrics.jsonl');
    const rollouts = read('rollouts.jsonl') as RolloutRecord[];
    assert.equal(metrics.length, 2);
    const guided0 = rollouts.filter((r) => r.step === 0 && r.guided);
    assert.ok(guided0.length > 0, 'the oracle guided some rollouts at step 1');
    assert.equal(metrics[0]['sft/rows'], guided0.length);
    assert.equal(
      metrics[0]['sft/tokens'],
      guided0.reduce((n, r) => n + r.studentTokens + r.teacherTokens + 1, 0),
    );
    assert.equal(metrics[0]['perf/optimizer_steps'], 1);
    assert.ok(Number.isFinite(metrics[0].loss));
    for (const r of guided0) assert.ok(r.teacherTokenWeights!.every((w) => w === 1));
    assert.deepEqual([metrics[1]['guidance/pct'], metrics[1]['sft/rows'], metrics[1]['perf/optimizer_steps'], metrics[1].loss], [0, 0, 0, null]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

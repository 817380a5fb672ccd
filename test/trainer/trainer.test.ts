// End to end on a tiny model: guided rollouts carry teacher spans, rewards and advantages follow the
// formulas, parameters change, and a resumed run equals an uninterrupted one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { mathAnswerReward } from '../../src/rl/rewards.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { OracleTeacher } from './fakes.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = tinyWorldModel();
});

function config(over: TrainConfigInput = {}) {
  return parseTrainConfig({
    model: { checkpoint: modelDir },
    data: { promptsPerStep: 2 },
    grpo: { groupSize: 4, maxNewTokens: 32, ...(over.grpo ?? {}) },
    guidance: { initPct: 0.5, minPct: 0.4, offThreshold: 0.3, ...(over.guidance ?? {}) },
    optim: { lr: 1e-3, ...(over.optim ?? {}) },
    run: { totalSteps: 4, saveEvery: 2, seed: 3, ...(over.run ?? {}) },
    teacher: over.teacher,
  });
}

function oracle(): OracleTeacher {
  return new OracleTeacher(new Map(loadProblems('arith-train', { count: 20000 }).map((p) => [p.question, p.answer])));
}

async function runAll(t: Trainer): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const e of t.run()) events.push(e);
  t.dispose();
  return events;
}

const lines = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('a ThinkTuning run: guided rollouts with teacher spans, rewards and advantages by the formulas, weights change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-run-'));
  try {
    const teacher = oracle();
    const events = await runAll(await Trainer.create({ config: config(), runDir: dir, teacher }));
    assert.equal(events.at(-1)!.type, 'done');
    const rollouts = lines(join(dir, 'rollouts.jsonl')) as RolloutRecord[];
    const metrics = lines(join(dir, 'metrics.jsonl'));
    assert.equal(metrics.length, 4);
    assert.equal(rollouts.length, 4 * 2 * 4);
    const guided = rollouts.filter((r) => r.guided);
    assert.ok(guided.length > 0 && teacher.calls > 0, 'the teacher guided some rollouts');
    for (const r of guided) {
      assert.ok(r.teacherSpan && r.teacherTokens > 0);
      assert.equal(r.text.slice(r.teacherSpan[0]), `\n\n${r.feedback!.reason}\n\n${r.feedback!.phrase}`);
      assert.ok(r.terminated && !r.truncated);
      assert.equal(r.reward, 1, 'the oracle phrase ends in the right answer');
      assert.equal(r.teacherTokenWeights!.length, r.teacherTokens);
    }
    for (const r of rollouts) {
      const expected = mathAnswerReward({ prompt: r.prompt, completion: r.text, answer: r.answer, terminated: r.terminated, sample: {} });
      assert.equal(r.reward, expected, 'reward = accuracy on the (augmented) text');
    }
    // Advantages: (r - mean) / (sample std + 1e-6) within each group.
    for (let step = 0; step < 4; step++) {
      for (let g = 0; g < 2; g++) {
        const grp = rollouts.filter((r) => r.step === step && r.group === g);
        const rs = grp.map((r) => r.reward!);
        const m = rs.reduce((a, b) => a + b, 0) / rs.length;
        const sd = Math.sqrt(rs.reduce((a, b) => a + (b - m) ** 2, 0) / (rs.length - 1));
        grp.forEach((r) => assert.ok(Math.abs(r.advantage - (r.reward! - m) / (sd + 1e-6)) < 1e-6));
      }
    }
    // Per-step metrics carry the TRL and ThinkTuning names.
    for (const k of [
      'reward',
      'reward_std',
      'frac_reward_zero_std',
      'completions/mean_length',
      'completions/clipped_ratio',
      'clip_ratio/low_mean',
      'entropy',
      'grad_norm',
      'lr',
      'guidance/pct',
      'guidance/count',
      'guidance/no_feedback',
      'reward/guided',
      'reward/unguided',
      'advantage/guided_mean',
      'perf/step_time',
      'perf/tokens_per_s',
      'mem/num_tensors',
    ]) {
      assert.ok(k in metrics[0], `metric ${k}`);
    }
    assert.equal(metrics[0]['guidance/pct'], 0.5);
    // Parameters moved: the step-4 checkpoint differs from the starting weights.
    const before = readSafetensors(join(modelDir, 'model.safetensors'));
    const after = readSafetensors(join(dir, 'checkpoints', 'step-4', 'model.safetensors'));
    let moved = 0;
    for (const [k, v] of before) if (v.data.some((x, i) => x !== after.get(k)!.data[i])) moved++;
    assert.equal(moved, before.size, 'every tensor was updated');
    // tensor count stayed flat across steps
    const counts = metrics.map((m) => m['mem/num_tensors']);
    assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
    // The checkpoint is a plain HF folder; the trainer's files sit in their own subfolder, with the prompt.
    const ck = join(dir, 'checkpoints', 'step-4');
    assert.deepEqual(readdirSync(ck).sort(), ['config.json', 'model.safetensors', 'thinktune', 'tokenizer.json']);
    assert.deepEqual(readdirSync(join(ck, 'thinktune')).sort(), ['optimizer.safetensors', 'state.json']);
    const state = JSON.parse(readFileSync(join(ck, 'thinktune', 'state.json'), 'utf8'));
    assert.equal(state.completedSteps, 4);
    assert.deepEqual({ task: state.task, prompt: state.prompt }, { task: 'arith', prompt: { instruction: 'auto', chatTemplate: 'auto' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume from a checkpoint gives the same results as an uninterrupted run', async () => {
  const a = mkdtempSync(join(tmpdir(), 'tt-a-'));
  const b = mkdtempSync(join(tmpdir(), 'tt-b-'));
  try {
    await runAll(await Trainer.create({ config: config(), runDir: a, teacher: oracle() }));
    await runAll(await Trainer.create({ config: config(), runDir: b, teacher: oracle(), maxSteps: 3 })); // checkpoints at 2 and (the stop) 3
    rmSync(join(b, 'checkpoints', 'step-3'), { recursive: true }); // as if it crashed after step 3's lines, before its save
    const resumed = await runAll(await Trainer.create({ config: config(), runDir: b, teacher: oracle(), resume: true }));
    assert.ok(resumed.some((e) => e.type === 'run-start' && e.startStep === 2));
    const strip = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith('perf/') && !k.startsWith('mem/')));
    const ma = lines(join(a, 'metrics.jsonl')).map(strip);
    const mb = lines(join(b, 'metrics.jsonl')).map(strip);
    assert.deepEqual(
      mb.map((m) => m.step),
      [0, 1, 2, 3],
      'no lost and no duplicated steps',
    );
    assert.deepEqual(mb, ma);
    assert.deepEqual(lines(join(b, 'rollouts.jsonl')), lines(join(a, 'rollouts.jsonl')));
    const wa = readSafetensors(join(a, 'checkpoints', 'step-4', 'model.safetensors'));
    const wb = readSafetensors(join(b, 'checkpoints', 'step-4', 'model.safetensors'));
    for (const [k, v] of wa) assert.deepEqual(wb.get(k)!.data, v.data, k);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('unparseable teacher output means "no feedback": counted, and training continues', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-nofb-'));
  try {
    const events = await runAll(await Trainer.create({ config: config({ run: { totalSteps: 2 } }), runDir: dir, teacher: new OracleTeacher(new Map(), true) }));
    const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
    assert.equal(steps.length, 2);
    const chosen = steps.reduce((n, e) => n + (e.metrics['guidance/chosen'] ?? 0), 0);
    assert.ok(chosen > 0);
    assert.equal(
      steps.reduce((n, e) => n + (e.metrics['guidance/no_feedback'] ?? 0), 0),
      chosen,
    );
    assert.equal(
      steps.reduce((n, e) => n + (e.metrics['guidance/count'] ?? 0), 0),
      0,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plain GRPO (guidance off) never calls the teacher', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-grpo-'));
  try {
    const teacher = oracle();
    await runAll(await Trainer.create({ config: config({ guidance: { enabled: false }, run: { totalSteps: 2 } }), runDir: dir, teacher }));
    assert.equal(teacher.calls, 0);
    assert.ok(lines(join(dir, 'rollouts.jsonl')).every((r: RolloutRecord) => !r.guided));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('numIterations > 1, a KL term against the frozen reference, teacher-only masks and LUFFY shaping all run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-variants-'));
  try {
    const cfg = config({
      grpo: { numIterations: 2, beta: 0.05, lossType: 'seq-mean-token-sum-norm' },
      guidance: { teacherMask: 'teacher-only', shaping: 'luffy' },
      run: { totalSteps: 2 },
    });
    const events = await runAll(await Trainer.create({ config: cfg, runDir: dir, teacher: oracle() }));
    const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
    assert.equal(steps.length, 2);
    // With a reference model the k3 KL is reported; after the first update it is positive.
    assert.ok(steps.every((s) => typeof s.metrics.kl === 'number' && s.metrics.kl >= 0));
    assert.ok(steps[1].metrics.kl! > 0);
    assert.ok(steps.every((s) => Number.isFinite(s.metrics.loss!)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a KL term and the default frozen-student teacher, the frozen start model is loaded once', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const held = async (beta: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-shared-'));
    const before = tf.memory().numTensors;
    const t = await Trainer.create({ config: config({ grpo: { beta }, run: { totalSteps: 1 } }), runDir: dir });
    const n = tf.memory().numTensors - before;
    t.dispose();
    assert.equal(tf.memory().numTensors, before, 'dispose frees everything, the shared model included');
    rmSync(dir, { recursive: true, force: true });
    return n;
  };
  // Student + frozen teacher either way: the KL reference adds no tensors of its own.
  assert.equal(await held(0.1), await held(0));
});

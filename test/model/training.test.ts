// Train-step mechanics: tensor count stays flat, a tiny model overfits a short text, and a
// save -> load round trip is bit-identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { loadModel, saveModel } from '../../src/model/io.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { packSequences, sequenceLogprobs } from '../../src/model/score.js';
import { AdamW } from '../../src/train/optim.js';
import { crossEntropyLoss, trainStep } from '../../src/train/step.js';
import { CheckpointError } from '../../src/model/checkpoint.js';

before(useTestBackend);

const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
const TEXT = 'Tom has 3 apples and buys 4 more. 3 + 4 = 7. \\boxed{7}';

test('a tiny model overfits a short text, with a flat tensor count', () => {
  const model = CausalLM.init(presetConfig('tiny', tok.vocabSize), 0);
  const opt = new AdamW({ weightDecay: 0 });
  const seq = [tok.bosId!, ...tok.encode(TEXT), tok.eosId];
  const batch = packSequences([seq, seq]);
  const loss = crossEntropyLoss(batch.mask);
  const first = trainStep(model, opt, batch, loss, { lr: 1e-2, maxGradNorm: 1 });
  let count = -1;
  let last = first;
  for (let i = 0; i < 150; i++) {
    last = trainStep(model, opt, batch, loss, { lr: 1e-2, maxGradNorm: 1 });
    if (i === 5) count = tf.memory().numTensors;
    if (i > 5) assert.equal(tf.memory().numTensors, count, `tensor count grew at step ${i}`);
  }
  assert.ok(first.loss > 3, `initial loss ${first.loss} should be near ln(vocab)`);
  assert.ok(last.loss < 0.2, `final loss ${last.loss}`);
  assert.ok(!last.skipped && Number.isFinite(last.gradNorm));
  opt.dispose();
  model.dispose();
});

test('save -> load is bit-identical (weights, log-probs, tokenizer)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-model-'));
  try {
    const model = CausalLM.init(presetConfig('tiny', tok.vocabSize, { model_type: 'qwen2', tie_word_embeddings: true }), 3);
    saveModel(join(dir, 'm'), model, { tokenizer: tok });
    const loaded = await loadModel(join(dir, 'm'));
    for (const [name, v] of Object.entries(model.params)) {
      assert.deepEqual(Array.from(loaded.model.params[name].dataSync()), Array.from(v.dataSync()), name);
    }
    const seq = [1, ...tok.encode('12 + 5 = 17')];
    assert.deepEqual(Array.from(sequenceLogprobs(loaded.model, [seq])[0]), Array.from(sequenceLogprobs(model, [seq])[0]));
    assert.equal(loaded.tokenizer!.decode(loaded.tokenizer!.encode(TEXT)), TEXT);
    model.dispose();
    loaded.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated or corrupt checkpoint is a one-line error naming the tensor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-bad-'));
  try {
    const model = CausalLM.init(presetConfig('tiny', tok.vocabSize), 3);
    saveModel(join(dir, 'm'), model);
    model.dispose();
    const file = join(dir, 'm', 'model.safetensors');
    truncateSync(file, statSync(file).size - 100);
    await assert.rejects(
      loadModel(join(dir, 'm')),
      (e: Error) => e instanceof CheckpointError && /truncated/.test(e.message) && /model\./.test(e.message) && !e.message.includes('\n'),
    );
    writeFileSync(file, Buffer.from([1, 2, 3]));
    await assert.rejects(loadModel(join(dir, 'm')), (e: Error) => e instanceof CheckpointError && !e.message.includes('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gradient accumulation over length buckets equals one padded batch', async () => {
  const { accumulatedTrainStep } = await import('../../src/train/step.js');
  const cfg = presetConfig('tiny', tok.vocabSize);
  const a = CausalLM.init(cfg, 9);
  const b = CausalLM.init(cfg, 9);
  const seqs = [tok.encode('1 + 2 = 3'), tok.encode('12 x 3 = 36 and more text here'), tok.encode('7 - 5 = 2.')].map((s) => [1, ...s]);
  const n = seqs.reduce((k, s) => k + s.length - 1, 0);
  // Cross-entropy normalised by the whole step's token count, so the parts add up to the full loss.
  const ce = (mask: Float32Array) => (lp: Float32Array) => {
    const dLogp = new Float32Array(lp.length);
    let loss = 0;
    lp.forEach((v, i) => {
      loss -= (mask[i] * v) / n;
      dLogp[i] = -mask[i] / n;
    });
    return { loss, dLogp };
  };
  const full = packSequences(seqs);
  const optA = new AdamW();
  const optB = new AdamW();
  const ra = accumulatedTrainStep(a, optA, [{ batch: full, lossFn: ce(full.mask) }], { lr: 1e-2, maxGradNorm: 1 });
  const p1 = packSequences([seqs[0], seqs[2]]);
  const p2 = packSequences([seqs[1]]);
  const rb = accumulatedTrainStep(
    b,
    optB,
    [
      { batch: p1, lossFn: ce(p1.mask) },
      { batch: p2, lossFn: ce(p2.mask) },
    ],
    { lr: 1e-2, maxGradNorm: 1 },
  );
  assert.ok(Math.abs(ra.loss - rb.loss) < 1e-5, `${ra.loss} vs ${rb.loss}`);
  assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) < 1e-4 * ra.gradNorm);
  for (const [name, v] of Object.entries(a.params)) {
    const x = v.dataSync();
    const y = b.params[name].dataSync();
    x.forEach((xv, i) => assert.ok(Math.abs(xv - y[i]) < 1e-5, `${name}[${i}] ${xv} vs ${y[i]}`));
  }
  [optA, optB].forEach((o) => o.dispose());
  a.dispose();
  b.dispose();
});

test('a score-only part gives the same update as training on its zero-gradient rows, and its log-probs and entropy', async () => {
  const { accumulatedTrainStep } = await import('../../src/train/step.js');
  const cfg = presetConfig('tiny', tok.vocabSize);
  const models = [CausalLM.init(cfg, 4), CausalLM.init(cfg, 4), CausalLM.init(cfg, 4)];
  const opts = models.map(() => new AdamW({ weightDecay: 0.1 }));
  const seqs = [tok.encode('1 + 2 = 3'), tok.encode('12 x 3 = 36'), tok.encode('7 - 5 = 2.')].map((s) => [1, ...s]);
  const weighted = (w: number) => (lp: Float32Array) => {
    const dLogp = new Float32Array(lp.length).fill(-w);
    return { loss: -w * lp.reduce((a, v) => a + v, 0), dLogp };
  };
  const train = packSequences([seqs[0]]);
  const zero = packSequences([seqs[1], seqs[2]]);
  const o = { lr: 1e-2, maxGradNorm: 1 };
  // Two steps each, so AdamW's momentum is non-zero when the all-score-only step runs.
  const runs = [
    [
      { batch: train, lossFn: weighted(0.1) },
      { batch: zero, lossFn: weighted(0) },
    ],
    [
      { batch: train, lossFn: weighted(0.1) },
      { batch: zero, lossFn: weighted(0), scoreOnly: true },
    ],
  ];
  const results = runs.map((parts, k) => [accumulatedTrainStep(models[k], opts[k], parts, o), accumulatedTrainStep(models[k], opts[k], parts, o)]);
  const [full, scored] = results;
  for (const s of [0, 1]) {
    assert.ok(Math.abs(full[s].gradNorm - scored[s].gradNorm) < 1e-6 * full[s].gradNorm);
    assert.ok(Math.abs(full[s].entropy - scored[s].entropy) < 1e-5, `${full[s].entropy} vs ${scored[s].entropy}`);
    full[s].tokenLogp[1].forEach((v, i) => assert.ok(Math.abs(v - scored[s].tokenLogp[1][i]) < 1e-5));
  }
  const close = (m: CausalLM, n: CausalLM) =>
    Object.entries(m.params).every(([name, v]) => {
      const y = n.params[name].dataSync();
      return v.dataSync().every((x, i) => Math.abs(x - y[i]) < 1e-6);
    });
  assert.ok(close(models[0], models[1]), 'score-only must not change the update');
  // Only score-only parts: AdamW still steps on zero gradients (momentum and weight decay), like a zero loss.
  accumulatedTrainStep(models[1], opts[1], [{ batch: zero, lossFn: weighted(0), scoreOnly: true }], o);
  accumulatedTrainStep(models[0], opts[0], [{ batch: zero, lossFn: weighted(0) }], o);
  assert.ok(close(models[0], models[1]));
  assert.ok(!close(models[0], models[2]), 'the steps moved the weights');
  opts.forEach((x) => x.dispose());
  models.forEach((m) => m.dispose());
});

// Batched generation (src/engine/generate.ts) against full recomputation with the training forward pass.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/backend/select.js';
import { presetConfig, type ModelConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { forward } from '../../src/model/forward.js';
import { generate, type GenerateOptions, type GeneratedSequence } from '../../src/engine/generate.js';

before(async () => {
  await selectBackend('wasm');
});

/** Seeded uniform [0, 1) (mulberry32), so failures reproduce. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random model whose next-token distributions are far from uniform (the default init is nearly
 * uniform, where greedy choices would be near-ties). Norm weights stay 1.
 */
function randomModel(config: ModelConfig, seed: number): CausalLM {
  const model = CausalLM.init(config, seed);
  Object.entries(model.params).forEach(([name, v], i) => {
    if (!name.includes('norm')) v.assign(tf.randomNormal(v.shape, 0, name.endsWith('bias') ? 0.3 : 0.5, 'float32', seed * 1000 + i));
  });
  return model;
}

// GQA (4 query heads over 2 kv heads) with q/k/v bias; and a tied model whose head_dim (6) and
// intermediate size (30) are not multiples of 4, with one kv head.
const BIASED_GQA = presetConfig('tiny', 13, { model_type: 'qwen2' }); // Qwen2: q/k/v biases
const TIED_ODD = presetConfig('tiny', 11, {
  hidden_size: 24,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  intermediate_size: 30,
  tie_word_embeddings: true,
});
const PROMPTS = [[1, 5, 7], [2, 3, 4, 9, 10, 1, 2], [6]];

function run(model: CausalLM, opts: Partial<GenerateOptions>): GeneratedSequence[] {
  return generate(model, PROMPTS, { maxNewTokens: 10, numSamples: 3, stopTokens: [], temperature: 0, topP: 1, rng: seeded(1), ...opts });
}

/** Full-forward log-probs [len, V] of one sequence: row t is the distribution of token t+1. */
function fullLogp(model: CausalLM, seq: number[]): number[][] {
  const { logp } = forward(model, { ids: Int32Array.from(seq), B: 1, T: seq.length });
  const rows = logp.arraySync();
  logp.dispose();
  return rows;
}

/** For every generated token: the full forward's log-probs of the position that produced it. */
function producingRows(model: CausalLM, r: GeneratedSequence): number[][] {
  const prompt = PROMPTS[r.promptIndex];
  const rows = fullLogp(model, [...prompt, ...r.tokens]);
  return r.tokens.map((_, i) => rows[prompt.length - 1 + i]);
}

// Decode matmuls in the wasm kernels and on the backend (the fallback for large models / tfjs-node).
const MATMULS = ['wasm', 'backend'] as const;

for (const [name, config] of [
  ['biased GQA', BIASED_GQA],
  ['tied, odd head dim', TIED_ODD],
] as const) {
  for (const decodeMatmul of MATMULS)
    test(`${name}, ${decodeMatmul} matmuls: greedy generation equals the argmax of full recomputation`, () => {
      assert.equal(config.head_dim, name === 'biased GQA' ? 8 : 6);
      const model = randomModel(config, 3);
      const res = run(model, { decodeMatmul });
      assert.equal(res.length, PROMPTS.length * 3);
      for (const r of res) {
        assert.equal(r.tokens.length, 10);
        assert.deepEqual(r.tokens, res[r.promptIndex * 3].tokens, 'greedy samples of one prompt agree');
        producingRows(model, r).forEach((row, i) => {
          const best = Math.max(...row);
          // Exact argmax unless the top two are a float32 near-tie.
          assert.ok(
            row[r.tokens[i]] >= best - 1e-5,
            `prompt ${r.promptIndex} step ${i}: chose ${r.tokens[i]} (${row[r.tokens[i]]}), argmax ${row.indexOf(best)} (${best})`,
          );
        });
        assert.deepEqual(r.logprobs, Array(10).fill(0));
      }
      model.dispose();
    });
}

test('stop tokens end rows; other rows are unaffected; finished flags and lengths are right', () => {
  const model = randomModel(BIASED_GQA, 5);
  const free = run(model, {});
  // A token some rows emit mid-way (and not all rows at once).
  const counts = new Map<number, number>();
  for (const r of free) for (const t of new Set(r.tokens.slice(0, 8))) counts.set(t, (counts.get(t) ?? 0) + 1);
  const stop = [...counts.entries()].find(([, n]) => n < free.length)?.[0];
  assert.ok(stop !== undefined, 'test setup: expected some token that only some rows emit');
  const steps: Int32Array[] = [];
  const res = run(model, { stopTokens: [stop], onStep: (_, tokens) => steps.push(tokens.slice()) });
  let stopped = 0;
  res.forEach((r, b) => {
    const cut = free[b].tokens.indexOf(stop);
    const expected = cut >= 0 ? free[b].tokens.slice(0, cut + 1) : free[b].tokens;
    assert.deepEqual(r.tokens, expected, `row ${b}`);
    assert.equal(r.finished, cut >= 0);
    assert.equal(r.logprobs.length, r.tokens.length);
    // onStep reports the row's token while it runs, then -1.
    steps.forEach((tokens, s) => assert.equal(tokens[b], s < r.tokens.length ? r.tokens[s] : -1));
    if (cut >= 0) stopped++;
  });
  assert.ok(stopped > 0 && stopped < res.length);
  // All rows stopped: generation ends early.
  const allStop = run(model, { stopTokens: [...Array(13).keys()] });
  for (const r of allStop) assert.deepEqual([r.tokens.length, r.finished], [1, true]);
  model.dispose();
});

test('the same seed gives the same samples; another seed gives others', () => {
  const model = randomModel(BIASED_GQA, 7);
  const a = run(model, { temperature: 1, rng: seeded(42) });
  const b = run(model, { temperature: 1, rng: seeded(42) });
  const c = run(model, { temperature: 1, rng: seeded(43) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((r) => r.tokens),
    c.map((r) => r.tokens),
  );
  model.dispose();
});

test('sampled log-probs are those of the tempered, top-p renormalised full-forward distribution', () => {
  const temperature = 0.7;
  const topP = 0.9;
  for (const [config, decodeMatmul] of [
    [BIASED_GQA, 'wasm'],
    [TIED_ODD, 'wasm'],
    [TIED_ODD, 'backend'],
  ] as const) {
    const model = randomModel(config, 9);
    const res = run(model, { temperature, topP, rng: seeded(3), decodeMatmul });
    let checked = 0;
    for (const r of res) {
      producingRows(model, r).forEach((row, i) => {
        // Independent float64 reference: softmax(logp / T), keep the most likely tokens until their
        // mass reaches topP (the one crossing it included), renormalise.
        const scaled = row.map((v) => v / temperature);
        const m = Math.max(...scaled);
        const e = scaled.map((v) => Math.exp(v - m));
        const z = e.reduce((a, v) => a + v, 0);
        const p = e.map((v) => v / z);
        const order = p.map((_, k) => k).sort((x, y) => p[y] - p[x]);
        const kept: number[] = [];
        let mass = 0;
        for (const k of order) {
          kept.push(k);
          mass += p[k];
          if (mass >= topP) break;
        }
        const tok = r.tokens[i];
        assert.ok(kept.includes(tok), `sampled token ${tok} outside the nucleus ${kept}`);
        const expected = Math.log(p[tok] / mass);
        assert.ok(Math.abs(r.logprobs[i] - expected) < 1e-4, `logprob ${r.logprobs[i]} vs ${expected}`);
        checked++;
      });
    }
    assert.equal(checked, res.length * 10);
    model.dispose();
  }
});

test('top-p close to 0 samples greedily', () => {
  const model = randomModel(TIED_ODD, 11);
  const greedy = run(model, {});
  const nucleus = run(model, { temperature: 1, topP: 1e-6, rng: seeded(8) });
  assert.deepEqual(
    nucleus.map((r) => r.tokens),
    greedy.map((r) => r.tokens),
  );
  for (const r of nucleus) for (const lp of r.logprobs) assert.ok(Math.abs(lp) < 1e-9);
  model.dispose();
});

test('generate() leaves no tensors behind', () => {
  const model = randomModel(BIASED_GQA, 13);
  run(model, { temperature: 1, stopTokens: [3] });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) for (const decodeMatmul of MATMULS) run(model, { temperature: 1, stopTokens: [3], rng: seeded(i), decodeMatmul });
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

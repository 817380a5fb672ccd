// The hand-written backward pass against central finite differences, on a tiny model that exercises
// every path: GQA, q/k/v bias, tied and untied heads, non-trivial norms; at temperature 1 and at 0.7
// (training scores rollouts under log_softmax(logits / T), the distribution they were sampled from).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { disposeSaved, forward } from '../../src/model/forward.js';
import { backward } from '../../src/model/backward.js';
import { gatherTargets } from '../../src/model/score.js';

before(useTestBackend);

/** A tiny model with weights large enough that every term matters. */
function tinyModel(tied: boolean): CausalLM {
  const cfg = presetConfig('tiny', 11, { model_type: 'qwen2', num_attention_heads: 4, num_key_value_heads: 2, tie_word_embeddings: tied });
  const model = CausalLM.init(cfg, 1);
  let seed = 100;
  for (const [name, v] of Object.entries(model.params)) {
    const isMatrix = name.includes('proj.weight') || name.includes('embed') || name.includes('lm_head');
    const next = isMatrix ? tf.randomNormal(v.shape, 0, 0.4, 'float32', seed++) : tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++));
    v.assign(next);
    next.dispose();
  }
  return model;
}

const cases = [
  { tied: false, temperature: 1 },
  { tied: true, temperature: 1 },
  { tied: false, temperature: 0.7 },
  { tied: true, temperature: 0.7 },
];
for (const { tied, temperature } of cases) {
  test(`gradients match finite differences (${tied ? 'tied' : 'untied'} head, temperature ${temperature})`, () => {
    const model = tinyModel(tied);
    const B = 2,
      T = 5,
      V = 11;
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V);
    const tgt = tf.tensor1d(
      Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V),
      'int32',
    );
    // Loss = sum_t c_t * logp(target_t) with mixed-sign weights (like a GRPO surrogate).
    const coef = tf.tensor1d(Float32Array.from({ length: B * T }, (_, i) => Math.sin(i + 1)));
    const lossNow = () =>
      tf.tidy(() => {
        const { logp } = forward(model, { ids, B, T }, { temperature });
        return tf.sum(tf.mul(gatherTargets(logp, tgt), coef)).dataSync()[0];
      });
    const out = forward(model, { ids, B, T }, { save: true, temperature });
    const grads = backward(model, out.saved!, out.logp, tgt, coef, { temperature });
    disposeSaved(out.saved!);
    out.logp.dispose();
    let checked = 0;
    for (const [name, v] of Object.entries(model.params)) {
      const g = grads[name].dataSync();
      assert.deepEqual(grads[name].shape, v.shape, name);
      const base = Float32Array.from(v.dataSync());
      for (const idx of [0, Math.floor(base.length / 2), base.length - 1]) {
        const h = 1e-2;
        const probe = (delta: number) => {
          const p = base.slice();
          p[idx] += delta;
          const t = tf.tensor(p, v.shape);
          v.assign(t);
          t.dispose();
          return lossNow();
        };
        const fd = (probe(h) - probe(-h)) / (2 * h);
        const restore = tf.tensor(base, v.shape);
        v.assign(restore);
        restore.dispose();
        // float32 central differences: ~1% relative, with an absolute floor for tiny gradients.
        const err = Math.abs(fd - g[idx]) / Math.max(2e-2, Math.abs(fd) + Math.abs(g[idx]));
        assert.ok(err < 3e-2, `${name}[${idx}]: finite difference ${fd}, backward ${g[idx]}`);
        checked++;
      }
    }
    assert.ok(checked >= 3 * 20);
    tf.dispose([...Object.values(grads), tgt, coef]);
    model.dispose();
  });
}

test('a wrong backward is caught: gradient of a perturbed loss differs', () => {
  // Guard against a vacuous comparison: flipping the sign of the loss weights must flip the gradient.
  const model = tinyModel(false);
  const B = 1,
    T = 4;
  const ids = Int32Array.from([1, 2, 3, 4]);
  const tgt = tf.tensor1d(Int32Array.from([2, 3, 4, 5]), 'int32');
  const run = (c: number) => {
    const out = forward(model, { ids, B, T }, { save: true });
    const d = tf.fill([B * T], c) as tf.Tensor1D;
    const g = backward(model, out.saved!, out.logp, tgt, d);
    const v = g['model.norm.weight'].dataSync()[0];
    disposeSaved(out.saved!);
    tf.dispose([out.logp, d, ...Object.values(g)]);
    return v;
  };
  const a = run(1);
  const b = run(-1);
  assert.ok(Math.abs(a) > 1e-6);
  assert.ok(Math.abs(a + b) < 1e-6 * Math.max(1, Math.abs(a)));
  tgt.dispose();
  model.dispose();
});

test('log-probs at temperature T are log_softmax(logits / T) (float64 reference)', () => {
  const model = tinyModel(false);
  const B = 2,
    T = 3,
    V = 11;
  const ids = Int32Array.from([1, 4, 9, 2, 7, 3]);
  // At T = 1, logp1 = z - logsumexp(z): z up to a per-row constant, which log_softmax ignores.
  const plain = forward(model, { ids, B, T });
  const hot = forward(model, { ids, B, T }, { temperature: 0.7 });
  const z = plain.logp.dataSync();
  const got = hot.logp.dataSync();
  for (let n = 0; n < B * T; n++) {
    const row = Array.from(z.subarray(n * V, (n + 1) * V), (x) => x / 0.7);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
    row.forEach((x, v) => assert.ok(Math.abs(got[n * V + v] - (x - lse)) < 2e-5, `row ${n} token ${v}: ${got[n * V + v]} vs ${x - lse}`));
  }
  // T = 1 through the option is the plain pass, bit for bit.
  const same = forward(model, { ids, B, T }, { temperature: 1 });
  assert.deepEqual(Array.from(same.logp.dataSync()), Array.from(z));
  tf.dispose([plain.logp, hot.logp, same.logp]);
  assert.throws(() => forward(model, { ids, B, T }, { temperature: 0 }), /temperature must be a finite number > 0/);
  model.dispose();
});

test("backward refuses a temperature other than its forward pass's", () => {
  const model = tinyModel(false);
  const ids = Int32Array.from([1, 2, 3]);
  const tgt = tf.tensor1d(Int32Array.from([2, 3, 4]), 'int32');
  const d = tf.ones([3]) as tf.Tensor1D;
  const out = forward(model, { ids, B: 1, T: 3 }, { save: true, temperature: 0.7 });
  assert.throws(() => backward(model, out.saved!, out.logp, tgt, d, { temperature: 1 }), /differs from the forward pass's 0.7/);
  disposeSaved(out.saved!);
  tf.dispose([out.logp, tgt, d]);
  model.dispose();
});

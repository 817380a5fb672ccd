// The hand-written backward pass against central finite differences, on a tiny model that exercises
// every path: GQA, q/k/v bias, tied and untied heads, non-trivial norms.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { disposeSaved, forward } from '../../src/model/forward.js';
import { backward } from '../../src/model/backward.js';
import { gatherTargets } from '../../src/engine/score.js';

before(useTestBackend);

/** A tiny model with weights large enough that every term matters. */
function tinyModel(tied: boolean): CausalLM {
  const cfg = presetConfig('tiny', 11, { num_attention_heads: 4, num_key_value_heads: 2, attention_bias: true, tie_word_embeddings: tied });
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

for (const tied of [false, true]) {
  test(`gradients match finite differences (${tied ? 'tied' : 'untied'} head)`, () => {
    const model = tinyModel(tied);
    const B = 2, T = 5, V = 11;
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V);
    const tgt = tf.tensor1d(Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V), 'int32');
    // Loss = sum_t c_t * logp(target_t) with mixed-sign weights (like a GRPO surrogate).
    const coef = tf.tensor1d(Float32Array.from({ length: B * T }, (_, i) => Math.sin(i + 1)));
    const lossNow = () => tf.tidy(() => {
      const { logp } = forward(model, { ids, B, T });
      return tf.sum(tf.mul(gatherTargets(logp, tgt), coef)).dataSync()[0];
    });
    const out = forward(model, { ids, B, T }, { save: true });
    const grads = backward(model, out.saved!, out.logp, tgt, coef);
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
  const B = 1, T = 4;
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

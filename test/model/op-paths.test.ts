// The tensorflow backend's op paths (batched attention, transposed-matmul flags; src/model/ops.ts) against
// the wasm paths (per-head loops, explicit transposes), forced on one backend: the same log-probs, the
// same gradients of every parameter, with grouped-query attention, q/k/v bias and a padded batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { disposeSaved, forward, type ForwardInput } from '../../src/model/forward.js';
import { backward } from '../../src/model/backward.js';
import { forceOpPaths, opPaths, type OpPaths } from '../../src/model/ops.js';

before(useTestBackend);
after(() => forceOpPaths({}));

function model(): CausalLM {
  const cfg = presetConfig('tiny', 13, { model_type: 'qwen2', num_attention_heads: 4, num_key_value_heads: 2 });
  const m = CausalLM.init(cfg, 3);
  let seed = 7;
  for (const v of Object.values(m.params)) {
    const next = tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', seed++));
    v.assign(next);
    next.dispose();
  }
  return m;
}

function run(m: CausalLM, input: ForwardInput, paths: OpPaths) {
  forceOpPaths(paths);
  const out = forward(m, input, { save: true });
  const N = input.B * input.T;
  const targets = tf.tensor1d(
    Int32Array.from({ length: N }, (_, i) => (i * 5 + 2) % 13),
    'int32',
  );
  const dTok = tf.tensor1d(Float32Array.from({ length: N }, (_, i) => Math.cos(i)));
  const grads = backward(m, out.saved!, out.logp, targets, dTok);
  const host = {
    logp: out.logp.dataSync().slice(),
    grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice()])),
  };
  tf.dispose([out.logp, targets, dTok, ...Object.values(grads)]);
  disposeSaved(out.saved!);
  return host;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

for (const padded of [false, true]) {
  test(`batched attention and transpose flags give the loop paths' log-probs and gradients (${padded ? 'padded keys' : 'causal'})`, () => {
    const m = model();
    const B = 2,
      T = 6;
    const input: ForwardInput = { ids: Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 1) % 13), B, T };
    if (padded) input.keyMask = Uint8Array.from({ length: B * T }, (_, i) => (i === 6 || i === 7 ? 0 : 1));
    const before = tf.memory().numTensors;
    const loop = run(m, input, { attention: 'loop', transposedMatmul: 'explicit' });
    const batched = run(m, input, { attention: 'batched', transposedMatmul: 'flags' });
    assert.equal(tf.memory().numTensors, before, 'both paths leave no tensors behind');
    assert.ok(maxDiff(loop.logp, batched.logp) < 1e-5, 'log-probs');
    assert.deepEqual(Object.keys(batched.grads).sort(), Object.keys(loop.grads).sort());
    for (const [name, g] of Object.entries(loop.grads)) {
      const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
      assert.ok(maxDiff(g, batched.grads[name]) / scale < 1e-4, `${name}: ${maxDiff(g, batched.grads[name])}`);
    }
    m.dispose();
  });
}

test('the op paths follow the backend unless forced', () => {
  forceOpPaths({});
  const native = tf.getBackend() === 'tensorflow';
  assert.deepEqual(opPaths(), native ? { transposedMatmul: 'flags', attention: 'batched' } : { transposedMatmul: 'explicit', attention: 'loop' });
  forceOpPaths({ attention: 'batched' });
  assert.equal(opPaths().attention, 'batched');
  forceOpPaths({});
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AdamW, clipByGlobalNorm, isNoDecayParam, type AdamWOptions } from '../../src/train/optim.js';

before(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------------------------------------------
// Plain-JS reference: torch.optim.AdamW's single-tensor path (torch/optim/adamw.py, amsgrad=False) in
// f64, one parameter at a time:
//   param.mul_(1 - lr*wd); exp_avg.lerp_(grad, 1-b1); exp_avg_sq.mul_(b2).addcmul_(grad, grad, 1-b2)
//   denom = exp_avg_sq.sqrt() / sqrt(1 - b2^t) + eps; param.addcdiv_(exp_avg, denom, -lr/(1 - b1^t))
// ---------------------------------------------------------------------------------------------------
interface RefParam {
  p: number[];
  m: number[];
  v: number[];
}

function refStep(x: RefParam, g: number[], lr: number, t: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): void {
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (let i = 0; i < x.p.length; i++) {
    x.p[i] *= 1 - lr * wd;
    x.m[i] += (1 - b1) * (g[i] - x.m[i]);
    x.v[i] = b2 * x.v[i] + (1 - b2) * g[i] * g[i];
    x.p[i] -= (lr / bc1) * (x.m[i] / (Math.sqrt(x.v[i]) / Math.sqrt(bc2) + eps));
  }
}

/** Deterministic values in [-1, 1) (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (((r ^ (r >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

const SHAPES: Record<string, number[]> = {
  'model.embed_tokens.weight': [5, 3],
  'model.layers.0.input_layernorm.weight': [3],
  'model.layers.0.self_attn.q_proj.weight': [3, 4],
  'model.layers.0.self_attn.q_proj.bias': [4],
  'model.norm.weight': [3],
};

function makeParams(seed: number): Record<string, tf.Variable> {
  const r = rng(seed);
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const data = Array.from({ length: tf.util.sizeFromShape(shape) }, () => r());
    out[name] = tf.variable(tf.tensor(data, shape), true);
  }
  return out;
}

/** Gradients for step k with entries of mixed magnitude (0.01 .. 3), so sqrt(v) is not uniform. */
function makeGrads(k: number): Record<string, tf.Tensor> {
  const r = rng(1000 + k);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const data = Array.from({ length: tf.util.sizeFromShape(shape) }, () => r() * 10 ** (r() * 1.2 - 0.7));
    out[name] = tf.tensor(data, shape);
  }
  return out;
}

function host(params: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([n, t]) => [n, Array.from(t.dataSync())]));
}

function disposeAll(...records: Record<string, tf.Tensor>[]): void {
  for (const r of records) tf.dispose(Object.values(r));
}

/** Run `steps` AdamW steps with a varying lr on fresh params, and the same with the reference; compare. */
function checkAgainstReference(opts: AdamWOptions, wdFor: (name: string) => number): void {
  const params = makeParams(7);
  const ref: Record<string, RefParam> = {};
  for (const [name, p] of Object.entries(host(params))) ref[name] = { p, m: p.map(() => 0), v: p.map(() => 0) };
  const opt = new AdamW(opts);
  const lrs = [1e-2, 3e-2, 2e-2, 5e-3, 1e-2, 4e-2];
  lrs.forEach((lr, k) => {
    const grads = makeGrads(k);
    const hostGrads = host(grads);
    opt.step(params, grads, lr);
    for (const name of Object.keys(ref)) refStep(ref[name], hostGrads[name], lr, k + 1, wdFor(name));
    disposeAll(grads);
  });
  assert.equal(opt.stepCount, lrs.length);
  const got = host(params);
  for (const name of Object.keys(ref)) {
    got[name].forEach((x, i) => {
      assert.ok(Math.abs(x - ref[name].p[i]) < 1e-6, `${name}[${i}]: ${x} vs reference ${ref[name].p[i]}`);
    });
  }
  opt.dispose();
  disposeAll(params);
}

test('AdamW matches a reference torch AdamW over 6 steps without weight decay', () => {
  checkAgainstReference({ weightDecay: 0 }, () => 0);
});

test('AdamW matches the reference with decay, skipping norm weights and biases by default', () => {
  checkAgainstReference({ weightDecay: 0.1 }, (name) => (isNoDecayParam(name) ? 0 : 0.1));
});

test('AdamW matches the reference with other betas/eps and a custom noDecay', () => {
  const opts = { beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.2, noDecay: (n: string) => n.includes('embed') };
  // Same reference, but betas/eps differ: run it by hand.
  const params = makeParams(3);
  const ref: Record<string, RefParam> = {};
  for (const [name, p] of Object.entries(host(params))) ref[name] = { p, m: p.map(() => 0), v: p.map(() => 0) };
  const opt = new AdamW(opts);
  for (let k = 0; k < 4; k++) {
    const grads = makeGrads(k);
    const hg = host(grads);
    opt.step(params, grads, 0.05);
    for (const name of Object.keys(ref)) refStep(ref[name], hg[name], 0.05, k + 1, opts.noDecay(name) ? 0 : 0.2, 0.8, 0.95, 1e-6);
    disposeAll(grads);
  }
  const got = host(params);
  for (const name of Object.keys(ref)) got[name].forEach((x, i) => assert.ok(Math.abs(x - ref[name].p[i]) < 1e-6, `${name}[${i}]`));
  opt.dispose();
  disposeAll(params);
});

test('first step moves each weight by about lr*sign(g) (bias correction), independent of |g|', () => {
  const p = { w: tf.variable(tf.tensor([1, 1, 1, 1]), true) };
  const g = { w: tf.tensor([0.001, -2, 50, -0.3]) };
  const opt = new AdamW({ weightDecay: 0 });
  opt.step(p, g, 0.1);
  const got = Array.from(p.w.dataSync());
  [0.9, 1.1, 0.9, 1.1].forEach((e, i) => assert.ok(Math.abs(got[i] - e) < 1e-5, `w[${i}] = ${got[i]}, expected ${e}`));
  opt.dispose();
  disposeAll(p, g);
});

test('decay is decoupled: with zero gradients a decayed weight shrinks by exactly (1 - lr*wd), a no-decay one stays', () => {
  const p = {
    'mlp.up_proj.weight': tf.variable(tf.tensor([2, -4]), true),
    'model.norm.weight': tf.variable(tf.tensor([2, -4]), true),
    'self_attn.q_proj.bias': tf.variable(tf.tensor([2, -4]), true),
  };
  const g = Object.fromEntries(Object.keys(p).map((n) => [n, tf.zeros([2])]));
  const opt = new AdamW({ weightDecay: 0.1 });
  opt.step(p, g, 0.5);
  assert.deepEqual(Array.from(p['mlp.up_proj.weight'].dataSync()), [Math.fround(2 * 0.95), Math.fround(-4 * 0.95)]);
  assert.deepEqual(Array.from(p['model.norm.weight'].dataSync()), [2, -4]);
  assert.deepEqual(Array.from(p['self_attn.q_proj.bias'].dataSync()), [2, -4]);
  opt.dispose();
  disposeAll(p, g);
});

test('default noDecay rule', () => {
  for (const n of [
    'model.norm.weight',
    'model.layers.3.input_layernorm.weight',
    'model.layers.3.post_attention_layernorm.weight',
    'model.layers.0.self_attn.k_proj.bias',
    'x.layernorm.scale',
  ]) {
    assert.equal(isNoDecayParam(n), true, n);
  }
  for (const n of ['model.embed_tokens.weight', 'model.layers.0.mlp.down_proj.weight', 'lm_head.weight']) assert.equal(isNoDecayParam(n), false, n);
});

test('a parameter without a gradient is left untouched; lr = 0 moves nothing', () => {
  const params = makeParams(11);
  const before = host(params);
  const grads = makeGrads(0);
  const partial = { 'model.layers.0.self_attn.q_proj.weight': grads['model.layers.0.self_attn.q_proj.weight'] };
  const opt = new AdamW({ weightDecay: 0.1 });
  opt.step(params, partial, 0.1);
  const after = host(params);
  for (const n of Object.keys(SHAPES)) {
    if (n in partial) assert.notDeepEqual(after[n], before[n]);
    else assert.deepEqual(after[n], before[n], n);
  }
  opt.step(params, grads, 0);
  assert.deepEqual(host(params), after);
  assert.equal(opt.stepCount, 2);
  opt.dispose();
  disposeAll(params, grads);
});

test('getState/setState: a restored optimizer continues bit-identically', () => {
  const a = makeParams(5);
  const optA = new AdamW({ weightDecay: 0.05 });
  for (let k = 0; k < 3; k++) {
    const g = makeGrads(k);
    optA.step(a, g, 0.01 * (k + 1));
    disposeAll(g);
  }
  const state = optA.getState();
  assert.equal(state.step, 3);
  assert.deepEqual(Object.keys(state.m).sort(), Object.keys(SHAPES).sort());
  assert.deepEqual(state.v['model.layers.0.self_attn.q_proj.weight'].shape, [3, 4]);

  // A "checkpoint": copies of params and state, restored into a fresh optimizer.
  const b: Record<string, tf.Variable> = {};
  for (const [n, p] of Object.entries(a)) b[n] = tf.variable(tf.tensor(p.dataSync().slice(), p.shape), true);
  const optB = new AdamW({ weightDecay: 0.05 });
  optB.setState(structuredClone(state));
  assert.equal(optB.stepCount, 3);
  // getState must hand out copies: scribbling on it must not reach the optimizer.
  state.m['model.norm.weight'].data.fill(123);

  for (let k = 3; k < 6; k++) {
    const g = makeGrads(k);
    optA.step(a, g, 0.02);
    optB.step(b, g, 0.02);
    disposeAll(g);
  }
  for (const n of Object.keys(SHAPES)) {
    const x = a[n].dataSync();
    const y = b[n].dataSync();
    assert.ok(
      x.every((xi, i) => Object.is(xi, y[i])),
      `${n} differs after restore`,
    );
  }
  const sa = optA.getState();
  const sb = optB.getState();
  for (const n of Object.keys(SHAPES)) {
    assert.deepEqual(sa.m[n].data, sb.m[n].data);
    assert.deepEqual(sa.v[n].data, sb.v[n].data);
  }
  optA.dispose();
  optB.dispose();
  disposeAll(a, b);
});

test('setState and step reject state that does not fit', () => {
  const opt = new AdamW();
  const m = { w: { shape: [2], data: new Float32Array(2) } };
  assert.throws(() => opt.setState({ step: 1, m, v: {} }), /same parameter names/);
  assert.throws(() => opt.setState({ step: -1, m, v: m }), /step must be an integer/);
  assert.throws(() => opt.setState({ step: 1, m: { w: { shape: [3], data: new Float32Array(2) } }, v: m }), /shape \[3\] but 2 values/);
  opt.setState({ step: 1, m, v: m });
  const p = { w: tf.variable(tf.zeros([3]), true) };
  const g = { w: tf.ones([3]) };
  assert.throws(() => opt.step(p, g, 0.1), /optimizer state for 'w' has shape \[2\]/);
  assert.throws(() => opt.step(p, { w: tf.ones([2]) }, 0.1), /gradient 'w' has shape \[2\]/);
  assert.throws(() => opt.step(p, { other: g.w }, 0.1), /no parameter of that name/);
  assert.throws(() => opt.step(p, g, NaN), /lr must be/);
  assert.throws(() => new AdamW({ beta1: 1 }), /beta1/);
  opt.dispose();
  disposeAll(p, g);
});

test('tensor count stays flat across 50 steps (clip + AdamW)', () => {
  const params = makeParams(9);
  const opt = new AdamW({ weightDecay: 0.1 });
  const oneStep = (k: number) => {
    const grads = makeGrads(k);
    const clipped = clipByGlobalNorm(grads, 0.5); // norm of these grads is > 0.5, so this scales
    opt.step(params, clipped.grads, 1e-3);
    disposeAll(grads, clipped.grads);
  };
  oneStep(0); // creates the moments
  const count = tf.memory().numTensors;
  for (let k = 1; k <= 50; k++) oneStep(k);
  assert.equal(tf.memory().numTensors, count);
  const withState = tf.memory().numTensors;
  opt.dispose();
  assert.equal(tf.memory().numTensors, withState - 2 * Object.keys(SHAPES).length);
  disposeAll(params);
});

test('clipByGlobalNorm: hand-computed norm and scale', () => {
  const grads = { a: tf.tensor([3, 4]), b: tf.tensor([[12]]) }; // norm sqrt(9 + 16 + 144) = 13
  const clipped = clipByGlobalNorm(grads, 6.5);
  assert.ok(Math.abs(clipped.norm - 13) < 1e-6);
  const s = 6.5 / (13 + 1e-6);
  const close = (t: tf.Tensor, e: number[]) => t.dataSync().forEach((x, i) => assert.ok(Math.abs(x - e[i]) < 1e-6, `${x} vs ${e[i]}`));
  close(clipped.grads.a, [3 * s, 4 * s]);
  close(clipped.grads.b, [12 * s]);
  assert.deepEqual(clipped.grads.b.shape, [1, 1]);
  assert.notEqual(clipped.grads.a, grads.a);

  // Under the limit, disabled (0 or Infinity): same tensors back, norm still reported.
  for (const maxNorm of [13.5, 0, -1, Infinity]) {
    const r = clipByGlobalNorm(grads, maxNorm);
    assert.equal(r.grads.a, grads.a);
    assert.equal(r.grads.b, grads.b);
    assert.ok(Math.abs(r.norm - 13) < 1e-6);
  }
  assert.equal(clipByGlobalNorm({}, 1).norm, 0);
  assert.throws(() => clipByGlobalNorm(grads, NaN), /maxNorm is NaN/);
  disposeAll(grads, clipped.grads);
});

test('clipByGlobalNorm reports a non-finite norm and leaves the gradients unscaled', () => {
  const nan = { a: tf.tensor([1, NaN]), b: tf.tensor([2]) };
  const r1 = clipByGlobalNorm(nan, 1);
  assert.ok(Number.isNaN(r1.norm));
  assert.equal(r1.grads.b, nan.b);
  const inf = { a: tf.tensor([1, -Infinity]) };
  const r2 = clipByGlobalNorm(inf, 1);
  assert.equal(r2.norm, Infinity);
  assert.equal(r2.grads.a, inf.a);
  disposeAll(nan, inf);
});

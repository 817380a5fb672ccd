/**
 * `thinktune bench`: the speed figures of the engine at the sizes of sizes.ts.
 * - training: forward + backward + clipping + AdamW on the spec's batch (micro-batches summed), tokens/s
 *   and effective GFLOP/s, the mean of the spec's timed steps after one warm-up;
 * - generation: the spec's prompts x samples with the KV cache, every row running all its new tokens,
 *   the best of the spec's timed runs after a short warm-up;
 * - the backend's own large plain matmul rate, and the fraction of it the train step reaches.
 * scripts/bench_pytorch.py measures the same specs in PyTorch the same way (pytorch.ts runs it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/config.js';
import { CausalLM } from '../model/model.js';
import { packSequences, type PackedBatch } from '../model/score.js';
import { generate } from '../engine/generate.js';
import { AdamW } from '../train/optim.js';
import { accumulatedTrainStep, type TokenLoss, type TrainPart } from '../train/step.js';
import { mulberry32 } from '../rl/rng.js';
import { describeSpec, modelConfigOf, type BenchSpec, type BenchSizeName } from './sizes.js';

/** The figures of one size on one backend. */
export interface SizeFigures {
  size: BenchSizeName;
  train_tokens_per_s: number;
  train_step_ms: number;
  train_gflops: number;
  generate_tokens_per_s: number;
  /** tf.memory().numTensors the same before and after the timed steps and runs. */
  num_tensors_flat: boolean;
  shapes: { train: string; generate: string };
}

export interface BenchOptions {
  onProgress?: (msg: string) => void;
}

/** Large plain matmul rate (GFLOP/s): the ceiling the other figures are compared with. */
export function matmulGflops(n = 512, reps = 10): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const s = (performance.now() - t0) / 1000 / reps;
  tf.dispose([a, b]);
  return (2 * n ** 3) / s / 1e9;
}

/**
 * FLOPs of one train step as computed (not the causal half): forward = 2 x linear params x tokens +
 * attention (QK^T and PV: 4 x T^2 x hd per sequence and head); backward = 2 x forward.
 */
export function trainStepFlops(c: ModelConfig, B: number, T: number): number {
  const d = c.hidden_size;
  const qDim = c.num_attention_heads * c.head_dim;
  const kvDim = c.num_key_value_heads * c.head_dim;
  const perLayer = d * qDim + 2 * d * kvDim + qDim * d + 3 * d * c.intermediate_size;
  const linear = c.num_hidden_layers * perLayer + d * c.vocab_size;
  const attention = c.num_hidden_layers * B * c.num_attention_heads * 4 * T * T * c.head_dim;
  return 3 * (2 * linear * B * T + attention);
}

/**
 * The spec's training step as trainer parts: random tokens, `micro_batches` parts of equal rows, each
 * with the mean cross-entropy over all batch x seq_len targets of the step (so the parts sum to it).
 */
export function benchParts(spec: BenchSpec, rng: () => number): TrainPart[] {
  const { batch: B, seq_len: T, micro_batches: parts } = spec.train;
  if (B % parts !== 0) throw new Error(`bench: batch ${B} does not split into ${parts} micro-batches`);
  const V = spec.model.vocab_size;
  const n = B * T;
  const lossFn: TokenLoss = (tokenLogp) => {
    let loss = 0;
    for (const lp of tokenLogp) loss -= lp / n;
    return { loss, dLogp: new Float32Array(tokenLogp.length).fill(-1 / n) };
  };
  return Array.from({ length: parts }, () => {
    const seqs = Array.from({ length: B / parts }, () => Array.from({ length: T + 1 }, () => Math.floor(rng() * V)));
    const batch: PackedBatch = packSequences(seqs);
    return { batch, lossFn };
  });
}

export function trainOptionsOf(spec: BenchSpec) {
  const t = spec.train;
  return {
    opt: new AdamW({ beta1: t.beta1, beta2: t.beta2, eps: t.eps, weightDecay: t.weight_decay }),
    step: { lr: t.lr, maxGradNorm: t.max_grad_norm },
  };
}

/** Training and generation figures of one size. Leaves no tensors behind. */
export function runSize(spec: BenchSpec, opts: BenchOptions = {}): SizeFigures {
  const say = opts.onProgress ?? (() => {});
  const cfg = modelConfigOf(spec);
  const model = CausalLM.init(cfg, 0);
  const rng = mulberry32(1234);
  const shapes = describeSpec(spec);
  try {
    say(`${spec.size}: training ${shapes.train}…`);
    const parts = benchParts(spec, rng);
    const { opt, step } = trainOptionsOf(spec);
    accumulatedTrainStep(model, opt, parts, step); // warm-up (creates the AdamW moments)
    const tensorsBefore = tf.memory().numTensors;
    const steps = spec.repeats.train_steps;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) accumulatedTrainStep(model, opt, parts, step);
    const stepS = (performance.now() - t0) / 1000 / steps;
    let flat = tf.memory().numTensors === tensorsBefore;
    opt.dispose();

    const g = spec.generate;
    say(`${spec.size}: generation ${shapes.generate}…`);
    const prompts = Array.from({ length: g.prompts }, () => Array.from({ length: g.prompt_len }, () => Math.floor(rng() * cfg.vocab_size)));
    const genOpts = { maxNewTokens: g.new_tokens, numSamples: g.samples, stopTokens: [], temperature: 1, topP: 1, rng };
    generate(model, prompts, { ...genOpts, maxNewTokens: 8 });
    const genBefore = tf.memory().numTensors;
    let best = Infinity;
    let tokens = 0;
    for (let r = 0; r < spec.repeats.gen_runs; r++) {
      const g0 = performance.now();
      const out = generate(model, prompts, genOpts);
      best = Math.min(best, (performance.now() - g0) / 1000);
      tokens = out.reduce((n, s) => n + s.tokens.length, 0);
    }
    flat &&= tf.memory().numTensors === genBefore;
    const { batch: B, seq_len: T } = spec.train;
    return {
      size: spec.size,
      train_tokens_per_s: (B * T) / stepS,
      train_step_ms: stepS * 1000,
      train_gflops: trainStepFlops(cfg, B, T) / stepS / 1e9,
      generate_tokens_per_s: tokens / best,
      num_tensors_flat: flat,
      shapes,
    };
  } finally {
    model.dispose();
  }
}

/**
 * `thinktune bench`: the speed figures of the engine on the reference size (issue: Foundation).
 * - training: forward + backward + AdamW on 16 sequences of 128 tokens, tokens/s and effective GFLOP/s;
 * - generation: 8 prompts x 5 samples, 32-token prompts, 128 new tokens, with the KV cache;
 * - the backend's own large plain matmul rate, and the fraction of it the train step reaches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { presetConfig, type ModelConfig } from '../model/config.js';
import { CausalLM } from '../model/model.js';
import { packSequences } from '../model/score.js';
import { generate } from '../engine/generate.js';
import { AdamW } from '../train/optim.js';
import { crossEntropyLoss, trainStep } from '../train/step.js';
import { mulberry32 } from '../rl/rng.js';

export interface BenchResult {
  backend: string;
  train_tokens_per_s: number;
  generate_tokens_per_s: number;
  matmul_gflops: number;
  train_gflops: number;
  /** train_gflops / matmul_gflops */
  matmul_fraction: number;
  train_step_ms: number;
  num_tensors_flat: boolean;
  shapes: { train: string; generate: string };
}

export interface BenchOptions {
  /** Timed repetitions (after one warm-up). */
  trainSteps?: number;
  genRuns?: number;
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

export function runBench(opts: BenchOptions = {}): BenchResult {
  const say = opts.onProgress ?? (() => {});
  const cfg = presetConfig('reference', 64, { max_position_embeddings: 256 });
  const model = CausalLM.init(cfg, 0);
  const rng = mulberry32(1234);
  const B = 16,
    T = 128;

  say('matmul ceiling…');
  const mm = matmulGflops();

  say('training step (16 x 128 tokens)…');
  const seqs = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => Math.floor(rng() * 64)));
  const batch = packSequences(seqs);
  const opt = new AdamW();
  const loss = crossEntropyLoss(batch.mask);
  trainStep(model, opt, batch, loss, { lr: 1e-4, maxGradNorm: 1 });
  const tensorsBefore = tf.memory().numTensors;
  const steps = opts.trainSteps ?? 5;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) trainStep(model, opt, batch, loss, { lr: 1e-4, maxGradNorm: 1 });
  const stepS = (performance.now() - t0) / 1000 / steps;
  const flat = tf.memory().numTensors === tensorsBefore;
  opt.dispose();

  say('generation (40 x 128 new tokens)…');
  const prompts = Array.from({ length: 8 }, () => Array.from({ length: 32 }, () => Math.floor(rng() * 64)));
  const genOpts = { maxNewTokens: 128, numSamples: 5, stopTokens: [], temperature: 1, topP: 1, rng };
  generate(model, prompts, { ...genOpts, maxNewTokens: 8 });
  let best = Infinity;
  let tokens = 0;
  for (let r = 0; r < (opts.genRuns ?? 3); r++) {
    const g0 = performance.now();
    const out = generate(model, prompts, genOpts);
    best = Math.min(best, (performance.now() - g0) / 1000);
    tokens = out.reduce((n, s) => n + s.tokens.length, 0);
  }
  model.dispose();

  const trainGflops = trainStepFlops(cfg, B, T) / stepS / 1e9;
  return {
    backend: tf.getBackend(),
    train_tokens_per_s: (B * T) / stepS,
    generate_tokens_per_s: tokens / best,
    matmul_gflops: mm,
    train_gflops: trainGflops,
    matmul_fraction: trainGflops / mm,
    train_step_ms: stepS * 1000,
    num_tensors_flat: flat,
    shapes: {
      train: `${B} x ${T} tokens, hidden 128, 4 layers, 4 heads, intermediate 512, vocab 64`,
      generate: '8 prompts x 5 samples, 32-token prompts, 128 new tokens',
    },
  };
}

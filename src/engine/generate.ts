/**
 * Batched generation with a preallocated KV cache (nanochat's engine shape): prefill each prompt once,
 * replicate its cache across the G samples of its group, then decode one token column per step.
 *
 * Prompts of different lengths are left-padded to P; padding is masked out of attention and positions
 * start at 0 at each prompt's first real token, so a prompt's continuation does not depend on what
 * it was batched with. Every generated token's log-probability under the sampler is returned.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM } from '../model/model.js';
import { forward } from '../model/forward.js';
import { Decoder, type DecodeMatmul } from './decode-step.js';
import { sampleToken, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Samples per prompt (the GRPO group size G). */
  numSamples: number;
  /** Generation of a row ends when it emits one of these (the stop token is kept in the output). */
  stopTokens: number[];
  /** Also ends a row when true for its generated tokens so far (stop strings: see stop-strings.ts). */
  stopWhen?: ((tokens: readonly number[]) => boolean) | null;
  /** Uniform [0, 1) source; seed it to repeat a run. */
  rng: () => number;
  /** Called after every decode step with the new token of each row (-1 for finished rows). */
  onStep?: (step: number, tokens: Int32Array) => void;
  /** Where the decode matmuls run (default 'auto': wasm kernels on the wasm/cpu backends; see decode-step.ts). */
  decodeMatmul?: DecodeMatmul;
}

export interface GeneratedSequence {
  promptIndex: number;
  sample: number;
  /** Generated token ids (prompt excluded), including the stop token if one was emitted. */
  tokens: number[];
  /** log-prob of each generated token under the sampling distribution (0 for greedy). */
  logprobs: number[];
  /** True if a stop token (or `stopWhen`) ended the row; false if it ran out of maxNewTokens. */
  finished: boolean;
}

/**
 * The most new tokens a batch can take: `maxNewTokens`, cut so the longest prompt plus its response
 * fits the model's positions. 0 when the longest prompt alone fills them (callers decide what to say).
 */
export function responseBudget(model: CausalLM, prompts: number[][], maxNewTokens: number): number {
  const room = model.config.max_position_embeddings - Math.max(0, ...prompts.map((p) => p.length));
  return Math.max(0, Math.min(maxNewTokens, room));
}

export function generate(model: CausalLM, prompts: number[][], opts: GenerateOptions): GeneratedSequence[] {
  if (prompts.length === 0) return [];
  if (prompts.some((p) => p.length === 0)) throw new Error('generate: every prompt needs at least one token (e.g. BOS)');
  const V = model.config.vocab_size;
  const G = opts.numSamples;
  const nP = prompts.length;
  const P = Math.max(...prompts.map((p) => p.length));
  const Tmax = P + opts.maxNewTokens;
  if (Tmax > model.config.max_position_embeddings) {
    throw new Error(
      `generate: prompt (${P}) + maxNewTokens (${opts.maxNewTokens}) exceeds max_position_embeddings (${model.config.max_position_embeddings}); shorten one of them`,
    );
  }
  const stop = new Set(opts.stopTokens);

  // Prefill: left-padded prompts, positions from each prompt's first real token.
  const ids = new Int32Array(nP * P);
  const positions = new Int32Array(nP * P);
  const keyMask = new Uint8Array(nP * P);
  const pad = prompts.map((p) => P - p.length);
  prompts.forEach((p, i) => {
    for (let t = 0; t < P; t++) {
      const real = t >= pad[i];
      ids[i * P + t] = real ? p[t - pad[i]] : 0;
      positions[i * P + t] = real ? t - pad[i] : 0;
      keyMask[i * P + t] = real ? 1 : 0;
    }
  });
  const B = nP * G;
  const start = Int32Array.from({ length: B }, (_, r) => pad[Math.floor(r / G)]);
  const decoder = new Decoder(model, { batch: B, maxLen: Tmax, start, matmul: opts.decodeMatmul ?? 'auto' });
  const out: GeneratedSequence[] = Array.from({ length: B }, (_, r) => ({
    promptIndex: Math.floor(r / G),
    sample: r % G,
    tokens: [],
    logprobs: [],
    finished: false,
  }));
  try {
    // Last-position log-probs per prompt; each prompt's keys/values copied to its G rows (b = i*G + s).
    const pre = forward(model, { ids, B: nP, T: P, positions, keyMask: pad.some((n) => n > 0) ? keyMask : undefined }, { kv: true });
    const last = tf.tidy(() =>
      tf.gather(
        pre.logp,
        tf.tensor1d(
          Int32Array.from({ length: nP }, (_, i) => i * P + P - 1),
          'int32',
        ),
      ),
    );
    let logp: Float32Array;
    try {
      logp = last.dataSync() as Float32Array;
      pre.kv!.forEach(({ k, v }, l) => decoder.cache.fill(l, k.dataSync() as Float32Array, v.dataSync() as Float32Array, P, (b) => Math.floor(b / G)));
    } finally {
      tf.dispose([last, pre.logp, ...pre.kv!.flatMap((e) => [e.k, e.v])]);
    }

    // Only unfinished rows are fed: the step's n active rows are compact (entry i is batch row rows[i]),
    // and logpRow[r] says which row of the last log-prob matrix belongs to batch row r.
    const logpRow = Int32Array.from({ length: B }, (_, r) => Math.floor(r / G)); // first step: per prompt
    const stepTokens = new Int32Array(B);
    const rows = new Int32Array(B);
    const feed = new Int32Array(B);
    const pos = new Int32Array(B);
    for (let step = 0; step < opts.maxNewTokens; step++) {
      let n = 0;
      for (let r = 0; r < B; r++) {
        if (out[r].finished) {
          stepTokens[r] = -1;
          continue;
        }
        const { token, logprob } = sampleToken(logp, logpRow[r] * V, V, opts, opts.rng);
        out[r].tokens.push(token);
        out[r].logprobs.push(logprob);
        stepTokens[r] = token;
        if (stop.has(token) || opts.stopWhen?.(out[r].tokens)) {
          out[r].finished = true;
          continue;
        }
        rows[n] = r;
        feed[n] = token;
        pos[n] = prompts[Math.floor(r / G)].length + step;
        logpRow[r] = n++;
      }
      opts.onStep?.(step, stepTokens);
      if (n === 0 || step === opts.maxNewTokens - 1) break;
      logp = decoder.step(rows.subarray(0, n), feed.subarray(0, n), pos.subarray(0, n), P + step);
    }
  } finally {
    decoder.dispose();
  }
  return out;
}

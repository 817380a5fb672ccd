/**
 * Teacher forcing: per-token log-probabilities of given sequences (the `score` command, evaluation and
 * the training path all read log-probs this way).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from './model.js';
import { forward } from './forward.js';

/**
 * Sequences right-padded into one batch: inputs are seq[:-1], targets seq[1:] (so row b, column t
 * predicts token t+1), mask 1 where the target is real. Shapes [B*T] with T = longest length - 1.
 */
export interface PackedBatch {
  B: number;
  T: number;
  inputs: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
}

export function packSequences(seqs: number[][], padId = 0): PackedBatch {
  if (seqs.some((s) => s.length < 2)) throw new Error('packSequences: every sequence needs at least 2 tokens');
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.length)) - 1;
  const inputs = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.length - 1; t++) {
      inputs[b * T + t] = s[t];
      targets[b * T + t] = s[t + 1];
      mask[b * T + t] = 1;
    }
  });
  return { B, T, inputs, targets, mask };
}

/** log p(target) at every position [N] from log-softmax rows logp [N, V]. */
export function gatherTargets(logp: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [N, V] = logp.shape;
  return tf.tidy(() => {
    const flatIdx = tf.add(tf.mul(tf.range(0, N, 1, 'int32'), tf.scalar(V, 'int32')), targets);
    return tf.gather(tf.reshape(logp, [N * V]), flatIdx) as tf.Tensor1D;
  });
}

export interface ScoreResult {
  /** log p(ids[i+1] | ids[..i]) for i < n-1. */
  nextTokenLogprobs: number[];
  /** The full log-prob row after the last position [V]. */
  lastLogprobs: number[];
}

/** Score one sequence: next-token log-probs and the distribution after its last token. */
export function scoreSequence(model: CausalLM, ids: number[]): ScoreResult {
  if (ids.length === 0) throw new Error('score: give at least one token');
  const V = model.config.vocab_size;
  const bad = ids.find((i) => !Number.isInteger(i) || i < 0 || i >= V);
  if (bad !== undefined) throw new Error(`score: token id ${bad} is outside the vocabulary [0, ${V - 1}]`);
  const T = ids.length;
  const { logp } = forward(model, { ids: Int32Array.from(ids), B: 1, T });
  const all = logp.dataSync() as Float32Array;
  logp.dispose();
  const next: number[] = [];
  for (let t = 0; t < T - 1; t++) next.push(all[t * V + ids[t + 1]]);
  return { nextTokenLogprobs: next, lastLogprobs: Array.from(all.subarray((T - 1) * V, T * V)) };
}

/** Entropy -sum_v p log p of each row of log-softmax rows logp [N, V] (nats): [N]. */
export function rowEntropy(logp: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor1D);
}

/** What a scoring pass reads off a packed batch, in its [B*T] layout (row b, target position t). */
export interface PackedScores {
  /** log p(target) under logits / temperature. */
  tokenLogp: Float32Array;
  /** Entropy of the predictive distribution (at the same temperature) at every position; null when not asked. */
  tokenEntropy: Float32Array | null;
}

/**
 * A scoring pass (forward only, nothing saved) over a packed batch at `temperature`: the token
 * log-probs and (unless `entropy: false`) the entropy at every position, padding included (the
 * caller masks).
 */
export function scorePacked(model: CausalLM, batch: PackedBatch, o: { temperature?: number; entropy?: boolean } = {}): PackedScores {
  const { logp } = forward(model, { ids: batch.inputs, B: batch.B, T: batch.T }, { temperature: o.temperature });
  const targets = tf.tensor1d(batch.targets, 'int32');
  const tok = gatherTargets(logp, targets);
  const ent = o.entropy === false ? null : rowEntropy(logp);
  const out = { tokenLogp: tok.dataSync() as Float32Array, tokenEntropy: ent ? (ent.dataSync() as Float32Array) : null };
  tf.dispose([logp, targets, tok, ...(ent ? [ent] : [])]);
  return out;
}

/**
 * Per-token log-probs of many sequences in one batch: one Float32Array of length len-1 per sequence.
 * `temperature` divides the logits first (training scores rollouts at their sampling temperature).
 */
export function sequenceLogprobs(model: CausalLM, seqs: number[][], o: { temperature?: number } = {}): Float32Array[] {
  const batch = packSequences(seqs);
  const { tokenLogp } = scorePacked(model, batch, { temperature: o.temperature, entropy: false });
  return seqs.map((s, b) => tokenLogp.slice(b * batch.T, b * batch.T + s.length - 1));
}

/**
 * Rollouts as the model and the loss see them: token rows right-padded into one [B, T] batch (row b,
 * target position t scores token t + 1), with the loss masks aligned to the targets. Also the length
 * buckets the update runs on, and the row copies between a bucket's layout and the whole batch's.
 *
 * Every layout here is right-padded from position 0, so row b's position t means the same target in
 * any batch that holds the row; only the row stride T differs (scatterRows, gatherRows).
 */
import { packSequences, type PackedBatch } from '../model/score.js';
import type { PolicyBatch } from '../rl/policy-loss.js';
import { completionIds, type Rollout } from './rollout.js';

/** Tokens (B x T, padding included) per micro-batch; bounds memory and keeps padding low. */
export const MICRO_BATCH_TOKENS = 6144;

export interface MaskOptions {
  /** Which tokens of a guided rollout get the off-policy loss: the whole response or only the teacher's. */
  teacherMask: 'whole-response' | 'teacher-only';
  /** Truncated rollouts get no loss tokens (DAPO's overlong filtering). */
  maskTruncated: boolean;
}

/** Rollouts packed into one batch. */
export interface RolloutPack {
  /** Model inputs, targets and the real-token mask [B*T]. */
  pack: PackedBatch;
  /** The loss's view: completionMask = loss tokens, teacherMask, advantages [B]; oldLogp zeros (the caller fills it). */
  batch: PolicyBatch;
  /** [B*T] 1 on every completion target, loss token or not (maskTruncated aside): what entropy averages over. */
  responseMask: Float32Array;
  /** [B] 1 where the rollout was guided by the teacher. */
  guided: Uint8Array;
}

/** Prompt + completion token rows; the target predicting completion token j of row b sits at b*T + P + j - 1. */
export function packRollouts(rollouts: Rollout[], padId: number, o: MaskOptions): RolloutPack {
  const pack = packSequences(
    rollouts.map((r) => [...r.promptIds, ...completionIds(r)]),
    padId,
  );
  const { B, T } = pack;
  const completionMask = new Float32Array(B * T);
  const teacherMask = new Float32Array(B * T);
  const responseMask = new Float32Array(B * T);
  rollouts.forEach((r, b) => {
    const P = r.promptIds.length;
    const n = completionIds(r).length;
    const lossRow = !(o.maskTruncated && r.truncated);
    const teacherFrom = o.teacherMask === 'whole-response' ? 0 : r.studentIds.length;
    for (let j = 0; j < n; j++) {
      const t = b * T + P + j - 1;
      responseMask[t] = 1;
      if (!lossRow) continue;
      completionMask[t] = 1;
      if (r.guided && j >= teacherFrom) teacherMask[t] = 1;
    }
  });
  const batch: PolicyBatch = {
    B,
    T,
    completionMask,
    teacherMask,
    oldLogp: new Float32Array(B * T),
    advantages: Float32Array.from(rollouts, (r) => r.advantage),
  };
  return { pack, batch, responseMask, guided: Uint8Array.from(rollouts, (r) => (r.guided ? 1 : 0)) };
}

/** Loss tokens of each row [B]. */
export function lossTokensPerRow(p: RolloutPack): Int32Array {
  const { B, T, completionMask } = p.batch;
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b] += completionMask[b * T + t];
  return out;
}

/**
 * Rollout indices grouped into buckets of similar length: sorted by sequence length, a bucket closes
 * when one more row would push rows x longest past `maxTokens`.
 */
export function lengthBuckets(rollouts: Rollout[], maxTokens: number): number[][] {
  const len = (r: Rollout) => r.promptIds.length + completionIds(r).length - 1;
  const order = rollouts.map((_, i) => i).sort((a, b) => len(rollouts[a]) - len(rollouts[b]));
  const buckets: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    if (cur.length > 0 && (cur.length + 1) * len(rollouts[i]) > maxTokens) {
      buckets.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) buckets.push(cur);
  return buckets;
}

/** Row r of `src` ([rows.length * srcT]) into row rows[r] of `dst` ([* dstT]); the shorter stride wins. */
export function scatterRows(src: Float32Array, srcT: number, rows: readonly number[], dst: Float32Array, dstT: number): void {
  const n = Math.min(srcT, dstT);
  rows.forEach((b, r) => dst.set(src.subarray(r * srcT, r * srcT + n), b * dstT));
}

/** Rows `rows` of `src` ([* srcT]) as a [rows.length * dstT] array (the inverse of scatterRows). */
export function gatherRows(src: Float32Array, srcT: number, rows: readonly number[], dstT: number): Float32Array {
  const out = new Float32Array(rows.length * dstT);
  const n = Math.min(srcT, dstT);
  rows.forEach((b, r) => out.set(src.subarray(b * srcT, b * srcT + n), r * dstT));
  return out;
}

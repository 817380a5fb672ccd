/**
 * Which prompts a step trains on, as a pure function of (seed, step): an epoch-wise shuffle of the
 * data set. Nothing to checkpoint, and a resumed run sees exactly the prompts an uninterrupted one would.
 */
import { mulberry32 } from '../rl/rng.js';

/** A uint32 seed derived from a run seed and a label (e.g. step number and stage). */
export function deriveSeed(seed: number, ...labels: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const l of labels) {
    h = Math.imul(h ^ (l >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

function permutation(n: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const rng = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Indices into a data set of size n for the given step (promptsPerStep of them). */
export function promptIndices(n: number, seed: number, step: number, promptsPerStep: number): number[] {
  const out: number[] = [];
  let cached = -1;
  let perm: Int32Array | null = null;
  for (let i = 0; i < promptsPerStep; i++) {
    const k = step * promptsPerStep + i;
    const epoch = Math.floor(k / n);
    if (epoch !== cached) {
      perm = permutation(n, deriveSeed(seed, 0xe90c, epoch));
      cached = epoch;
    }
    out.push(perm![k % n]);
  }
  return out;
}

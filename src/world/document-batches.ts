/** Pretraining batches: whole documents, one per row, similar lengths together (see documentBatches). */
import type { PackedBatch } from '../model/score.js';

/** One encoded document: [bos] + prompt + completion + eos, and where the completion's tokens begin. */
export interface EncodedDocument {
  ids: number[];
  completionStart: number;
}

/**
 * Batches of one document per row, documents of similar length together: each epoch shuffles the
 * documents, sorts each run of `SORT_WINDOW` of them by length, cuts the runs into batches of at most
 * `batchTokens` tokens (rows x the longest row), and shuffles the batches. A document never attends to
 * another one, so training sees exactly the context a student or teacher prompt has at rollout time
 * (packed rows let a solution read the previous document's numbers, a wrong lead for "copy the question's
 * first number"). Padding is masked; the sort keeps it small.
 *
 * Yields PackedBatch: inputs/targets/mask [B * T], T = longest document - 1, targets shifted by one.
 */
export function* documentBatches(docs: EncodedDocument[], batchTokens: number, rng: () => number, completionOnly = false): Generator<PackedBatch> {
  const SORT_WINDOW = 4096;
  // A loop, not Math.max(...): a spread of 100k+ lengths overflows the call stack.
  const longest = docs.reduce((m, d) => Math.max(m, d.ids.length), 0);
  if (longest - 1 > batchTokens) throw new RangeError(`a pretraining document has ${longest} tokens; raise --batch-tokens to at least ${longest - 1}`);
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  while (true) {
    const order = shuffle(Array.from({ length: docs.length }, (_, i) => i));
    const batches: number[][] = [];
    for (let w = 0; w < order.length; w += SORT_WINDOW) {
      const run = order.slice(w, w + SORT_WINDOW).sort((a, b) => docs[a].ids.length - docs[b].ids.length);
      let batch: number[] = [];
      for (const i of run) {
        // Sorted ascending, so this document is the batch's longest: rows x (its length - 1) tokens.
        if (batch.length > 0 && (batch.length + 1) * (docs[i].ids.length - 1) > batchTokens) {
          batches.push(batch);
          batch = [];
        }
        batch.push(i);
      }
      if (batch.length > 0) batches.push(batch);
    }
    for (const batch of shuffle(batches)) {
      const B = batch.length;
      const T = Math.max(...batch.map((i) => docs[i].ids.length)) - 1;
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      const mask = new Float32Array(B * T);
      batch.forEach((i, b) => {
        const { ids, completionStart } = docs[i];
        // Position t predicts ids[t + 1]; with completionOnly only targets inside the completion count.
        for (let t = 0; t + 1 < ids.length; t++) {
          inputs[b * T + t] = ids[t];
          targets[b * T + t] = ids[t + 1];
          mask[b * T + t] = !completionOnly || t + 1 >= completionStart ? 1 : 0;
        }
      });
      yield { B, T, inputs, targets, mask };
    }
  }
}

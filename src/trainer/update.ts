/**
 * The policy update of one step (docs/method.md, "Training loop" step 9; verl's dp_actor.update_policy,
 * TRL's GRPOTrainer with steps_per_generation):
 *
 *   for pass in 0 .. numIterations - 1                      (verl ppo_epochs, TRL num_iterations)
 *     shuffle the prompt groups (seeded) and deal them into `miniBatches` mini-batches
 *     for each mini-batch: its length buckets -> forward, loss, backward; summed gradients -> one AdamW step
 *
 * Old log-probs are taken once, before the first step, under the parameters that sampled the rollouts
 * (theta_0). Mini-batch j of pass 0 is therefore trained j optimiser steps off-policy, and the PPO clip,
 * the dual clip, AAS's negative-advantage fallback and the 'plain' teacher shaping act. The first
 * mini-batch's own training forward runs at theta_0, so its rows need no scoring pass; the scoring
 * forward covers every other row. With miniBatches = numIterations = 1 that leaves only the score-only
 * rows, as before: every ratio is 1.
 *
 * Normalisers: each optimiser step normalises by its own mini-batch, as current verl's agg_loss does
 * with the mini-batch's batch_num_tokens / global_batch_size and as TRL does per step: 'token-mean'
 * divides by the loss tokens of the mini-batch, 'seq-mean-token-mean' by its rows with loss tokens,
 * 'seq-mean-token-sum-norm' by all its rows x maxCompletionTokens. The length buckets of a mini-batch
 * share those counts, so their gradients add up to the mini-batch's. (The older verl the authors' recipe
 * ran took the token mean per micro-batch of 8 prompts and weighted the micro-batches by rows; that is
 * this whenever a mini-batch is one micro-batch.)
 *
 * Score-only rows: a row with advantage 0 and no KL term, or with no loss tokens (maskTruncated), has
 * zero gradient. It is scored once at theta_0 for the metrics and counts in its mini-batch's normaliser
 * (its tokens are in verl's loss mask), but it is never forwarded again.
 *
 * Metrics: the policy metrics (clip fractions, teacher modes, losses by row kind) are summed over the
 * tokens of every update, each update's rows at the parameters just before it, and divided once; the
 * score-only rows count once, at theta_0. Entropy is theta_0's, over every completion token.
 */
import type { CausalLM } from '../model/model.js';
import { scorePacked } from '../model/score.js';
import {
  addTallies,
  buildPolicyLoss,
  emptyTally,
  tallyMetrics,
  type PolicyLossConfig,
  type PolicyMetrics,
  type PolicyNormalizers,
  type PolicyTally,
} from '../rl/policy-loss.js';
import { mulberry32 } from '../rl/rng.js';
import type { AdamW } from '../train/optim.js';
import { accumulatedTrainStep, type TrainPart } from '../train/step.js';
import { MICRO_BATCH_TOKENS, gatherRows, lengthBuckets, lossTokensPerRow, packRollouts, scatterRows, type MaskOptions, type RolloutPack } from './pack.js';
import type { Rollout } from './rollout.js';
import { mean } from '../math.js';

export interface UpdateSettings {
  loss: PolicyLossConfig;
  masks: MaskOptions;
  /** Optimiser steps per pass: the prompt groups are dealt into this many mini-batches (<= groups). */
  miniBatches: number;
  /** Passes over the batch, each through all mini-batches. */
  numIterations: number;
  /** Sampling temperature: every log-prob of the update is log_softmax(logits / temperature). */
  temperature: number;
  lr: number;
  maxGradNorm: number;
  padId: number;
  /** Seeds the mini-batch shuffle (one permutation of the prompt groups per pass). */
  seed: number;
  /** Micro-batch size in B x T tokens (default MICRO_BATCH_TOKENS). */
  microBatchTokens?: number;
}

export interface PolicyModels {
  student: CausalLM;
  /** The frozen reference for the KL term (used when loss.beta > 0). */
  reference: CausalLM | null;
  optimizer: AdamW;
}

/** One optimiser step, in the whole batch's [B*T] layout. */
export interface UpdateRecord {
  pass: number;
  miniBatch: number;
  /** Rollout indices of the mini-batch, ascending (score-only ones included). */
  rows: number[];
  /** The rows that went through forward and backward. */
  trained: number[];
  normalizers: PolicyNormalizers;
  loss: number;
  gradNorm: number;
  skipped: boolean;
  /** [B*T] log-probs of the trained rows under the parameters just before this step (0 elsewhere). */
  logp: Float32Array;
  /** [B*T] exp(logp - oldLogp) where the clipped loss scored a token of a trained row (0 elsewhere). */
  ratio: Float32Array;
  /** Counts of this step's tokens (pass 0: the mini-batch's score-only rows too, at theta_0). */
  tally: PolicyTally;
}

export interface EntropySplit {
  /** Mean over every completion token; guided / unguided rows only. Null where there are none. */
  all: number | null;
  guided: number | null;
  unguided: number | null;
}

export interface UpdateOutcome {
  /** The rollouts packed once, in the order given: the layout of every [B*T] array here. */
  full: RolloutPack;
  /** [B*T] behaviour log-probs: theta_0 (the sampling policy) at the sampling temperature. */
  oldLogp: Float32Array;
  updates: UpdateRecord[];
  /** Mean loss and gradient norm over the optimiser steps. */
  loss: number;
  gradNorm: number;
  /** Some step had a non-finite loss or gradient (it was skipped; with non-finite old log-probs all were). */
  skipped: boolean;
  /** Over all updates; null when skipped. */
  policy: PolicyMetrics | null;
  /** theta_0's entropy over completion tokens. */
  entropy: EntropySplit;
  /** [B*T] the shaping weight of each teacher token in the step that first trained its row (pass 0). */
  teacherTokenWeight: Float32Array;
  /** Real tokens through the student's forward passes (scoring and training). */
  tokensProcessed: number;
}

/**
 * Prompt groups 0..nGroups-1 dealt into k mini-batches of near-equal size (the first nGroups % k get
 * one more), after a Fisher-Yates shuffle driven by `rng`; each mini-batch ascending. k = 1 keeps the
 * batch whole and draws nothing.
 */
export function splitGroups(nGroups: number, k: number, rng: () => number): number[][] {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`grpo.miniBatches must be an integer >= 1, got ${k}.`);
  if (k > nGroups) {
    throw new Error(
      `grpo.miniBatches (${k}) is more than the ${nGroups} prompt groups of a step; lower grpo.miniBatches or raise data.promptsPerStep (a mini-batch holds whole groups).`,
    );
  }
  const order = Array.from({ length: nGroups }, (_, i) => i);
  if (k === 1) return [order];
  for (let i = nGroups - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out: number[][] = [];
  let at = 0;
  for (let m = 0; m < k; m++) {
    const size = Math.floor(nGroups / k) + (m < nGroups % k ? 1 : 0);
    out.push(order.slice(at, at + size).sort((a, b) => a - b));
    at += size;
  }
  return out;
}

/**
 * Rollout indices of each mini-batch of each pass: numIterations x miniBatches lists. Groups are the
 * rollouts' `group` labels; each pass draws a fresh split from the one seeded stream.
 */
export function planMiniBatches(groupOf: readonly number[], miniBatches: number, numIterations: number, rng: () => number): number[][][] {
  const labels = [...new Set(groupOf)].sort((a, b) => a - b);
  return Array.from({ length: numIterations }, () =>
    splitGroups(labels.length, miniBatches, rng).map((gs) => {
      const inBatch = new Set(gs.map((g) => labels[g]));
      return groupOf.flatMap((g, i) => (inBatch.has(g) ? [i] : []));
    }),
  );
}

/** The counts one optimiser step over `rows` divides by (see the header). */
export function stepNormalizers(lossTokens: Int32Array, rows: readonly number[]): Required<PolicyNormalizers> {
  const tokens = rows.reduce((n, b) => n + lossTokens[b], 0);
  const sequences = rows.filter((b) => lossTokens[b] > 0).length;
  // tokens / sequences only divide when there are loss tokens; 1 keeps the loss validator happy otherwise.
  return { tokens: Math.max(1, tokens), sequences: Math.max(1, sequences), rows: rows.length };
}

/** Mean of `values` over `mask` (and rows where `rowOk`); null with no such token. */
function maskedMean(values: Float32Array, mask: Float32Array, T: number, rowOk: (b: number) => boolean): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0 || !rowOk(Math.floor(i / T))) continue;
    sum += values[i];
    n++;
  }
  return n > 0 ? sum / n : null;
}

/** One packed subset of the rollouts (a length bucket), with its rows in the full batch. */
interface Part {
  rows: number[];
  sub: RolloutPack;
}

function bucketParts(rollouts: Rollout[], rows: number[], s: UpdateSettings): Part[] {
  return lengthBuckets(
    rows.map((b) => rollouts[b]),
    s.microBatchTokens ?? MICRO_BATCH_TOKENS,
  )
    .map((bucket) => bucket.map((k) => rows[k]))
    .map((ix) => ({
      rows: ix,
      sub: packRollouts(
        ix.map((b) => rollouts[b]),
        s.padId,
        s.masks,
      ),
    }));
}

/** A scoring forward of `rows` (by length buckets) into full-layout log-probs and entropies; returns real tokens scored. */
function scoreInto(
  model: CausalLM,
  rollouts: Rollout[],
  rows: number[],
  s: UpdateSettings,
  T: number,
  logp: Float32Array,
  entropy: Float32Array | null,
): number {
  let tokens = 0;
  for (const p of bucketParts(rollouts, rows, s)) {
    const r = scorePacked(model, p.sub.pack, { temperature: s.temperature, entropy: entropy !== null });
    scatterRows(r.tokenLogp, p.sub.pack.T, p.rows, logp, T);
    if (entropy && r.tokenEntropy) scatterRows(r.tokenEntropy, p.sub.pack.T, p.rows, entropy, T);
    tokens += p.sub.pack.mask.reduce((a, b) => a + b, 0);
  }
  return tokens;
}

/** All loss tokens of `rows` have finite values in `x` ([B*T]). */
function finiteOn(x: Float32Array, completionMask: Float32Array, rows: readonly number[], T: number): boolean {
  return rows.every((b) => {
    for (let t = 0; t < T; t++) if (completionMask[b * T + t] === 1 && !Number.isFinite(x[b * T + t])) return false;
    return true;
  });
}

/** Mini-batched policy update of one step's rollouts (see the header). Mutates the student and the optimiser only. */
export function updatePolicy(models: PolicyModels, rollouts: Rollout[], s: UpdateSettings): UpdateOutcome {
  const { student, reference, optimizer } = models;
  const full = packRollouts(rollouts, s.padId, s.masks);
  const { B, T } = full.pack;
  const lossTokens = lossTokensPerRow(full);
  const klTerm = s.loss.beta > 0 && reference !== null;
  // Every policy and shaping term is a multiple of A; only the KL term is not.
  const trainable = (b: number) => lossTokens[b] > 0 && (klTerm || full.batch.advantages[b] !== 0);
  const plan = planMiniBatches(
    rollouts.map((r) => r.group),
    s.miniBatches,
    s.numIterations,
    mulberry32(s.seed),
  );

  // theta_0: behaviour log-probs and entropies. The first step's rows get theirs from its own forward.
  const all = rollouts.map((_, b) => b);
  const firstTrained = new Set(plan[0][0].filter(trainable));
  const scored = all.filter((b) => !firstTrained.has(b));
  const oldLogp = new Float32Array(B * T);
  const entropy0 = new Float32Array(B * T);
  let tokensProcessed = scoreInto(student, rollouts, scored, s, T, oldLogp, entropy0);
  let refLogp: Float32Array | undefined;
  if (klTerm) {
    refLogp = new Float32Array(B * T);
    scoreInto(reference!, rollouts, all.filter(trainable), s, T, refLogp, null);
  }

  const updates: UpdateRecord[] = [];
  const teacherTokenWeight = new Float32Array(B * T);
  let skipped = false;
  // A broken forward (non-finite old log-probs) cannot be trained against: skip every step.
  let halt = !finiteOn(oldLogp, full.batch.completionMask, scored, T);
  for (let pass = 0; pass < plan.length && !halt; pass++) {
    for (let j = 0; j < plan[pass].length && !halt; j++) {
      const first = pass === 0 && j === 0;
      const rows = plan[pass][j];
      const trained = rows.filter(trainable);
      const normalizers = stepNormalizers(lossTokens, rows);
      const parts = bucketParts(rollouts, trained, s).map((p) => {
        const batch = {
          ...p.sub.batch,
          oldLogp: gatherRows(oldLogp, T, p.rows, p.sub.pack.T),
          refLogp: refLogp ? gatherRows(refLogp, T, p.rows, p.sub.pack.T) : undefined,
          normalizers,
        };
        return { ...p, batch, policy: buildPolicyLoss(batch, s.loss) };
      });
      const trainParts: TrainPart[] = parts.map((p) => ({
        batch: p.sub.pack,
        entropyMask: p.sub.responseMask,
        lossFn: (tokenLogp: Float32Array) => {
          // The first step runs at theta_0: its behaviour log-probs are this forward's, detached.
          if (first) p.batch.oldLogp.set(tokenLogp);
          return p.policy.lossFn(tokenLogp);
        },
      }));
      const r = accumulatedTrainStep(student, optimizer, trainParts, { lr: s.lr, maxGradNorm: s.maxGradNorm, temperature: s.temperature });
      skipped ||= r.skipped;
      const rec: UpdateRecord = {
        pass,
        miniBatch: j,
        rows,
        trained,
        normalizers,
        loss: r.loss,
        gradNorm: r.gradNorm,
        skipped: r.skipped,
        logp: new Float32Array(B * T),
        ratio: new Float32Array(B * T),
        tally: emptyTally(),
      };
      parts.forEach((p, k) => {
        const PT = p.sub.pack.T;
        tokensProcessed += p.sub.pack.mask.reduce((a, b) => a + b, 0);
        scatterRows(r.tokenLogp[k], PT, p.rows, rec.logp, T);
        const st = p.policy.stats(r.tokenLogp[k]);
        rec.tally = addTallies(rec.tally, st.tally);
        scatterRows(st.ratio, PT, p.rows, rec.ratio, T);
        if (pass === 0) scatterRows(st.teacherTokenWeight, PT, p.rows, teacherTokenWeight, T);
        if (first) {
          scatterRows(r.tokenLogp[k], PT, p.rows, oldLogp, T);
          scatterRows(r.tokenEntropy[k], PT, p.rows, entropy0, T);
        }
      });
      if (pass === 0) {
        // Score-only rows count once, at theta_0, with their mini-batch (ratio 1, zero loss unless KL).
        const idle = rows.filter((b) => !trainable(b) && lossTokens[b] > 0);
        if (idle.length) {
          const sub = packRollouts(
            idle.map((b) => rollouts[b]),
            s.padId,
            s.masks,
          );
          const at0 = gatherRows(oldLogp, T, idle, sub.pack.T);
          const st = buildPolicyLoss({ ...sub.batch, oldLogp: at0, normalizers }, { ...s.loss, beta: 0 }).stats(at0);
          rec.tally = addTallies(rec.tally, st.tally);
          scatterRows(st.teacherTokenWeight, sub.pack.T, idle, teacherTokenWeight, T);
        }
      }
      updates.push(rec);
      if (first) halt = !finiteOn(oldLogp, full.batch.completionMask, trained, T);
    }
  }
  skipped ||= halt;

  const total = updates.reduce((t, u) => addTallies(t, u.tally), emptyTally());
  const guided = (b: number) => full.guided[b] === 1;
  return {
    full,
    oldLogp,
    updates,
    loss: mean(updates.map((u) => u.loss)),
    gradNorm: mean(updates.map((u) => u.gradNorm)),
    skipped,
    policy: skipped ? null : tallyMetrics(total),
    entropy: {
      all: maskedMean(entropy0, full.responseMask, T, () => true),
      guided: maskedMean(entropy0, full.responseMask, T, guided),
      unguided: maskedMean(entropy0, full.responseMask, T, (b) => !guided(b)),
    },
    teacherTokenWeight,
    tokensProcessed,
  };
}

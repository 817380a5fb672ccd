/**
 * The GRPO + ThinkTuning policy loss over a packed batch, as a host `TokenLoss` (src/train/step.ts):
 * token log-probs [B*T] in, the loss and d loss / d logp per token out. Pure numbers, float64 inside.
 *
 * Per completion token (docs/method.md, "Loss"):
 *   ordinary tokens: PPO clipped surrogate with dual clip against oldLogp   (ppoClipTokenLoss)
 *   teacher tokens:  'aas'   -A p / stopgrad(p + gamma(A)), guards, fallback (aasTokenLoss)
 *                    'luffy' -A p / (p + luffyGamma)                         (luffyTokenLoss)
 *                    'plain' the clipped surrogate against oldLogp, i.e. the student's own score of
 *                            the teacher's tokens at rollout time
 *   plus beta * k3 KL to the reference model, k3 = exp(ref - logp) - (ref - logp) - 1 (TRL's estimator).
 * Which tokens count as teacher tokens ('whole-response' or 'teacher-only') is the caller's mask.
 *
 * Aggregation (L = sum_i c_i * loss_i over completion tokens; c_i is fixed per batch):
 *   'token-mean'              c = 1 / N_tokens                              (paper, DAPO, verl)
 *   'seq-mean-token-mean'     c = 1 / (S * n_b), S = rows with >= 1 completion token (verl; TRL's
 *                             'grpo' divides by all B rows, the same whenever no row is empty)
 *   'seq-mean-token-sum-norm' c = 1 / (B * maxCompletionTokens), B = every row, those without a loss
 *                             token included (truncated rows under maskTruncated): a constant for a
 *                             fixed batch size, as Dr. GRPO and verl's loss_scale_factor intend
 * `batch.normalizers` replaces N_tokens / S / B by the counts of the whole optimisation step when this
 * batch is one micro-batch of it (verl's batch_num_tokens / global_batch_size), so micro-batch losses
 * and gradients add up to the full batch's.
 *
 * The AAS gradient is that of a surrogate with a stop-gradient: d loss / d logp = -A p / d with the
 * denominator d (and the guard / fallback choice) held constant. It is therefore NOT the derivative of
 * the returned loss value -A p / (p + gamma) as a plain function of logp; `evaluate(logp, at)` freezes
 * the stop-gradient quantities at `at` so that finite differences can check it.
 */
import { aasTokenLoss, luffyTokenLoss, ppoClipTokenLoss, AAS_GAMMA_MODES, type AasGammaMode, type AasMode, type ClipKind } from './shaping.js';
import type { TokenLoss } from '../train/step.js';

export type PolicyLossType = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';
export type TeacherShaping = 'aas' | 'luffy' | 'plain';

export interface PolicyLossConfig {
  lossType: PolicyLossType;
  /** The constant L in Dr. GRPO's B * L normaliser; required by 'seq-mean-token-sum-norm'. */
  maxCompletionTokens: number | null;
  /** PPO ratio clip: [1 - epsLow, 1 + epsHigh] (paper: 0.2, 0.2). */
  epsLow: number;
  epsHigh: number;
  /** Dual-clip constant c > 1 for A < 0 (paper: 3); null disables it. */
  dualClip: number | null;
  /** Weight of the k3 KL term; > 0 needs batch.refLogp (paper: 0). */
  beta: number;
  shaping: TeacherShaping;
  /** AAS gamma(A) = gMin + (gMax - gMin)(aMax - A)/(aMax - aMin), clamped (shaping.ts, aasGamma). */
  gMin: number;
  gMax: number;
  aMin: number;
  aMax: number;
  /** AAS clamp: 'as-written' (bounds ordered, gamma = A / 4000) or 'released' (gamma = gMax = -0.001). */
  gamma: AasGammaMode;
  /** AAS: teacher tokens with A < 0 and p below this use the clipped loss against oldLogp (0.01). */
  fallbackP: number;
  /** LUFFY: f(p) = p / (p + luffyGamma) (0.1). */
  luffyGamma: number;
}

/** The paper's settings (docs/method.md; train-config.ts has the same defaults). */
export const DEFAULT_POLICY_LOSS_CONFIG: PolicyLossConfig = {
  lossType: 'token-mean',
  maxCompletionTokens: null,
  epsLow: 0.2,
  epsHigh: 0.2,
  dualClip: 3,
  beta: 0,
  shaping: 'aas',
  gMin: 0.001,
  gMax: -0.001,
  aMin: -4,
  aMax: 4,
  gamma: 'released',
  fallbackP: 0.01,
  luffyGamma: 0.1,
};

/** One packed batch, row-major [B, T]; position t scores target token t + 1. */
export interface PolicyBatch {
  B: number;
  T: number;
  /** [B*T] 1 on completion targets (student and teacher parts), 0 on prompt and padding. */
  completionMask: Float32Array;
  /** [B*T] 1 on tokens scored off-policy (a subset of completionMask; the caller picks the policy). */
  teacherMask: Float32Array;
  /** [B*T] log-prob under the policy that sampled the rollout (for teacher tokens: the student's score). */
  oldLogp: Float32Array;
  /** [B*T] frozen reference log-probs; needed when beta > 0, and gives the `kl` metric when present. */
  refLogp?: Float32Array;
  /** [B] one advantage per sequence. */
  advantages: Float32Array;
  /** Counts of the whole optimisation step when this batch is a micro-batch of it (see the header). */
  normalizers?: PolicyNormalizers;
}

/**
 * The counts of one optimisation step (a mini-batch) that the aggregation divides by, when this batch
 * is only a part (a length bucket) of it:
 *   tokens     loss tokens of the step ('token-mean');
 *   sequences  rows with >= 1 loss token ('seq-mean-token-mean');
 *   rows       every row of the step, empty ones included ('seq-mean-token-sum-norm': rows * L).
 */
export interface PolicyNormalizers {
  tokens?: number;
  sequences?: number;
  rows?: number;
}

/** Step metrics under TRL's names where TRL has one. Fractions are over the tokens named; null = no such tokens. */
export interface PolicyMetrics {
  /** Completion non-teacher tokens with A < 0 and ratio < 1 - epsLow (their loss is held constant). */
  'clip_ratio/low_mean': number;
  /** Completion non-teacher tokens with A > 0 and ratio > 1 + epsHigh. */
  'clip_ratio/high_mean': number;
  /** low + high. */
  'clip_ratio/region_mean': number;
  /** Completion non-teacher tokens with A < 0 and ratio > dualClip. */
  'clip_ratio/dual': number;
  /** Mean k3 KL over completion tokens; null without refLogp. */
  kl: number | null;
  'teacher/tokens': number;
  /** Mean current probability of teacher tokens. */
  'teacher/mean_p': number | null;
  /** AAS only: teacher tokens on the clipped-loss fallback (A < 0, p < fallbackP). */
  'teacher/fallback_frac': number | null;
  /** AAS only: teacher tokens whose denominator hit a guard (p + gamma <= 0 or > 1). */
  'teacher/guard_frac': number | null;
  /** Token-mean loss (policy + beta * KL) over rows with / without teacher tokens. */
  'loss/guided': number | null;
  'loss/unguided': number | null;
}

/** How a teacher token was scored; `teacherTokenMode` holds the index into this list. */
export const TEACHER_TOKEN_MODES = ['none', 'shaped', 'guard-negative', 'guard-above-one', 'fallback', 'luffy', 'plain'] as const;
export type TeacherTokenMode = (typeof TEACHER_TOKEN_MODES)[number];

/**
 * The raw counts behind PolicyMetrics, so that the metrics of several batches (the updates of one
 * step) can be summed first and divided once: addTallies, tallyMetrics.
 */
export interface PolicyTally {
  /** Completion tokens (ordinary + teacher). */
  tokens: number;
  /** Non-teacher completion tokens, and those of them a clip bound held. */
  ordinary: number;
  low: number;
  high: number;
  dual: number;
  /** Teacher tokens; those scored by AAS; sum of their min(1, p); AAS fallbacks and guards. */
  teacher: number;
  aasTeacher: number;
  teacherP: number;
  fallback: number;
  guard: number;
  /** Sum of k3 KL and the tokens it was measured on (0 without refLogp). */
  kl: number;
  klTokens: number;
  /** Sum of per-token losses (policy + beta * KL) and token counts over rows with / without teacher tokens. */
  guidedLoss: number;
  guidedTokens: number;
  unguidedLoss: number;
  unguidedTokens: number;
}

export function emptyTally(): PolicyTally {
  return {
    tokens: 0,
    ordinary: 0,
    low: 0,
    high: 0,
    dual: 0,
    teacher: 0,
    aasTeacher: 0,
    teacherP: 0,
    fallback: 0,
    guard: 0,
    kl: 0,
    klTokens: 0,
    guidedLoss: 0,
    guidedTokens: 0,
    unguidedLoss: 0,
    unguidedTokens: 0,
  };
}

/** Field-wise sum. */
export function addTallies(a: PolicyTally, b: PolicyTally): PolicyTally {
  const out = emptyTally();
  for (const k of Object.keys(out) as (keyof PolicyTally)[]) out[k] = a[k] + b[k];
  return out;
}

/** Fractions and means from the counts (0 for a clip fraction over no tokens, null for an undefined mean). */
export function tallyMetrics(c: PolicyTally): PolicyMetrics {
  const frac = (x: number, of: number) => (of > 0 ? x / of : 0);
  const aasFrac = (x: number) => (c.aasTeacher > 0 ? x / c.aasTeacher : null);
  return {
    'clip_ratio/low_mean': frac(c.low, c.ordinary),
    'clip_ratio/high_mean': frac(c.high, c.ordinary),
    'clip_ratio/region_mean': frac(c.low + c.high, c.ordinary),
    'clip_ratio/dual': frac(c.dual, c.ordinary),
    kl: c.klTokens > 0 ? c.kl / c.klTokens : null,
    'teacher/tokens': c.teacher,
    'teacher/mean_p': c.teacher > 0 ? c.teacherP / c.teacher : null,
    'teacher/fallback_frac': aasFrac(c.fallback),
    'teacher/guard_frac': aasFrac(c.guard),
    'loss/guided': c.guidedTokens > 0 ? c.guidedLoss / c.guidedTokens : null,
    'loss/unguided': c.unguidedTokens > 0 ? c.unguidedLoss / c.unguidedTokens : null,
  };
}

export interface PolicyStats {
  metrics: PolicyMetrics;
  /** The counts behind `metrics` (tallyMetrics(tally) = metrics). */
  tally: PolicyTally;
  /**
   * [B*T] for each teacher token, the w in  d loss_t / d p = -A * w  (per token, before the aggregation
   * factor c and without the KL term); 0 on every other token:
   *   AAS shaped / guarded: 1 / stopgrad(p + gamma), or the guard's 1 / (p / 1.0001), 1 / (p / 0.9999)
   *   AAS fallback, plain:  ratio / p = 1 / p_old (the importance weight), 0 where a clip holds
   *   LUFFY:                luffyGamma / (p + luffyGamma)^2
   * w > 1 / p amplifies the token relative to on-policy learning (ratio p / p_old with p_old = p).
   */
  teacherTokenWeight: Float32Array;
  /** [B*T] index into TEACHER_TOKEN_MODES (0 = not a teacher token). */
  teacherTokenMode: Uint8Array;
  /** [B*T] the importance ratio exp(clamp(logp - oldLogp)) of every token scored by the clipped loss; 0 elsewhere. */
  ratio: Float32Array;
}

export interface PolicyLoss {
  lossFn: TokenLoss;
  stats(tokenLogp: Float32Array): PolicyStats;
  /**
   * The loss in float64 at `tokenLogp`, with AAS's stop-gradient quantities (denominator, guard and
   * fallback choice) taken at `stopGradientAt` (default: tokenLogp itself, which is what lossFn does).
   * dLogp is the exact derivative of `loss` w.r.t. tokenLogp with stopGradientAt held fixed.
   */
  evaluate(tokenLogp: ArrayLike<number>, stopGradientAt?: ArrayLike<number>): { loss: number; dLogp: Float64Array };
}

/** The per-token result shared by the loss and the stats. */
interface TokenScore {
  /** policy loss + beta * kl, and its derivative w.r.t. logp. */
  loss: number;
  dLogp: number;
  kl: number | null;
  clip: ClipKind | null;
  /** The PPO ratio where the clipped loss scored the token, else null. */
  ratio: number | null;
  teacherMode: TeacherTokenMode;
  teacherWeight: number;
  p: number;
}

/**
 * p = exp(logp) must lie in (0, 1] for the shapings. Float32 log-softmax can round a near-certain
 * token's log-prob to a tiny positive number, and exp underflows to 0 below ~-745: clamp to
 * [LOGP_FLOOR, 0]; the derivative is 0 outside the range (as torch.clamp). At p ~ 1 the softmax
 * backward multiplies by (1 - p) ~ 0 anyway.
 */
const LOGP_FLOOR = -700;

function clampLogp(logp: number): { lp: number; inRange: boolean } {
  if (logp > 0) return { lp: 0, inRange: false };
  if (logp < LOGP_FLOOR) return { lp: LOGP_FLOOR, inRange: false };
  return { lp: logp, inRange: true };
}

const AAS_MODE: Record<AasMode, TeacherTokenMode> = {
  shaped: 'shaped',
  'guard-negative': 'guard-negative',
  'guard-above-one': 'guard-above-one',
  fallback: 'fallback',
};

/** Fail at build time, in one line each, rather than mid-step. */
function validate(batch: PolicyBatch, cfg: PolicyLossConfig): void {
  const { B, T } = batch;
  if (!(Number.isInteger(B) && B > 0 && Number.isInteger(T) && T > 0)) throw new Error(`Policy batch needs positive integer B and T, got B=${B}, T=${T}.`);
  const n = B * T;
  const arrays: [string, Float32Array | undefined][] = [
    ['completionMask', batch.completionMask],
    ['teacherMask', batch.teacherMask],
    ['oldLogp', batch.oldLogp],
    ['refLogp', batch.refLogp],
  ];
  for (const [name, a] of arrays) {
    if (a !== undefined && a.length !== n) throw new Error(`Policy batch ${name} has ${a.length} entries; it must be [B*T] = ${n}.`);
  }
  if (batch.advantages.length !== B) throw new Error(`Policy batch advantages has ${batch.advantages.length} entries; it must be one per sequence (B = ${B}).`);
  batch.advantages.forEach((a, b) => {
    if (!Number.isFinite(a)) throw new Error(`Advantage of sequence ${b} is ${a}: advantages must be finite.`);
  });
  for (let i = 0; i < n; i++) {
    const c = batch.completionMask[i];
    const t = batch.teacherMask[i];
    if ((c !== 0 && c !== 1) || (t !== 0 && t !== 1)) throw new Error(`Masks must hold 0 or 1; token ${i} has completion ${c}, teacher ${t}.`);
    if (t === 1 && c === 0) throw new Error(`teacherMask marks token ${i} outside the completion: build it as a subset of completionMask.`);
    if (c === 1 && !Number.isFinite(batch.oldLogp[i])) throw new Error(`oldLogp of completion token ${i} is ${batch.oldLogp[i]}: score the rollout again.`);
    if (c === 1 && batch.refLogp && !Number.isFinite(batch.refLogp[i]))
      throw new Error(`refLogp of completion token ${i} is ${batch.refLogp[i]}: score it with the reference model again.`);
  }
  if (!['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'].includes(cfg.lossType)) {
    throw new Error(`Unknown loss type "${cfg.lossType}": use token-mean, seq-mean-token-mean or seq-mean-token-sum-norm.`);
  }
  if (cfg.lossType === 'seq-mean-token-sum-norm' && !(Number.isInteger(cfg.maxCompletionTokens) && cfg.maxCompletionTokens! > 0)) {
    throw new Error(`seq-mean-token-sum-norm needs maxCompletionTokens (a positive integer, e.g. the response length cap), got ${cfg.maxCompletionTokens}.`);
  }
  if (!['aas', 'luffy', 'plain'].includes(cfg.shaping)) throw new Error(`Unknown teacher shaping "${cfg.shaping}": use aas, luffy or plain.`);
  if (!(cfg.epsLow > 0 && cfg.epsLow < 1 && cfg.epsHigh > 0))
    throw new Error(`PPO clip needs 0 < epsLow < 1 and epsHigh > 0, got ${cfg.epsLow}, ${cfg.epsHigh}.`);
  if (cfg.dualClip !== null && !(cfg.dualClip > 1)) throw new Error(`Dual-clip constant must be > 1 (or null to disable), got ${cfg.dualClip}.`);
  if (!(cfg.beta >= 0)) throw new Error(`KL coefficient beta must be >= 0, got ${cfg.beta}.`);
  if (cfg.beta > 0 && !batch.refLogp) throw new Error(`beta = ${cfg.beta} needs batch.refLogp: score the batch with the reference model, or set beta to 0.`);
  if (!(cfg.aMax > cfg.aMin)) throw new Error(`AAS needs aMax > aMin, got aMin=${cfg.aMin}, aMax=${cfg.aMax}.`);
  if (!(cfg.fallbackP >= 0 && cfg.fallbackP <= 1)) throw new Error(`AAS fallbackP must be in [0, 1], got ${cfg.fallbackP}.`);
  if (!(cfg.luffyGamma > 0)) throw new Error(`luffyGamma must be > 0, got ${cfg.luffyGamma}.`);
  if (!AAS_GAMMA_MODES.includes(cfg.gamma)) throw new Error(`Unknown AAS gamma mode "${cfg.gamma}": use ${AAS_GAMMA_MODES.join(' or ')}.`);
  const { tokens, sequences, rows } = batch.normalizers ?? {};
  if (tokens !== undefined && !(tokens > 0)) throw new Error(`normalizers.tokens must be > 0 (the step's completion-token count), got ${tokens}.`);
  if (sequences !== undefined && !(sequences > 0)) throw new Error(`normalizers.sequences must be > 0 (the step's sequence count), got ${sequences}.`);
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= B))
    throw new Error(`normalizers.rows must be an integer >= this batch's ${B} rows (the step's row count), got ${rows}.`);
}

/** The completion tokens of the batch, their rows, and each one's aggregation factor c_i. */
interface ActiveTokens {
  index: Int32Array;
  row: Int32Array;
  coef: Float64Array;
  teacher: Uint8Array;
  /** [B] 1 where the row has at least one teacher token. */
  guidedRow: Uint8Array;
}

function activeTokens(batch: PolicyBatch, cfg: PolicyLossConfig): ActiveTokens {
  const { B, T, completionMask, teacherMask } = batch;
  const perRow = new Int32Array(B);
  const guidedRow = new Uint8Array(B);
  let total = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      perRow[b] += completionMask[b * T + t];
      if (teacherMask[b * T + t] === 1) guidedRow[b] = 1;
    }
    total += perRow[b];
  }
  const nonEmptyRows = perRow.reduce((s, n) => s + (n > 0 ? 1 : 0), 0);
  const tokens = batch.normalizers?.tokens ?? total;
  const index = new Int32Array(total);
  const row = new Int32Array(total);
  const coef = new Float64Array(total);
  const teacher = new Uint8Array(total);
  let k = 0;
  for (let i = 0; i < B * T; i++) {
    if (completionMask[i] !== 1) continue;
    const b = Math.floor(i / T);
    index[k] = i;
    row[k] = b;
    teacher[k] = teacherMask[i];
    if (cfg.lossType === 'token-mean') coef[k] = 1 / tokens;
    else if (cfg.lossType === 'seq-mean-token-mean') coef[k] = 1 / ((batch.normalizers?.sequences ?? nonEmptyRows) * perRow[b]);
    else coef[k] = 1 / ((batch.normalizers?.rows ?? B) * cfg.maxCompletionTokens!); // every row: a constant
    k++;
  }
  return { index, row, coef, teacher, guidedRow };
}

/** w with d loss / d p = -A w for a token scored by the clipped loss (0 where a clip holds the loss). */
function clippedWeight(ppo: ReturnType<typeof ppoClipTokenLoss>, p: number, A: number): number {
  if (ppo.clipped !== 'none') return 0;
  return A !== 0 ? ppo.dLossDlogp / (-A * p) : ppo.ratio / p;
}

/**
 * Builds the loss of one batch. Masks, counts and aggregation factors are fixed here; lossFn and stats
 * only read the current log-probs. Tokens outside completionMask are never read (they may hold anything)
 * and get exactly zero gradient.
 */
export function buildPolicyLoss(batch: PolicyBatch, options: Partial<PolicyLossConfig> = {}): PolicyLoss {
  const cfg: PolicyLossConfig = { ...DEFAULT_POLICY_LOSS_CONFIG, ...options };
  validate(batch, cfg);
  const act = activeTokens(batch, cfg);
  const ppoOpts = { epsLow: cfg.epsLow, epsHigh: cfg.epsHigh, dualClip: cfg.dualClip };
  const aasOpts = { gMin: cfg.gMin, gMax: cfg.gMax, aMin: cfg.aMin, aMax: cfg.aMax, gamma: cfg.gamma, fallbackBelowP: cfg.fallbackP, ppo: ppoOpts };
  const n = batch.B * batch.T;

  function teacherPart(logp: number, sgLogp: number, A: number, oldLogp: number): TokenScore {
    if (cfg.shaping === 'plain') {
      const ppo = ppoClipTokenLoss(logp, oldLogp, A, ppoOpts);
      const p = Math.exp(logp);
      return {
        loss: ppo.loss,
        dLogp: ppo.dLossDlogp,
        clip: ppo.clipped,
        ratio: ppo.ratio,
        teacherMode: 'plain',
        teacherWeight: clippedWeight(ppo, p, A),
        p,
        kl: null,
      };
    }
    const { lp, inRange } = clampLogp(logp);
    const p = Math.exp(lp);
    if (cfg.shaping === 'luffy') {
      const r = luffyTokenLoss(p, A, cfg.luffyGamma);
      const w = cfg.luffyGamma / ((p + cfg.luffyGamma) * (p + cfg.luffyGamma));
      return { loss: r.loss, dLogp: inRange ? r.dLossDlogp : 0, clip: null, ratio: null, teacherMode: 'luffy', teacherWeight: w, p, kl: null };
    }
    // AAS: the mode and denominator are stop-gradient quantities, taken at sgLogp (= logp in training).
    const frozen = aasTokenLoss(Math.exp(clampLogp(sgLogp).lp), A, { ...aasOpts, oldLogp });
    if (frozen.mode === 'fallback') {
      const ppo = ppoClipTokenLoss(logp, oldLogp, A, ppoOpts); // the fallback aasTokenLoss chose, at the current logp
      return {
        loss: ppo.loss,
        dLogp: ppo.dLossDlogp,
        clip: ppo.clipped,
        ratio: ppo.ratio,
        teacherMode: 'fallback',
        teacherWeight: clippedWeight(ppo, p, A),
        p,
        kl: null,
      };
    }
    // loss = -A p / d = (d loss / d p) * p with d constant; at sgLogp = logp this is frozen.loss exactly.
    const loss = frozen.dLossDp * p;
    return {
      loss,
      dLogp: inRange ? loss : 0,
      clip: null,
      ratio: null,
      teacherMode: AAS_MODE[frozen.mode],
      teacherWeight: 1 / frozen.denominator!,
      p,
      kl: null,
    };
  }

  function scoreToken(k: number, logp: number, sgLogp: number): TokenScore {
    const i = act.index[k];
    const A = batch.advantages[act.row[k]];
    let score: TokenScore;
    if (Number.isNaN(logp) || Number.isNaN(sgLogp)) {
      // A broken forward pass: propagate NaN so the trainer skips the step instead of crashing it.
      score = { loss: NaN, dLogp: NaN, clip: null, ratio: null, teacherMode: 'none', teacherWeight: 0, p: NaN, kl: null };
    } else if (act.teacher[k] === 1) {
      score = teacherPart(logp, sgLogp, A, batch.oldLogp[i]);
    } else {
      const ppo = ppoClipTokenLoss(logp, batch.oldLogp[i], A, ppoOpts);
      score = {
        loss: ppo.loss,
        dLogp: ppo.dLossDlogp,
        clip: ppo.clipped,
        ratio: ppo.ratio,
        teacherMode: 'none',
        teacherWeight: 0,
        p: Math.exp(logp),
        kl: null,
      };
    }
    if (batch.refLogp) {
      const logRatio = batch.refLogp[i] - logp; // k3 = e^x - x - 1 with x = ref - logp; d k3 / d logp = 1 - e^x
      score.kl = Math.exp(logRatio) - logRatio - 1;
      if (cfg.beta > 0) {
        score.loss += cfg.beta * score.kl;
        score.dLogp += cfg.beta * (1 - Math.exp(logRatio));
      }
    }
    return score;
  }

  function checkLength(x: ArrayLike<number>, what: string): void {
    if (x.length !== n) throw new Error(`${what} has ${x.length} entries but the policy batch is [B*T] = ${n}: pass the same packed batch.`);
  }

  function accumulate(logp: ArrayLike<number>, sgLogp: ArrayLike<number>, dLogp: Float32Array | Float64Array): number {
    let loss = 0;
    for (let k = 0; k < act.index.length; k++) {
      const i = act.index[k];
      const s = scoreToken(k, logp[i], sgLogp[i]);
      loss += act.coef[k] * s.loss;
      dLogp[i] = act.coef[k] * s.dLogp;
    }
    return loss;
  }

  const lossFn: TokenLoss = (tokenLogp) => {
    checkLength(tokenLogp, 'tokenLogp');
    const dLogp = new Float32Array(n);
    const loss = accumulate(tokenLogp, tokenLogp, dLogp);
    return { loss, dLogp };
  };

  function evaluate(tokenLogp: ArrayLike<number>, stopGradientAt: ArrayLike<number> = tokenLogp) {
    checkLength(tokenLogp, 'tokenLogp');
    checkLength(stopGradientAt, 'stopGradientAt');
    const dLogp = new Float64Array(n);
    const loss = accumulate(tokenLogp, stopGradientAt, dLogp);
    return { loss, dLogp };
  }

  function stats(tokenLogp: Float32Array): PolicyStats {
    checkLength(tokenLogp, 'tokenLogp');
    const teacherTokenWeight = new Float32Array(n);
    const teacherTokenMode = new Uint8Array(n);
    const ratio = new Float32Array(n);
    const c = emptyTally();
    for (let k = 0; k < act.index.length; k++) {
      const i = act.index[k];
      const s = scoreToken(k, tokenLogp[i], tokenLogp[i]);
      c.tokens++;
      if (s.kl !== null) {
        c.kl += s.kl;
        c.klTokens++;
      }
      if (s.ratio !== null) ratio[i] = s.ratio;
      if (act.guidedRow[act.row[k]]) {
        c.guidedLoss += s.loss;
        c.guidedTokens++;
      } else {
        c.unguidedLoss += s.loss;
        c.unguidedTokens++;
      }
      if (act.teacher[k] === 1) {
        c.teacher++;
        c.teacherP += Math.min(1, s.p);
        if (cfg.shaping === 'aas') c.aasTeacher++;
        if (s.teacherMode === 'fallback') c.fallback++;
        if (s.teacherMode === 'guard-negative' || s.teacherMode === 'guard-above-one') c.guard++;
        teacherTokenWeight[i] = s.teacherWeight;
        teacherTokenMode[i] = TEACHER_TOKEN_MODES.indexOf(s.teacherMode);
      } else {
        c.ordinary++;
        if (s.clip === 'low') c.low++;
        if (s.clip === 'high') c.high++;
        if (s.clip === 'dual') c.dual++;
      }
    }
    return { metrics: tallyMetrics(c), tally: c, teacherTokenWeight, teacherTokenMode, ratio };
  }

  return { lossFn, stats, evaluate };
}

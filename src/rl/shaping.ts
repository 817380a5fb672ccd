/**
 * Per-token policy losses as plain-number reference functions (the tfjs loss is tested against these).
 * Each returns the loss of one token and its derivative, so a reader can check every formula by hand.
 * p = pi_theta(token) in (0, 1], logp = log p, A = the rollout's advantage. Loss is minimised.
 *
 * - ppoClipTokenLoss: ordinary tokens. PPO clipped surrogate with dual clip, exactly as verl's
 *   `compute_policy_loss` (verl/trainer/ppo/core_algos.py), the code ThinkTuning's recipe built on.
 * - aasTokenLoss: teacher tokens under advantage-aware shaping (docs/method.md, "Loss"):
 *       loss_t = -A * p / stopgrad(p + gamma(A))
 *   with gamma 'as-written' or 'released' (aasGamma); aasWeightTable prints what each does per p.
 * - luffyTokenLoss: LUFFY's policy shaping (Yan et al. 2025, "Learning to Reason under Off-Policy
 *   Guidance", arXiv 2504.14945): loss_t = -A * p / (p + 0.1), gradient through numerator and denominator.
 */

/**
 * Which gamma(A) the AAS denominator uses (docs/method.md, "Loss"):
 *   'as-written': the paper's formula with its clamp bounds ordered, gamma = A / 4000 with the defaults;
 *   'released':   what the authors' code computes, torch.clamp(gamma, min=gMin, max=gMax). With the
 *                 defaults gMin = 0.001 > gMax = -0.001, and torch.clamp with min > max returns max,
 *                 so gamma = -0.001 for every token (3rdAT/ThinkTuning verl/recipe/thinktuning/
 *                 core_algos.py, advantage_aware_shaping). The paper's numbers came from this one.
 */
export type AasGammaMode = 'as-written' | 'released';
export const AAS_GAMMA_MODES: readonly AasGammaMode[] = ['as-written', 'released'];

export interface AasGammaOptions {
  /** gamma at A = aMax (paper: 0.001). */
  gMin?: number;
  /** gamma at A = aMin (paper: -0.001). */
  gMax?: number;
  aMin?: number;
  aMax?: number;
  /** 'as-written' (bounds ordered) or 'released' (the authors' clamp order); see AasGammaMode. */
  gamma?: AasGammaMode;
}

export const DEFAULT_AAS_GAMMA: Required<AasGammaOptions> = { gMin: 0.001, gMax: -0.001, aMin: -4, aMax: 4, gamma: 'released' };

/**
 * gamma(A) = gMin + (gMax - gMin) * (aMax - A) / (aMax - aMin), then clamped:
 *   'as-written': to [min(gMin, gMax), max(gMin, gMax)]. Defaults give gamma = A / 4000 on [-4, 4],
 *                 saturating at +-0.001: positive advantages down-weight unlikely teacher tokens,
 *                 negative ones amplify them.
 *   'released':   min(max(gamma, gMin), gMax), which is torch.clamp(gamma, gMin, gMax) exactly; with
 *                 gMin > gMax (the defaults) that is gMax = -0.001 whatever A is. With gMin <= gMax the
 *                 two modes agree.
 */
export function aasGamma(A: number, opts: AasGammaOptions = {}): number {
  const { gMin, gMax, aMin, aMax, gamma: mode } = { ...DEFAULT_AAS_GAMMA, ...opts };
  if (!(aMax > aMin)) throw new Error(`AAS needs aMax > aMin, got aMin=${aMin}, aMax=${aMax}.`);
  const gamma = gMin + ((gMax - gMin) * (aMax - A)) / (aMax - aMin);
  if (mode === 'released') return Math.min(Math.max(gamma, gMin), gMax);
  if (mode !== 'as-written') throw new Error(`AAS gamma mode must be 'as-written' or 'released', got ${String(mode)}.`);
  return Math.min(Math.max(gamma, Math.min(gMin, gMax)), Math.max(gMin, gMax));
}

export interface PpoClipOptions {
  /** Ratio clip below: 1 - epsLow (paper/verl: 0.2). */
  epsLow?: number;
  /** Ratio clip above: 1 + epsHigh (paper/verl: 0.2). */
  epsHigh?: number;
  /** Dual-clip constant c > 1 for A < 0 (verl clip_ratio_c: 3); null disables it. */
  dualClip?: number | null;
  /** |logp - oldLogp| is clamped to this before exp, as verl does for stability (20). */
  logRatioClamp?: number;
}

export const DEFAULT_PPO_CLIP: Required<PpoClipOptions> = { epsLow: 0.2, epsHigh: 0.2, dualClip: 3, logRatioClamp: 20 };

/** Which clip bound decided a token's loss (verl's pg_clipfrac counts low+high, pg_clipfrac_lower counts dual). */
export type ClipKind = 'none' | 'low' | 'high' | 'dual';

export interface PpoTokenLoss {
  loss: number;
  /** d loss / d logp (0 wherever a clip bound holds the loss constant). */
  dLossDlogp: number;
  ratio: number;
  clipped: ClipKind;
}

/**
 * verl compute_policy_loss for one token:
 *   ratio = exp(clamp(logp - oldLogp, -L, L))
 *   l1 = -A * ratio,  l2 = -A * clamp(ratio, 1 - epsLow, 1 + epsHigh),  lc = max(l1, l2)
 *   loss = A < 0 ? min(lc, -A * c) : lc
 * So: A > 0 and ratio > 1 + epsHigh -> 'high'; A < 0 and ratio < 1 - epsLow -> 'low';
 * A < 0 and ratio > c -> 'dual'; each holds the loss constant (zero gradient). Otherwise
 * loss = -A * ratio and d loss / d logp = -A * ratio.
 */
export function ppoClipTokenLoss(logp: number, oldLogp: number, A: number, opts: PpoClipOptions = {}): PpoTokenLoss {
  const { epsLow, epsHigh, dualClip, logRatioClamp } = { ...DEFAULT_PPO_CLIP, ...opts };
  if (dualClip !== null && !(dualClip > 1)) throw new Error(`Dual-clip constant must be > 1 (or null to disable), got ${dualClip}.`);
  const diff = logp - oldLogp;
  const ratio = Math.exp(Math.min(Math.max(diff, -logRatioClamp), logRatioClamp));
  // torch.clamp passes the gradient on [lo, hi] inclusive and blocks it outside.
  const dRatio = diff >= -logRatioClamp && diff <= logRatioClamp ? ratio : 0;
  const l1 = -A * ratio;
  const l2 = -A * Math.min(Math.max(ratio, 1 - epsLow), 1 + epsHigh);
  if (A < 0 && dualClip !== null && -A * dualClip < Math.max(l1, l2)) {
    return { loss: -A * dualClip, dLossDlogp: 0, ratio, clipped: 'dual' };
  }
  if (l2 > l1) return { loss: l2, dLossDlogp: 0, ratio, clipped: A > 0 ? 'high' : 'low' };
  return { loss: l1, dLossDlogp: -A * dRatio, ratio, clipped: 'none' };
}

/** A shaped teacher-token loss and its derivatives (dLossDlogp = dLossDp * p, the chain rule through p = exp(logp)). */
export interface ShapedTokenLoss {
  loss: number;
  dLossDp: number;
  dLossDlogp: number;
}

/**
 * How an AAS token was scored: 'shaped' (the formula), 'guard-negative' (p + gamma <= 0),
 * 'guard-above-one' (p + gamma > 1), or 'fallback' (A < 0 and p below the fallback threshold).
 */
export type AasMode = 'shaped' | 'guard-negative' | 'guard-above-one' | 'fallback';

export interface AasOptions extends AasGammaOptions {
  /** Teacher tokens with A < 0 and p below this use the ordinary clipped loss (released code: 0.01; 0 disables). */
  fallbackBelowP?: number;
  /** Old log-prob for the fallback's ratio; default log p (ratio 1: one on-policy epoch). */
  oldLogp?: number;
  /** Clip settings for the fallback. */
  ppo?: PpoClipOptions;
}

export interface AasTokenLoss extends ShapedTokenLoss {
  mode: AasMode;
  gamma: number;
  /** The stop-gradient denominator used (null in fallback mode). */
  denominator: number | null;
}

/**
 * Advantage-aware shaping for one teacher token (docs/method.md, "Loss"; behaviour probability taken as
 * 1, as in LUFFY):
 *   loss = -A * p / d,  d = stopgrad(p + gamma(A)),  so  d loss / d p = -A / d.
 * Guards from the released code, "if p + gamma < 0 use p / 1.0001; if p + gamma > 1 use p / 0.9999":
 * we read "use" as replacing the quantity tested, the denominator p + gamma, so
 *   p + gamma <= 0  ->  d = p / 1.0001   (loss = -1.0001 * A, gradient -1.0001 * A / p)
 *   p + gamma >  1  ->  d = p / 0.9999   (loss = -0.9999 * A, gradient -0.9999 * A / p)
 * i.e. the token falls back to an on-policy-like ratio p / stopgrad(p) ~ 1, nudged in gamma's direction
 * (a smaller denominator when gamma < 0, amplifying; a larger one when gamma > 0, damping). The other
 * reading (shaped value = p / 1.0001, gradient ~ dp) would silently drop the amplification that
 * negative gamma exists for. The released core_algos.py does exactly this: it replaces the detached
 * denominator, `torch.where(denominator < 0, p.detach() / 1.0001, denominator)`. In practice:
 * p + gamma > 1 needs p > 0.999 (the two readings then differ by < 0.1%); p + gamma < 0 needs p < 0.001
 * and gamma < 0, i.e. A < 0 as written (which the fallback below already catches), but every A under
 * 'released' (gamma = -0.001), where the guard is what holds rare teacher tokens at weight ~1.
 * "<= 0" rather than the code's "< 0" avoids dividing by zero at p = -gamma (the code's 1 / 0 there).
 * Fallback (released code): A < 0 and p < fallbackBelowP -> ppoClipTokenLoss(log p, oldLogp, A).
 */
export function aasTokenLoss(p: number, A: number, opts: AasOptions = {}): AasTokenLoss {
  if (!(p > 0 && p <= 1)) throw new Error(`Token probability must be in (0, 1], got ${p}.`);
  const gamma = aasGamma(A, opts);
  if (A < 0 && p < (opts.fallbackBelowP ?? 0.01)) {
    const logp = Math.log(p);
    const ppo = ppoClipTokenLoss(logp, opts.oldLogp ?? logp, A, opts.ppo);
    return { loss: ppo.loss, dLossDp: ppo.dLossDlogp / p, dLossDlogp: ppo.dLossDlogp, mode: 'fallback', gamma, denominator: null };
  }
  const sum = p + gamma;
  const mode: AasMode = sum <= 0 ? 'guard-negative' : sum > 1 ? 'guard-above-one' : 'shaped';
  const denominator = mode === 'guard-negative' ? p / 1.0001 : mode === 'guard-above-one' ? p / 0.9999 : sum;
  const dLossDp = -A / denominator;
  return { loss: dLossDp * p, dLossDp, dLossDlogp: dLossDp * p, mode, gamma, denominator };
}

/**
 * LUFFY policy shaping for one off-policy token: f(p) = p / (p + beta), loss = -A * f(p), with the
 * gradient through the whole fraction: d loss / d p = -A * beta / (p + beta)^2.
 */
export function luffyTokenLoss(p: number, A: number, beta = 0.1): ShapedTokenLoss {
  if (!(p >= 0 && p <= 1)) throw new Error(`Token probability must be in [0, 1], got ${p}.`);
  if (!(beta > 0)) throw new Error(`LUFFY shaping beta must be > 0, got ${beta}.`);
  const dLossDp = (-A * beta) / ((p + beta) * (p + beta));
  return { loss: (-A * p) / (p + beta), dLossDp, dLossDlogp: dLossDp * p };
}

/** One row of aasWeightTable. */
export interface AasWeightRow {
  p: number;
  gamma: number;
  mode: AasMode;
  /**
   * The token's learning rate relative to on-policy REINFORCE (whose gradient is -A * d log p):
   * d loss / d log p = -A * weight, so weight = p / d for the shaped and guarded modes (d the
   * stop-gradient denominator) and the importance ratio (1 on-policy) for the fallback.
   */
  weight: number;
}

/**
 * The AAS weight p / d of a teacher token at each probability in `ps`, for advantage A: what the
 * shaping does to a rare teacher token. With the defaults and A = 1.79 (a succeeded rollout):
 *   'as-written' (gamma = 0.0004475): 0.022 at p = 1e-5, 0.0022 at p = 1e-6 (new tokens damped);
 *   'released'   (gamma = -0.001):    p + gamma < 0 below p = 0.001, so the guard's p / (p / 1.0001)
 *                                     = 1.0001; 2.0 at p = 0.002; then down towards 1 (1/0.999 at p = 1).
 * Pure; the README prints it from here.
 */
export function aasWeightTable(A: number, ps: readonly number[], opts: AasOptions = {}): AasWeightRow[] {
  return ps.map((p) => {
    const r = aasTokenLoss(p, A, opts);
    const weight = r.denominator !== null ? p / r.denominator : A !== 0 ? r.dLossDlogp / -A : 1;
    return { p, gamma: r.gamma, mode: r.mode, weight };
  });
}

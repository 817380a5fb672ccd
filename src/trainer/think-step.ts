/**
 * One ThinkTuning step, stage by stage (TRL's shape): generate -> guide -> reward -> advantages ->
 * policy update(s). Plain GRPO is the same step with the teacher switched off.
 *
 * Simplifications, stated as nanochat states its own: the rollout policy is the current policy, so with
 * numIterations = 1 the importance ratio of student tokens is exactly 1 (old log-probs are the current
 * ones, detached); with numIterations > 1 the old log-probs come from one extra forward pass before the
 * first update. The update runs on length buckets whose gradients are summed (one optimiser step).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { generate } from '../engine/generate.js';
import { packSequences, sequenceLogprobs } from '../engine/score.js';
import { groupAdvantages } from '../rl/advantages.js';
import { combineRewards, type WeightedReward } from '../rl/rewards.js';
import { buildPolicyLoss, type PolicyBatch } from '../rl/policy-loss.js';
import { guidancePct } from '../rl/guidance.js';
import { mulberry32 } from '../rl/rng.js';
import { learningRate } from '../train/schedule.js';
import type { AdamW } from '../train/optim.js';
import { accumulatedTrainStep } from '../train/step.js';
import type { TrainConfig } from '../config/train-config.js';
import type { TemplateStore } from '../prompts/templates.js';
import type { RolloutRecord, StepMetrics } from './events.js';
import { completionIds, completionText, type Problem, type Rollout } from './rollout.js';
import { guideRollouts, type GuidanceOutcome } from './guide.js';
import type { Teacher } from './teacher.js';
import { deriveSeed } from './sampler.js';

export interface StepContext {
  config: TrainConfig;
  student: CausalLM;
  reference: CausalLM | null;
  tokenizer: Tokenizer;
  optimizer: AdamW;
  teacher: Teacher | null;
  templates: TemplateStore;
  rewards: WeightedReward[];
  /** Formats a question as the student's prompt text. */
  promptFor: (question: string) => string;
  /** Teacher prompts issued so far (round-robin style mixing). */
  styleCounter: number;
}

export interface StepOutput {
  metrics: StepMetrics;
  rollouts: RolloutRecord[];
  teacherAnswers: GuidanceOutcome['answers'];
  skipped: boolean;
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Student rollouts: G samples for each problem. */
function rollOut(ctx: StepContext, problems: Problem[], rng: () => number): Rollout[][] {
  const g = ctx.config.grpo;
  const tok = ctx.tokenizer;
  const promptTexts = problems.map((p) => ctx.promptFor(p.question));
  const promptIds = promptTexts.map((t) => tok.encode(t, { addBos: tok.bosId !== null }));
  const gen = generate(ctx.student, promptIds, {
    maxNewTokens: g.maxNewTokens,
    numSamples: g.groupSize,
    stopTokens: [tok.eosId],
    temperature: g.temperature,
    topP: g.topP,
    rng,
  });
  const groups: Rollout[][] = problems.map(() => []);
  for (const s of gen) {
    const studentIds = s.finished ? s.tokens.slice(0, -1) : s.tokens;
    groups[s.promptIndex].push({
      group: s.promptIndex, sample: s.sample, problem: problems[s.promptIndex],
      promptText: promptTexts[s.promptIndex], promptIds: promptIds[s.promptIndex],
      studentIds, teacherIds: [], studentText: tok.decode(studentIds, { skipSpecial: true }), teacherText: '',
      ended: s.finished, truncated: !s.finished,
      guided: false, style: null, feedback: null, noFeedbackReason: null, reward: null, rewards: {}, advantage: 0,
    });
  }
  return groups;
}

/** Reward every rollout on its (possibly augmented) text. */
function scoreRollouts(ctx: StepContext, groups: Rollout[][]): void {
  for (const r of groups.flat()) {
    const res = combineRewards(ctx.rewards, {
      prompt: r.promptText, completion: completionText(r), answer: r.problem.answer,
      terminated: r.ended, endTokenCount: r.ended ? 1 : 0, sample: { ...r.problem },
    });
    r.reward = res.total;
    r.rewards = res.perFunction;
  }
}

/** Pack rollouts into the loss batch with completion / teacher masks aligned to targets. */
function policyBatch(ctx: StepContext, rollouts: Rollout[]): { batch: PolicyBatch; seqs: number[][]; pack: ReturnType<typeof packSequences> } {
  const eos = ctx.tokenizer.eosId;
  const wholeResponse = ctx.config.guidance.teacherMask === 'whole-response';
  const maskTrunc = ctx.config.grpo.maskTruncated;
  const seqs = rollouts.map((r) => [...r.promptIds, ...completionIds(r, eos)]);
  const pack = packSequences(seqs, ctx.tokenizer.padId);
  const { B, T } = pack;
  const completionMask = new Float32Array(B * T);
  const teacherMask = new Float32Array(B * T);
  rollouts.forEach((r, b) => {
    const P = r.promptIds.length;
    const n = completionIds(r, eos).length;
    if (maskTrunc && r.truncated) return;
    const teacherFrom = wholeResponse ? 0 : r.studentIds.length;
    for (let j = 0; j < n; j++) {
      const t = b * T + P + j - 1; // target position predicting completion token j
      completionMask[t] = 1;
      if (r.guided && j >= teacherFrom) teacherMask[t] = 1;
    }
  });
  const batch: PolicyBatch = {
    B, T, completionMask, teacherMask,
    oldLogp: new Float32Array(B * T),
    advantages: Float32Array.from(rollouts, (r) => r.advantage),
  };
  return { batch, seqs, pack };
}

export async function thinkTuningStep(ctx: StepContext, step: number, problems: Problem[]): Promise<StepOutput> {
  const cfg = ctx.config;
  const t0 = performance.now();
  const rng = mulberry32(deriveSeed(cfg.run.seed, step, 1));

  // 1. Generate.
  const groups = rollOut(ctx, problems, rng);
  const tGen = performance.now();

  // 2. Guidance (teacher off when disabled, when no teacher, or once the schedule switched it off).
  const decay = cfg.guidance.decaySteps === 'auto' ? undefined : cfg.guidance.decaySteps;
  const pct = cfg.guidance.enabled && ctx.teacher
    ? guidancePct(step, decay !== undefined ? decay * 3 : cfg.run.totalSteps, cfg.guidance)
    : 0;
  let guidance: GuidanceOutcome = { chosen: 0, noFeedback: 0, answers: [] };
  if (pct > 0 && ctx.teacher) {
    guidance = await guideRollouts(groups, ctx.teacher, ctx.templates.current, ctx.tokenizer, rng, {
      pct, styles: cfg.guidance.styles, styleMix: cfg.guidance.styleMix, counter: ctx.styleCounter,
    });
    ctx.styleCounter += guidance.chosen;
  }
  const tGuide = performance.now();

  // 3. Rewards on the (possibly augmented) text; 4. advantages over the whole group.
  scoreRollouts(ctx, groups);
  const adv = groupAdvantages(groups.map((g) => g.map((r) => r.reward)), cfg.grpo.scaleRewards);
  groups.forEach((g, i) => g.forEach((r, s) => (r.advantage = adv.advantages[i][s])));

  // 5. Policy update(s), on length buckets whose gradients are summed into one update.
  const rollouts = groups.flat();
  const full = policyBatch(ctx, rollouts); // host arrays only: stats, weights and the normalisers
  // A rollout with advantage 0 (its group's rewards are all equal) adds nothing to the gradient: every
  // policy and shaping term is a multiple of A. Only the KL term is not, so with beta > 0 all rows train.
  // The others are only scored (forward, no backward) for the stats: ~30% of rollouts at the defaults.
  const klTerm = cfg.grpo.beta > 0 && ctx.reference !== null;
  const scoreOnly = (i: number) => !klTerm && rollouts[i].advantage === 0;
  const all = rollouts.map((_, i) => i);
  const buckets = (idx: number[], only: boolean) => lengthBuckets(idx.map((i) => rollouts[i]), ctx.tokenizer.eosId, MICRO_BATCH_TOKENS)
    .map((b) => b.map((k) => idx[k]))
    .map((ix) => ({ idx: ix, scoreOnly: only, ...policyBatch(ctx, ix.map((i) => rollouts[i])) }));
  const parts = [...buckets(all.filter((i) => !scoreOnly(i)), false), ...buckets(all.filter(scoreOnly), true)];
  const normalizers = {
    tokens: Math.max(1, full.batch.completionMask.reduce((a, b) => a + b, 0)),
    sequences: Math.max(1, rollouts.filter((_, b) => full.batch.completionMask.subarray(b * full.pack.T, (b + 1) * full.pack.T).some((m) => m > 0)).length),
  };
  const iterations = cfg.grpo.numIterations;
  for (const p of parts) {
    p.batch.normalizers = normalizers;
    if (klTerm) p.batch.refLogp = flatLogprobs(ctx.reference!, p.seqs, p.pack.T);
    if (iterations > 1 && !p.scoreOnly) p.batch.oldLogp = flatLogprobs(ctx.student, p.seqs, p.pack.T);
  }
  const lr = learningRate(step, { lr: cfg.optim.lr, schedule: cfg.optim.schedule, warmupSteps: cfg.optim.warmupSteps, totalSteps: cfg.run.totalSteps, minLrRatio: cfg.optim.minLrRatio });
  const lossCfg = {
    lossType: cfg.grpo.lossType, epsLow: cfg.grpo.epsLow, epsHigh: cfg.grpo.epsHigh, dualClip: cfg.grpo.dualClip,
    beta: cfg.grpo.beta, shaping: cfg.guidance.shaping, gMin: cfg.guidance.gMin, gMax: cfg.guidance.gMax,
    aMin: cfg.guidance.aMin, aMax: cfg.guidance.aMax, fallbackP: cfg.guidance.fallbackP, luffyGamma: cfg.guidance.luffyGamma,
    maxCompletionTokens: cfg.grpo.maxNewTokens,
  };
  let last: ReturnType<typeof accumulatedTrainStep> | null = null;
  const firstLogp = new Float32Array(full.pack.B * full.pack.T);
  let firstEntropy = 0; // the first pass covers every rollout (later ones skip the score-only parts)
  let skipped = false;
  for (let it = 0; it < iterations; it++) {
    // Score-only parts run in the first pass only; their log-probs there are the behaviour ones.
    const passParts = it === 0 ? parts : parts.filter((p) => !p.scoreOnly);
    last = accumulatedTrainStep(ctx.student, ctx.optimizer, passParts.map((p) => {
      const policy = buildPolicyLoss(p.batch, lossCfg);
      return {
        batch: p.pack,
        scoreOnly: p.scoreOnly,
        lossFn: (tokenLogp: Float32Array) => {
          // On-policy (one iteration): the behaviour log-probs are the current ones, detached.
          if (iterations === 1 || p.scoreOnly) p.batch.oldLogp.set(tokenLogp);
          return policy.lossFn(tokenLogp);
        },
      };
    }), { lr, maxGradNorm: cfg.optim.gradClip });
    if (it === 0) {
      firstEntropy = last.entropy;
      // Gather the first pass's log-probs (and behaviour / reference ones) into the full layout for the stats.
      parts.forEach((p, k) => p.idx.forEach((b, r) => {
        for (const [dst, src] of [[firstLogp, last!.tokenLogp[k]], [full.batch.oldLogp, p.batch.oldLogp]] as const) {
          dst.set(src.subarray(r * p.pack.T, (r + 1) * p.pack.T), b * full.pack.T);
        }
        if (p.batch.refLogp) (full.batch.refLogp ??= new Float32Array(full.pack.B * full.pack.T)).set(p.batch.refLogp.subarray(r * p.pack.T, (r + 1) * p.pack.T), b * full.pack.T);
      }));
    }
    skipped ||= last.skipped;
  }
  // Stats need finite log-probs; a skipped (non-finite) step reports none.
  const stats = skipped ? null : buildPolicyLoss(full.batch, lossCfg).stats(firstLogp);
  const pm = (k: keyof NonNullable<typeof stats>['metrics']) => (stats ? stats.metrics[k] : null);
  const tEnd = performance.now();

  // Metrics (TRL names) and records.
  const rewardsOf = (rs: Rollout[]) => rs.map((r) => r.reward).filter((x): x is number => x !== null);
  const guided = rollouts.filter((r) => r.guided);
  const unguided = rollouts.filter((r) => !r.guided);
  const lengths = rollouts.map((r) => completionIds(r, ctx.tokenizer.eosId).length);
  const tokensProcessed = parts.reduce((n, p) => n + p.pack.mask.reduce((a, b) => a + b, 0) * (p.scoreOnly ? 1 : iterations), 0);
  const metrics: StepMetrics = {
    step,
    loss: last!.loss,
    reward: adv.stats.reward,
    reward_std: adv.stats.rewardStd,
    frac_reward_zero_std: adv.stats.fracRewardZeroStd,
    'completions/mean_length': mean(lengths),
    'completions/max_length': Math.max(...lengths),
    'completions/clipped_ratio': rollouts.filter((r) => r.truncated).length / rollouts.length,
    'clip_ratio/low_mean': pm('clip_ratio/low_mean'),
    'clip_ratio/high_mean': pm('clip_ratio/high_mean'),
    'clip_ratio/region_mean': pm('clip_ratio/region_mean'),
    kl: pm('kl'),
    'clip_ratio/dual': pm('clip_ratio/dual'),
    'teacher/guard_frac': pm('teacher/guard_frac'),
    'loss/guided': pm('loss/guided'),
    'loss/unguided': pm('loss/unguided'),
    entropy: firstEntropy,
    grad_norm: last!.gradNorm,
    lr,
    'guidance/pct': pct,
    'guidance/count': guided.length,
    'guidance/chosen': guidance.chosen,
    'guidance/no_feedback': guidance.noFeedback,
    'reward/guided': mean(rewardsOf(guided)),
    'reward/unguided': mean(rewardsOf(unguided)),
    'advantage/guided_mean': mean(guided.map((r) => r.advantage)),
    'advantage/std': Math.sqrt(mean(rollouts.map((r) => r.advantage ** 2)) ?? 0),
    'teacher/tokens': pm('teacher/tokens'),
    'teacher/mean_p': pm('teacher/mean_p'),
    'teacher/fallback_frac': pm('teacher/fallback_frac'),
    'perf/step_time': (tEnd - t0) / 1000,
    'perf/generate_time': (tGen - t0) / 1000,
    'perf/teacher_time': (tGuide - tGen) / 1000,
    'perf/update_time': (tEnd - tGuide) / 1000,
    'perf/tokens_per_s': tokensProcessed / ((tEnd - tGuide) / 1000),
    'mem/num_tensors': tf.memory().numTensors,
    'mem/bytes': tf.memory().numBytes,
    skipped: skipped ? 1 : 0,
  };
  const weights = stats?.teacherTokenWeight ?? new Float32Array(full.pack.B * full.pack.T);
  const records = rolloutRecords(step, rollouts, weights, full.pack.T, ctx.templates.version);
  return { metrics, rollouts: records, teacherAnswers: guidance.answers, skipped };
}

/**
 * What rollouts.jsonl and the dashboard see of each rollout. `weights` [B*T] are the teacher-token
 * shaping weights in the packed layout (row b, target position t), T its row length.
 */
function rolloutRecords(step: number, rollouts: Rollout[], weights: Float32Array, T: number, templateVersion: number): RolloutRecord[] {
  return rollouts.map((r, b) => {
    const studentLen = r.studentText.length;
    // Teacher token j is the target at position prompt + student + j - 1.
    const base = b * T + r.promptIds.length + r.studentIds.length - 1;
    return {
      step, group: r.group, sample: r.sample, promptId: r.problem.id, prompt: r.promptText,
      text: completionText(r), studentSpan: [0, studentLen], teacherSpan: r.guided ? [studentLen, studentLen + r.teacherText.length] : null,
      studentTokens: r.studentIds.length, teacherTokens: r.teacherIds.length, guided: r.guided, style: r.style,
      feedback: r.feedback ? { opinion: r.feedback.opinion, reason: r.feedback.reason, phrase: r.feedback.phrase } : null,
      noFeedbackReason: r.noFeedbackReason, reward: r.reward, rewards: r.rewards, advantage: r.advantage,
      terminated: r.ended, truncated: r.truncated, answer: r.problem.answer,
      teacherTokenWeights: r.guided ? r.teacherIds.map((_, j) => weights[base + j]) : null,
      templateVersion,
    };
  });
}

/** Tokens (B x T, padding included) per micro-batch; bounds memory and keeps padding low. */
const MICRO_BATCH_TOKENS = 6144;

/**
 * Rollout indices grouped into buckets of similar length: sorted by sequence length, a bucket closes
 * when one more row would push rows x longest past `maxTokens`.
 */
export function lengthBuckets(rollouts: Rollout[], eosId: number, maxTokens: number): number[][] {
  const len = (r: Rollout) => r.promptIds.length + completionIds(r, eosId).length - 1;
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

/** Token log-probs of packed sequences, flattened to the packed [B*T] layout. */
function flatLogprobs(model: CausalLM, seqs: number[][], T: number): Float32Array {
  const per = sequenceLogprobs(model, seqs);
  const out = new Float32Array(seqs.length * T);
  per.forEach((lp, b) => out.set(lp, b * T));
  return out;
}

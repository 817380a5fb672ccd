/**
 * One ThinkTuning step, stage by stage, each a function whose output is the next one's input (the
 * docs/method.md's "Training loop"; TRL's shape):
 *
 *   generate    -> Rollout[][]        G student rollouts per prompt                       (step 1)
 *   guide       -> Guided             the teacher finishes some completed rollouts         (steps 2-6)
 *   reward      -> Rollout[][]        reward on the (possibly augmented) text              (step 7)
 *   advantages  -> Advantaged         (r - mean) / (std + 1e-6) over each whole group      (step 8)
 *   update      -> UpdateOutcome      mini-batched clipped policy update (update.ts)       (step 9)
 *   report      -> StepMetrics, RolloutRecord[]  (step-report.ts)
 *
 * Plain GRPO is the same step with the teacher switched off; run.objective sft-guided swaps the update
 * stage for the SFT baseline on the augmented rollouts (sft-guided.ts). Every setting reaches the
 * update through updateSettings / lossSettings (settings.ts), the one mapping from the config.
 */
import type { CausalLM } from '../model/model.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { generate } from '../engine/generate.js';
import { groupAdvantages, type AdvantageStats } from '../rl/advantages.js';
import { combineRewards, type WeightedReward } from '../rl/rewards.js';
import { guidanceDecaySteps, guidancePct } from '../rl/guidance.js';
import { mulberry32 } from '../rl/rng.js';
import type { AdamW } from '../train/optim.js';
import type { TrainConfig } from '../config/train-config.js';
import type { TemplateStore } from '../prompts/templates.js';
import type { RolloutRecord, StepMetrics } from './events.js';
import type { Problem } from '../tasks/datasets.js';
import { completionText, type Rollout } from './rollout.js';
import { guideRollouts, type GuidanceOutcome } from './guide.js';
import type { Teacher } from './teacher.js';
import { deriveSeed } from './sampler.js';
import type { StudentPromptFn } from '../tasks/student-prompt.js';
import { cutAtStopString, stopStringTest } from '../engine/stop-strings.js';
import { objectiveMetrics, objectiveUpdate } from './sft-guided.js';
import { updateSettings } from './settings.js';
import { rolloutRecords, stepMetrics } from './step-report.js';

export { lengthBuckets, MICRO_BATCH_TOKENS } from './pack.js';

export interface StepContext {
  config: TrainConfig;
  student: CausalLM;
  reference: CausalLM | null;
  tokenizer: Tokenizer;
  optimizer: AdamW;
  teacher: Teacher | null;
  templates: TemplateStore;
  rewards: WeightedReward[];
  /** The student's prompt for a question: the task's layout, through the chat template when there is one. */
  studentPrompt: StudentPromptFn;
  /** Ids that end a rollout: generation_config.json's eos ids and the tokenizer's eos. */
  stopIds: number[];
  /** Teacher prompts issued so far (round-robin style mixing). */
  styleCounter: number;
}

export interface StepOutput {
  metrics: StepMetrics;
  rollouts: RolloutRecord[];
  teacherAnswers: GuidanceOutcome['answers'];
  skipped: boolean;
}

/** Output of the guide stage: the groups (augmented in place by guideRollouts) and what the teacher did. */
interface Guided {
  groups: Rollout[][];
  pct: number;
  outcome: GuidanceOutcome;
}

/** Output of the advantages stage. */
interface Advantaged {
  groups: Rollout[][];
  stats: AdvantageStats;
}

/** Stage 1, generate: G student rollouts for each problem. */
function rollOut(ctx: StepContext, problems: Problem[], rng: () => number): Rollout[][] {
  const g = ctx.config.grpo;
  const tok = ctx.tokenizer;
  const prompts = problems.map((p) => ctx.studentPrompt(p.question));
  const stopSet = new Set(ctx.stopIds);
  const gen = generate(
    ctx.student,
    prompts.map((p) => p.ids),
    {
      maxNewTokens: g.maxNewTokens,
      numSamples: g.groupSize,
      stopTokens: ctx.stopIds,
      stopWhen: stopStringTest(tok, g.stop),
      temperature: g.temperature,
      topP: g.topP,
      rng,
    },
  );
  const groups: Rollout[][] = problems.map(() => []);
  for (const s of gen) {
    const last = s.tokens[s.tokens.length - 1];
    const endId = s.finished && stopSet.has(last) ? last : null;
    const studentIds = endId !== null ? s.tokens.slice(0, -1) : s.tokens;
    const text = tok.decode(studentIds, { skipSpecial: true });
    groups[s.promptIndex].push({
      group: s.promptIndex,
      sample: s.sample,
      problem: problems[s.promptIndex],
      promptText: prompts[s.promptIndex].text,
      promptIds: prompts[s.promptIndex].ids,
      studentIds,
      teacherIds: [],
      studentText: s.finished && endId === null ? (cutAtStopString(text, g.stop) ?? text) : text,
      teacherText: '',
      ended: s.finished,
      endId,
      truncated: !s.finished,
      guided: false,
      style: null,
      feedback: null,
      noFeedbackReason: null,
      reward: null,
      rewards: {},
      advantage: 0,
    });
  }
  return groups;
}

/**
 * Stage 2, guide: pct from the schedule (0 when guidance is disabled, there is no teacher, or the
 * schedule has switched it off); the teacher finishes k = max(1, floor(eligible * pct)) completed
 * rollouts per group. `ctx.styleCounter` advances by the prompts issued (round-robin styles).
 */
async function guide(ctx: StepContext, step: number, groups: Rollout[][], rng: () => number): Promise<Guided> {
  const g = ctx.config.guidance;
  const pct = g.enabled && ctx.teacher ? guidancePct(step, guidanceDecaySteps(g.decaySteps, ctx.config.run.totalSteps), g) : 0;
  if (!(pct > 0 && ctx.teacher)) return { groups, pct, outcome: { chosen: 0, noFeedback: 0, answers: [] } };
  const outcome = await guideRollouts(groups, ctx.teacher, ctx.templates.current, ctx.tokenizer, rng, {
    pct,
    styles: g.styles,
    styleMix: g.styleMix,
    counter: ctx.styleCounter,
  });
  ctx.styleCounter += outcome.chosen;
  return { groups, pct, outcome };
}

/** Stage 3, reward: every rollout on its (possibly augmented) text. */
function reward(ctx: StepContext, groups: Rollout[][]): Rollout[][] {
  return groups.map((group) =>
    group.map((r) => {
      const res = combineRewards(ctx.rewards, {
        prompt: r.promptText,
        completion: completionText(r),
        answer: r.problem.answer,
        // A stop string ends a rollout without an end token: terminated, with no end token to count.
        terminated: r.ended,
        endTokenCount: r.endId !== null ? 1 : r.ended ? undefined : 0,
        sample: { ...r.problem },
      });
      return { ...r, reward: res.total, rewards: res.perFunction };
    }),
  );
}

/** Stage 4, advantages: over each whole group, augmented rollouts included. */
function advantages(groups: Rollout[][], scale: TrainConfig['grpo']['scaleRewards']): Advantaged {
  const adv = groupAdvantages(
    groups.map((g) => g.map((r) => r.reward)),
    scale,
  );
  return { groups: groups.map((g, i) => g.map((r, s) => ({ ...r, advantage: adv.advantages[i][s] }))), stats: adv.stats };
}

export async function thinkTuningStep(ctx: StepContext, step: number, problems: Problem[]): Promise<StepOutput> {
  const cfg = ctx.config;
  const start = performance.now();
  const rng = mulberry32(deriveSeed(cfg.run.seed, step, 1));

  const generated = rollOut(ctx, problems, rng);
  const tGen = performance.now();
  const guided = await guide(ctx, step, generated, rng);
  const tGuide = performance.now();
  const advantaged = advantages(reward(ctx, guided.groups), cfg.grpo.scaleRewards);
  const rollouts = advantaged.groups.flat();
  const settings = updateSettings(cfg, step, ctx.tokenizer.padId);
  // run.objective: the policy update (rl), or the SFT baseline on the augmented rollouts (sft-guided.ts).
  const update = objectiveUpdate(cfg, { student: ctx.student, reference: ctx.reference, optimizer: ctx.optimizer }, rollouts, settings);
  const end = performance.now();

  const metrics = stepMetrics({
    step,
    rollouts,
    rewardNames: ctx.rewards.map((f) => f.name),
    advantageStats: advantaged.stats,
    guidance: { pct: guided.pct, outcome: guided.outcome },
    update,
    lr: settings.lr,
    times: { start, generated: tGen, guided: tGuide, end },
  });
  Object.assign(metrics, objectiveMetrics(cfg, update));
  const records = rolloutRecords(step, rollouts, update.teacherTokenWeight, update.full.pack.T, ctx.templates.version);
  return { metrics, rollouts: records, teacherAnswers: guided.outcome.answers, skipped: update.skipped };
}

/**
 * The training configuration: one zod schema whose defaults are the ThinkTuning recipe
 * (docs/method.md) scaled from a 3B model on 8 GPUs down to a small model on a few
 * CPU cores. Every key is documented with `.describe()`, which the dashboard shows as help text.
 *
 * Where a default differs from the paper, its description says what the paper used and why.
 * Loading: file (JSON or YAML) -> `key=value` overrides -> validation; every error is one line that names
 * the key and the fix. Mid-run changes (dashboard `:set`) go through `applySetting`, with the same schema.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { diskErrorReason } from '../io/errors.js';
import * as z from 'zod';
import { BACKEND_NAMES } from '../backend/names.js';
import { STYLE_MIXES, STYLE_NAMES, TEACHER_LAYOUT_SETTINGS } from '../prompts/styles.js';
import { effectiveRewardName, rewardEntryProblems } from '../rl/reward-file.js';
import { CHAT_TEMPLATE_MODES } from '../tasks/student-prompt.js';
import { BOXED_INSTRUCTION, TASK_NAMES } from '../tasks/task.js';
import type { ScheduleKind } from '../train/schedule.js';
import { TrainConfigError, formatIssue, getAt, parseAssignment, parseValue, resolveKey, setAt, showValue } from './key-paths.js';
import { bool, fraction, int, num, oneOf, ruled, section, shapeOf, text } from './schema-rules.js';

export { TrainConfigError } from './key-paths.js';

const model = section({
  checkpoint: text()
    .default('builtin')
    .describe("student to train: 'builtin' (the bundled small word-level model, checkpoints/arith-base) or a folder with config.json + weights"),
});

/**
 * teacher.apiKeyEnv: the variable's value goes to teacher.url, so a config from someone else must not be
 * able to name any secret (HOME, DATABASE_URL, AWS_SECRET_ACCESS_KEY). Accepted: names ending in API_KEY,
 * APIKEY, _KEY or _TOKEN (OPENAI_API_KEY, VLLM_API_KEY, HF_TOKEN), without SECRET, PASSW, PRIVATE or
 * SESSION in them. It cannot tell one API key from another: check teacher.url in a config you did not write.
 */
const API_KEY_ENV_NAME = /^(?![0-9])(?!.*(?:SECRET|PASSW|PRIVATE|SESSION))(?:[A-Z0-9_]*_)?(?:API_?KEY|KEY|TOKEN)$/i;

/** Query parameters that carry a key (`?api_key=`, `?key=`), which would land in config.json and rollouts.jsonl. */
const KEY_QUERY_PARAM = /^(?:api[-_]?key|key|token|access[-_]?token|auth|password|secret)$/i;

/** localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z), as URL spells them: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(h);
}

const teacher = section({
  kind: oneOf(['frozen-student', 'checkpoint', 'openai'])
    .default('frozen-student')
    .describe(
      "who writes feedback: 'frozen-student' (a frozen copy of the initial student, as in the paper), 'checkpoint' (teacher.path), 'openai' (an OpenAI-compatible server at teacher.url)",
    ),
  path: text().optional().describe("checkpoint folder of the teacher; required when kind is 'checkpoint'"),
  url: text()
    .optional()
    .describe(
      "base URL of an OpenAI-compatible server, e.g. http://localhost:8000/v1; required when kind is 'openai'. No key in it (user:password@ or ?api_key=): use apiKeyEnv. Checked with a 1-token request when the run starts",
    ),
  model: text().optional().describe("model name sent to the server; required when kind is 'openai'"),
  apiKeyEnv: ruled(z.string().regex(API_KEY_ENV_NAME), {
    must: 'the name of an API-key variable: letters, digits and _, ending in API_KEY, _KEY or _TOKEN, without SECRET, PASSW, PRIVATE or SESSION',
    fix: (k) => `set ${k} to the variable that holds the teacher server's key, e.g. OPENAI_API_KEY or VLLM_API_KEY`,
  })
    .default('OPENAI_API_KEY')
    .describe(
      'name of the environment variable holding the API key (the key itself never goes in a config file), sent as a Bearer token to teacher.url when set; must end in API_KEY, _KEY or _TOKEN, so that a config cannot send any other variable',
    ),
  allowInsecureKey: bool()
    .default(false)
    .describe(
      'send the API key over plain http:// to a host other than this machine (localhost, 127.x.x.x, ::1); false = such a run is refused, since anyone on the way can read the key. Use https:// instead where you can',
    ),
  timeoutMs: int(1).default(60_000).describe('ms to wait for one teacher answer before retrying (openai kind)'),
  retries: int(0, 10)
    .default(2)
    .describe(
      'extra attempts after a teacher call fails with a network error, a timeout, HTTP 408, 429 or 5xx (after a backoff of 0.5 s doubling to at most 4 s, with jitter, or the server\'s Retry-After up to 30 s); another 4xx or a bad reply fails at once. After the last the rollout counts as "no feedback"',
    ),
  concurrency: int(1, 64).default(4).describe('teacher requests in flight at once (openai kind); local teachers run one batch'),
  maxNewTokens: int(1)
    .default(128)
    .describe(
      "teacher answer length cap in tokens (decoding is greedy). 128 fits the built-in teacher answers (~84 word-level tokens, at most ~93) after a ~150-token prompt. A server's reply may take max(1 MiB, 64 bytes per token); a larger one fails that call",
    ),
});

/** Problems of teacher.url: not an http(s) URL, a key inside it, or a key sent in the clear. Never quotes a credential. */
function teacherUrlProblems(t: { kind: string; url?: string; apiKeyEnv: string; allowInsecureKey: boolean }): string[] {
  if (t.url === undefined) return [];
  let u: URL;
  try {
    u = new URL(t.url);
  } catch {
    return [`teacher.url ${showValue(t.url.slice(0, 80))} is not a URL; set teacher.url to the server's base URL, e.g. http://localhost:8000/v1`];
  }
  const useEnv = `remove it and put the key in an environment variable named by teacher.apiKeyEnv (now ${t.apiKeyEnv})`;
  if (u.username || u.password) return [`teacher.url holds a user name or password (user:password@host), which would be saved in config.json; ${useEnv}`];
  const param = [...u.searchParams.keys()].find((p) => KEY_QUERY_PARAM.test(p));
  if (param) return [`teacher.url holds a key in its query (?${param}=), which would be saved in config.json and rollouts.jsonl; ${useEnv}`];
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return [`teacher.url must start with http:// or https:// (got ${u.protocol}//); set it to the server's base URL, e.g. http://localhost:8000/v1`];
  // Only a key that would actually be sent: a keyless server on the local network needs no exception.
  const keySet = !!process.env[t.apiKeyEnv];
  if (t.kind === 'openai' && u.protocol === 'http:' && !isLoopbackHost(u.hostname) && keySet && !t.allowInsecureKey) {
    return [
      `teacher.url is plain http:// to ${u.hostname}, not this machine, and would carry the key in $${t.apiKeyEnv} unencrypted; use https://, unset ${t.apiKeyEnv} if the server needs no key, or set teacher.allowInsecureKey=true on a network you trust`,
    ];
  }
  return [];
}

const data = section({
  task: oneOf(TASK_NAMES)
    .default('arith')
    .describe(
      "what is learnt and how it is scored: 'arith' (the built-in world; data.split), 'gsm8k' (data.file: JSONL of question / answer with '#### N'), 'math' (data.file: JSONL of problem / answer)",
    ),
  split: text().default('train').describe('arith only: split to sample prompts from (train, validation, test)'),
  file: text().optional().describe('gsm8k / math: the JSONL file of training problems'),
  difficulty: oneOf(['easy', 'medium', 'hard']).default('easy').describe("difficulty of the built-in arith task (the shipped model was trained on 'easy')"),
  promptsPerStep: int(1)
    .default(8)
    .describe('prompts per training step (batch). Paper: 128 on 8 GPUs; 8 x groupSize 5 = 40 rollouts keeps a CPU step in seconds'),
});

const prompt = section({
  system: text()
    .optional()
    .describe("system message before each question when the student's tokenizer has a chat template; unset = none (the template's own default, if it has one)"),
  instruction: z
    .string()
    .default('auto')
    .describe(`line after each question; 'auto' = the task's default (gsm8k / math: "${BOXED_INSTRUCTION}"; arith: none); '' = none`),
  chatTemplate: oneOf(CHAT_TEMPLATE_MODES)
    .default('auto')
    .describe(
      "'auto': render prompts through the student's chat template when its tokenizer has one (Instruct models), with add_generation_prompt; 'off': always the plain 'Question: ...\\nAnswer: ' prompt",
    ),
});

const reward = section({
  name: text()
    .optional()
    .describe(
      "without file: a built-in reward (accuracy: 1 if the response terminated and its last \\boxed{} matches; math_answer, termination, first_answer). With file: the name it is logged under (rewards/<name>/mean; letters, digits, _), default the file's base name with other characters made _ (./my-reward.mjs -> my_reward)",
    ),
  file: text()
    .optional()
    .describe(
      'ES module (.mjs) whose default export, or export named reward, is a synchronous function of {prompt, completion, answer, sample, terminated} returning a number or null; a relative path is read from the working directory',
    ),
  weight: num().describe('weight of this reward in the summed reward'),
});

/**
 * grpo.rewards: each entry a built-in (name) or a file. The checks need the whole list (names must be
 * distinct), so they sit here rather than on one entry; the transform then fills in a file reward's
 * default name, so every parsed entry has the name its metrics are logged under.
 */
const rewardList = ruled(
  z
    .array(reward)
    .min(1)
    .superRefine((entries, ctx) => {
      for (const message of rewardEntryProblems(entries)) ctx.addIssue({ code: 'custom', message });
    })
    .transform((entries) => entries.map((e) => ({ ...e, name: effectiveRewardName(e)! }))),
  {
    must: 'a non-empty list of {name, weight} (a built-in) or {file, weight} (a reward module)',
    fix: (k) => `set ${k} to e.g. [{"name":"accuracy","weight":1}] or [{"file":"./my-reward.mjs","weight":1}]`,
  },
);

const grpo = section({
  groupSize: int(2).default(5).describe('G: rollouts per prompt; advantages are computed within each group (paper: 5)'),
  temperature: num({ gt: 0 }).default(1.0).describe('student sampling temperature (paper: 1.0)'),
  topP: num({ gt: 0, max: 1 }).default(1.0).describe('nucleus sampling threshold; 1 = off (paper: 1.0)'),
  maxNewTokens: int(1)
    .default(128)
    .describe(
      "response length cap in tokens; longer rollouts are truncated (paper: 1024 BPE tokens; 128 fits a built-in solution (~25 word-level tokens) plus a reflection like the teacher's (~65))",
    ),
  scaleRewards: oneOf(['group', 'batch', 'none'])
    .default('group')
    .describe('std used to scale advantages: per prompt group (paper), over the whole batch, or none (Dr. GRPO)'),
  lossType: oneOf(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'])
    .default('token-mean')
    .describe('how per-token losses become one number: mean over all tokens (paper), mean of per-sequence means, or per-sequence sums / max length'),
  epsLow: num({ gt: 0, lt: 1 }).default(0.2).describe('PPO clip below: ratio >= 1 - epsLow (paper: 0.2)'),
  epsHigh: num({ gt: 0, lt: 1 }).default(0.2).describe('PPO clip above: ratio <= 1 + epsHigh (paper: 0.2; DAPO uses 0.28)'),
  dualClip: num({ gt: 1 }).default(3).describe('dual-clip constant c bounding the loss of negative-advantage tokens (paper: 3)'),
  beta: num({ min: 0 }).default(0).describe('KL penalty weight against the initial model; 0 = no reference model (paper: 0)'),
  numIterations: int(1)
    .default(1)
    .describe('passes over each batch of rollouts, each pass through all its mini-batches (TRL num_iterations, verl ppo_epochs; paper: 1)'),
  miniBatches: int(1)
    .default(1)
    .describe(
      "optimiser steps per batch of rollouts: the batch is split by prompt groups (shuffled with run.seed, the same on a rerun) into this many mini-batches of near-equal size, one AdamW step each, token-mean over the mini-batch's tokens. Old log-probs are taken once, before the first step, so later mini-batches are off-policy and the PPO clip acts (verl ppo_mini_batch_size, TRL steps_per_generation). Paper: 4 (128 prompts per batch, mini-batch 32). Default 1, one on-policy step (every ratio 1, clip_ratio/* 0): optim.lr and Table 1 (results/compare-arith/) were tuned and measured with 1, and 4 AdamW steps move the weights about 4x as far per batch, so 4 wants its own lr. At most data.promptsPerStep",
    ),
  stop: z
    .array(z.string().min(1))
    .default([])
    .describe(
      "stop strings: a rollout also ends when its text contains one (cut before it, as vLLM's stop); it then counts as terminated but, having no end token, is not sent to the teacher. The end-of-sequence ids of generation_config.json and the tokenizer always stop",
    ),
  maskTruncated: bool().default(false).describe('drop truncated rollouts from the loss (DAPO overlong filtering); the paper keeps them with reward 0'),
  rewards: rewardList
    .default([{ name: 'accuracy', weight: 1 }])
    .describe(
      'reward functions and their weights, each {name, weight} (a built-in) or {file, weight, name?} (your module); the reward of a rollout is the weighted sum, skipping functions that return null',
    ),
});

const guidance = section({
  enabled: bool().default(true).describe('use the teacher at all; false = plain GRPO (the baseline)'),
  initPct: fraction()
    .default(0.1)
    .describe('fraction of completed rollouts per group sent to the teacher at step 0; k = max(1, floor(eligible * pct)) (paper: 0.10)'),
  minPct: fraction().default(0.01).describe('fraction the schedule decays to (paper: 0.01)'),
  offThreshold: fraction().default(0.06).describe('once pct <= this the teacher switches off for good (paper: 0.06)'),
  decaySteps: ruled(z.union([z.literal('auto'), z.int().min(1)]), {
    must: "'auto' or an integer >= 1",
    fix: (k) => `set ${k} to auto (= floor(run.totalSteps / 3), the paper's choice) or a step count`,
  })
    .default('auto')
    .describe("steps over which pct falls linearly from initPct to minPct; 'auto' = floor(run.totalSteps / 3) (paper)"),
  teacherMask: oneOf(['whole-response', 'teacher-only'])
    .default('whole-response')
    .describe("tokens of a guided rollout that get the off-policy loss: the whole response (released code) or only the teacher's tokens"),
  shaping: oneOf(['aas', 'luffy', 'plain'])
    .default('aas')
    .describe('off-policy loss of teacher tokens: advantage-aware shaping p/sg(p + gamma(A)) (paper), LUFFY p/(p + luffyGamma), or the plain clipped ratio'),
  gMin: num()
    .default(0.001)
    .describe(
      "AAS gamma at A = aMax (gamma(A) = gMin + (gMax - gMin)(aMax - A)/(aMax - aMin), clamped as guidance.gamma says; defaults give A/4000 'as-written', -0.001 'released')",
    ),
  gMax: num().default(-0.001).describe('AAS gamma at A = aMin'),
  aMin: num().default(-4).describe('AAS advantage range, lower end (gamma is clamped outside the range)'),
  aMax: num().default(4).describe('AAS advantage range, upper end'),
  gamma: oneOf(['released', 'as-written'])
    .default('released')
    .describe(
      "AAS gamma(A): 'released' = what the authors' code computes: torch.clamp(gamma, gMin, gMax) with gMin > gMax returns gMax, so gamma = -0.001 for every token and a teacher token's weight relative to REINFORCE, p/(p + gamma), is ~1 below p = 0.001 (the p + gamma < 0 guard), 2.0 at p = 0.002, then falls to 1; 'as-written' = the paper's formula with the bounds ordered, gamma = A/4000: for A = 1.79 the weight is 0.022 at p = 1e-5 and 0.0022 at p = 1e-6. Default 'released': the paper's numbers came from it, and 'as-written' damps the rare tokens of succeeded rollouts while failed rollouts' fall back to full weight (new behaviour pushed down faster than up). Table 1 (results/compare-arith/) predates this key and used 'as-written'",
    ),
  luffyGamma: num({ gt: 0 }).default(0.1).describe("LUFFY shaping constant in p/(p + gamma), used when shaping is 'luffy' (LUFFY: 0.1)"),
  fallbackP: fraction().default(0.01).describe('teacher tokens with A < 0 and p below this use the ordinary clipped loss (released code: 0.01)'),
  styles: ruled(z.array(oneOf(STYLE_NAMES)).min(1), {
    must: `a non-empty list of styles from ${STYLE_NAMES.join(', ')}`,
    fix: (k) => `set ${k} to e.g. ${STYLE_NAMES.join(',')}`,
  })
    .default([...STYLE_NAMES])
    .describe('feedback styles whose examples may appear in teacher prompts (files in promptsDir)'),
  styleMix: oneOf(STYLE_MIXES)
    .default('round-robin')
    .describe(
      "style examples per teacher prompt: 'all' (paper: all four every time), one chosen at random, or one in turn. One keeps the prompt within a small model's context",
    ),
  promptsDir: text().default('prompts').describe('folder of the editable teacher templates; re-read between steps when a file changes'),
  teacherLayout: oneOf(TEACHER_LAYOUT_SETTINGS)
    .default('auto')
    .describe(
      "teacher prompt layout: 'auto' = 'short' (teacher-prompt.txt, one style line) for the built-in model, which was pretrained on it, and 'paper' (teacher-prompt-fewshot.txt: worked examples of all four styles in every prompt, the paper's) for any other teacher",
    ),
});

/** The kinds `learningRate` in train/schedule.ts knows. */
const SCHEDULES = ['constant', 'linear-warmup', 'cosine'] as const satisfies readonly ScheduleKind[];

const optim = section({
  lr: num({ gt: 0 })
    .default(1e-4)
    .describe(
      'peak learning rate of AdamW (paper: 1e-6 for a 3B model; the built-in ~1.2M-parameter model was pretrained at 3e-3 and needs larger steps: with 8 prompts x 5 rollouts per step, 1e-4 raised the reward faster than 5e-5, and 2e-4 or more did not raise it)',
    ),
  weightDecay: num({ min: 0 }).default(0.01).describe('AdamW decoupled weight decay (paper: 0.01)'),
  beta1: num({ min: 0, lt: 1 }).default(0.9).describe('AdamW first-moment decay'),
  beta2: num({ min: 0, lt: 1 }).default(0.999).describe('AdamW second-moment decay'),
  eps: num({ gt: 0 })
    .default(1e-8)
    .describe(
      'AdamW epsilon in m / (sqrt(v) + eps). Raising it towards the typical gradient size (1e-5 - 1e-4 for the built-in model) stops Adam from moving every weight by ~lr on noisy RL gradients',
    ),
  gradClip: num({ min: 0 }).default(1.0).describe('max global gradient norm; 0 = no clipping (paper: 1.0)'),
  schedule: oneOf(SCHEDULES).default('constant').describe('learning-rate schedule (paper: constant)'),
  warmupSteps: int(0).default(0).describe('linear warmup steps (ignored by constant)'),
  minLrRatio: fraction().default(0).describe('cosine floor as a fraction of lr'),
});

const run = section({
  totalSteps: int(1)
    .default(150)
    .describe(
      'training steps (paper: 1 epoch of GSM8K, about 50-60 steps of 128 prompts; the built-in world takes 150 steps of 8 prompts, ~8 minutes on 2 CPU cores once the student reflects)',
    ),
  seed: int(0).default(1).describe('seed for prompt order, sampling and guidance choice; same seed + config = same run'),
  saveEvery: int(0).default(20).describe('save a checkpoint every N steps; 0 = only at the end'),
  runDir: text().default('runs').describe('folder in which each run creates its own subfolder (checkpoints, metrics, config)'),
  keepCheckpoints: int(0).default(3).describe('newest checkpoints to keep; 0 = keep all'),
  maxNanSteps: int(1).default(3).describe('stop the run after this many consecutive steps with a non-finite loss (each is skipped)'),
  backend: oneOf(['auto', ...BACKEND_NAMES])
    .default('auto')
    .describe('TensorFlow.js backend; auto = the first that loads of tensorflow-gpu, tensorflow, wasm, cpu'),
  objective: oneOf(['rl', 'sft-guided'])
    .default('rl')
    .describe(
      "what a step learns from: 'rl' = the GRPO / ThinkTuning policy update (paper); 'sft-guided' = the distillation baseline the paper says it avoids: the same rollouts, teacher and guidance schedule, then token-mean cross-entropy on the completion tokens (student part, teacher part, end token) of the teacher-augmented rollouts alone, no RL term, one optimiser step; a step with no augmented rollout makes no update (perf/optimizer_steps 0, sft/rows 0). Needs guidance.enabled",
    ),
});

export const TrainConfigSchema = z
  .strictObject({
    model: model.prefault({}),
    teacher: teacher.prefault({}),
    data: data.prefault({}),
    prompt: prompt.prefault({}),
    grpo: grpo.prefault({}),
    guidance: guidance.prefault({}),
    optim: optim.prefault({}),
    run: run.prefault({}),
  })
  .superRefine((c, ctx) => {
    const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (c.teacher.kind === 'checkpoint' && !c.teacher.path)
      bad("teacher.path is required when teacher.kind is 'checkpoint'; set teacher.path to the teacher's checkpoint folder");
    if (c.teacher.kind === 'openai' && !c.teacher.url)
      bad("teacher.url is required when teacher.kind is 'openai'; set teacher.url to the server's base URL, e.g. http://localhost:8000/v1");
    if (c.teacher.kind === 'openai' && !c.teacher.model)
      bad("teacher.model is required when teacher.kind is 'openai'; set teacher.model to the model name the server knows");
    for (const message of teacherUrlProblems(c.teacher)) bad(message);
    if (c.grpo.miniBatches > c.data.promptsPerStep) {
      bad(
        `grpo.miniBatches (${c.grpo.miniBatches}) must be <= data.promptsPerStep (${c.data.promptsPerStep}): a mini-batch holds whole prompt groups; lower miniBatches or raise promptsPerStep`,
      );
    }
    if (c.data.task === 'arith' && c.data.file)
      bad(`data.file is set but data.task is arith; set data.task to gsm8k or math for a JSONL file, or drop data.file`);
    if (c.data.task !== 'arith' && !c.data.file) bad(`data.task ${c.data.task} reads a JSONL file; set data.file to it`);
    const g = c.guidance;
    if (g.minPct > g.initPct) bad(`guidance.minPct (${g.minPct}) must be <= guidance.initPct (${g.initPct}); lower minPct or raise initPct`);
    if (g.enabled && g.initPct <= g.offThreshold) {
      bad(
        `guidance.initPct (${g.initPct}) must be > guidance.offThreshold (${g.offThreshold}) or the teacher is off from step 0; raise initPct, lower offThreshold, or set guidance.enabled=false`,
      );
    }
    if (g.aMin >= g.aMax) bad(`guidance.aMin (${g.aMin}) must be < guidance.aMax (${g.aMax}); swap them or widen the range`);
    const dupStyle = g.styles.find((s, i) => g.styles.indexOf(s) !== i);
    if (dupStyle) bad(`guidance.styles lists ${dupStyle} twice; list each style once`);
    // grpo.rewards (neither name nor file, unknown built-in, duplicate names) is checked on the list itself.
    if (c.optim.schedule !== 'constant' && c.optim.warmupSteps > c.run.totalSteps) {
      bad(`optim.warmupSteps (${c.optim.warmupSteps}) must be <= run.totalSteps (${c.run.totalSteps}); shorten the warmup or train longer`);
    }
  });

export type TrainConfig = z.output<typeof TrainConfigSchema>;
/** What a config file may hold: every key optional. */
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/**
 * Keys that may change between steps of a running job (dashboard `:set`). Everything else fixes the
 * shape of the run (model, data, group size, reward, loss definition, run length) and needs a restart.
 */
const MID_RUN_KEYS: readonly string[] = [
  'optim.lr',
  'optim.weightDecay',
  'optim.gradClip',
  'grpo.temperature',
  'grpo.topP',
  'grpo.epsLow',
  'grpo.epsHigh',
  'grpo.dualClip',
  'grpo.beta',
  'guidance.enabled',
  'guidance.initPct',
  'guidance.minPct',
  'guidance.offThreshold',
  'guidance.gMin',
  'guidance.gMax',
  'guidance.aMin',
  'guidance.aMax',
  'guidance.luffyGamma',
  'guidance.fallbackP',
  'guidance.styles',
  'guidance.styleMix',
  'teacher.timeoutMs',
  'teacher.retries',
  'teacher.concurrency',
  'teacher.maxNewTokens',
  'run.saveEvery',
  'run.keepCheckpoints',
  'run.maxNanSteps',
];

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** All defaults; frozen (clone before changing: `structuredClone(DEFAULT_TRAIN_CONFIG)`). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = deepFreeze(TrainConfigSchema.parse({}));

/** Validate a raw object (file contents with overrides applied); throws a one-line TrainConfigError. */
export function parseTrainConfig(raw: unknown): TrainConfig {
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new TrainConfigError(formatIssue(TrainConfigSchema, r.error.issues[0], raw));
  return r.data;
}

function readConfigFile(file: string): Record<string, unknown> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new TrainConfigError(`config: cannot tell the format of ${file}; use a .json, .yaml or .yml file`);
  }
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : diskErrorReason(err);
    throw new TrainConfigError(`config: cannot read ${file} (${why}); check the path given as the config file`);
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(source) : YAML.parse(source);
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new TrainConfigError(`config: ${file} is not valid ${ext === '.json' ? 'JSON' : 'YAML'} (${first}); fix the syntax there`);
  }
  if (parsed === null || parsed === undefined) return {}; // an empty YAML file means "all defaults"
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TrainConfigError(`config: ${file} must hold a mapping of sections (got ${showValue(parsed)}); write e.g. grpo: { groupSize: 5 }`);
  }
  return parsed as Record<string, unknown>;
}

/** Apply `key=value` overrides to a raw config object (mutates `raw`). Unknown keys are errors. */
export function applyOverrides(raw: Record<string, unknown>, sets: readonly string[]): void {
  for (const s of sets) {
    const { key, raw: value } = parseAssignment(s);
    const { path, schema } = resolveKey(TrainConfigSchema, key);
    setAt(raw, path, parseValue(value, schema));
  }
}

/**
 * The configuration of a run: defaults, then `file` (JSON or YAML, optional), then `sets`
 * (`['grpo.groupSize=8', 'optim.lr=3e-5']`, applied in order), validated. Throws TrainConfigError.
 */
export function loadTrainConfig(file?: string, sets: readonly string[] = []): TrainConfig {
  const raw = file ? readConfigFile(file) : {};
  applyOverrides(raw, sets);
  return parseTrainConfig(raw);
}

/** Keys the dashboard may change while a run goes on. */
export function settableKeys(): string[] {
  return [...MID_RUN_KEYS];
}

export interface ConfigKeyInfo {
  key: string;
  doc: string;
  default: unknown;
  /** May change between steps of a running job (see `applySetting`). */
  midRun: boolean;
}

/** Every key of every section with its description and default, in schema order: help text for `:set`. */
export function describeKeys(): ConfigKeyInfo[] {
  const out: ConfigKeyInfo[] = [];
  for (const [sec, secSchema] of Object.entries(shapeOf(TrainConfigSchema)!)) {
    for (const [name, field] of Object.entries(shapeOf(secSchema)!)) {
      const key = `${sec}.${name}`;
      out.push({ key, doc: field.description ?? '', default: getAt(DEFAULT_TRAIN_CONFIG, [sec, name]), midRun: MID_RUN_KEYS.includes(key) });
    }
  }
  return out;
}

/** The current value of `key` (e.g. for `:set optim.lr` without a value). */
export function getSetting(config: TrainConfig, key: string): unknown {
  return getAt(config, resolveKey(TrainConfigSchema, key).path);
}

/**
 * A copy of `config` with `key` set to `value` (a string is parsed as in `--set`), validated with the
 * same schema. Only `settableKeys()` may change mid-run. Throws a one-line TrainConfigError; `config`
 * itself is never changed, so a rejected setting leaves the run as it was.
 */
export function applySetting(config: TrainConfig, key: string, value: unknown): TrainConfig {
  const { path, schema } = resolveKey(TrainConfigSchema, key);
  if (!MID_RUN_KEYS.includes(key)) {
    throw new TrainConfigError(`config: ${key} cannot change during a run; stop the run and restart it with --set ${key}=<value>`);
  }
  const next = structuredClone(config) as Record<string, unknown>;
  const parsed = typeof value === 'string' ? parseValue(value, schema) : value;
  if (parsed === null || parsed === undefined) throw new TrainConfigError(`config: ${key} needs a value; write ${key}=<value>`);
  setAt(next, path, parsed);
  return parseTrainConfig(next);
}

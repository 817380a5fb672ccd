/**
 * The training configuration: one zod schema whose defaults are the ThinkTuning recipe
 * (/work/shared/thinktuning-method.md) scaled from a 3B model on 8 GPUs down to a small model on a few
 * CPU cores. Every key is documented with `.describe()`, which the dashboard shows as help text.
 *
 * Where a default differs from the paper, its description says what the paper used and why.
 * Loading: file (JSON or YAML) -> `key=value` overrides -> validation; every error is one line that names
 * the key and the fix. Mid-run changes (dashboard `:set`) go through `applySetting`, with the same schema.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import * as z from 'zod';
import { BACKEND_NAMES } from '../backend/select.js';
import { STYLE_MIXES, STYLE_NAMES } from '../prompts/styles.js';
import type { ScheduleKind } from '../train/schedule.js';
import { TrainConfigError, formatIssue, getAt, parseAssignment, parseValue, resolveKey, setAt, showValue } from './key-paths.js';
import { bool, fraction, int, num, oneOf, ruled, section, shapeOf, text } from './schema-rules.js';

export { TrainConfigError } from './key-paths.js';

const model = section({
  checkpoint: text().default('builtin').describe("student to train: 'builtin' (the bundled small word-level model, checkpoints/arith-base) or a folder with config.json + weights"),
});

const teacher = section({
  kind: oneOf(['frozen-student', 'checkpoint', 'openai'])
    .default('frozen-student')
    .describe("who writes feedback: 'frozen-student' (a frozen copy of the initial student, as in the paper), 'checkpoint' (teacher.path), 'openai' (an OpenAI-compatible server at teacher.url)"),
  path: text().optional().describe("checkpoint folder of the teacher; required when kind is 'checkpoint'"),
  url: text().optional().describe("base URL of an OpenAI-compatible server, e.g. http://localhost:8000/v1; required when kind is 'openai'"),
  model: text().optional().describe("model name sent to the server; required when kind is 'openai'"),
  apiKeyEnv: text().default('OPENAI_API_KEY').describe('name of the environment variable holding the API key (the key itself never goes in a config file)'),
  timeoutMs: int(1).default(60_000).describe('ms to wait for one teacher answer before retrying (openai kind)'),
  retries: int(0, 10).default(2).describe('extra attempts after a failed or timed-out teacher call; after the last the rollout counts as "no feedback"'),
  concurrency: int(1, 64).default(4).describe('teacher requests in flight at once (openai kind); local teachers run one batch'),
  maxNewTokens: int(1).default(128).describe('teacher answer length cap in tokens (decoding is greedy). 128 fits the built-in teacher answers (~84 word-level tokens, at most ~93) after a ~150-token prompt'),
});

const data = section({
  task: text().default('arith').describe("built-in task that supplies prompts, answers and the reward, e.g. 'arith'; ignored when data.file is set"),
  split: text().default('train').describe('split of the task to sample prompts from'),
  file: text().optional().describe('JSONL file of {"question", "answer"} lines used instead of the task'),
  difficulty: oneOf(['easy', 'medium', 'hard']).default('easy').describe("difficulty of the built-in arith task (the shipped model was trained on 'easy')"),
  promptsPerStep: int(1).default(8)
    .describe('prompts per training step (batch). Paper: 128 on 8 GPUs; 8 x groupSize 5 = 40 rollouts keeps a CPU step in seconds'),
});

const reward = section({
  name: text().describe("reward function name, e.g. 'accuracy' (1 if the response terminated and its last \\boxed{} matches)"),
  weight: num().describe('weight of this reward in the summed reward'),
});

const grpo = section({
  groupSize: int(2).default(5).describe('G: rollouts per prompt; advantages are computed within each group (paper: 5)'),
  temperature: num({ gt: 0 }).default(1.0).describe('student sampling temperature (paper: 1.0)'),
  topP: num({ gt: 0, max: 1 }).default(1.0).describe('nucleus sampling threshold; 1 = off (paper: 1.0)'),
  maxNewTokens: int(1).default(128).describe('response length cap in tokens; longer rollouts are truncated (paper: 1024 BPE tokens; 128 fits a built-in solution (~25 word-level tokens) plus a reflection like the teacher\'s (~65))'),
  scaleRewards: oneOf(['group', 'batch', 'none']).default('group')
    .describe("std used to scale advantages: per prompt group (paper), over the whole batch, or none (Dr. GRPO)"),
  lossType: oneOf(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm']).default('token-mean')
    .describe('how per-token losses become one number: mean over all tokens (paper), mean of per-sequence means, or per-sequence sums / max length'),
  epsLow: num({ gt: 0, lt: 1 }).default(0.2).describe('PPO clip below: ratio >= 1 - epsLow (paper: 0.2)'),
  epsHigh: num({ gt: 0, lt: 1 }).default(0.2).describe('PPO clip above: ratio <= 1 + epsHigh (paper: 0.2; DAPO uses 0.28)'),
  dualClip: num({ gt: 1 }).default(3).describe('dual-clip constant c bounding the loss of negative-advantage tokens (paper: 3)'),
  beta: num({ min: 0 }).default(0).describe('KL penalty weight against the initial model; 0 = no reference model (paper: 0)'),
  numIterations: int(1).default(1).describe('policy updates per batch of rollouts (paper: 1 epoch)'),
  maskTruncated: bool().default(false).describe('drop truncated rollouts from the loss (DAPO overlong filtering); the paper keeps them with reward 0'),
  rewards: ruled(z.array(reward).min(1), {
    must: 'a non-empty list of {name, weight}',
    fix: (k) => `set ${k} to e.g. [{"name":"accuracy","weight":1}]`,
  })
    .default([{ name: 'accuracy', weight: 1 }])
    .describe('reward functions and their weights; the reward of a rollout is the weighted sum'),
});

const guidance = section({
  enabled: bool().default(true).describe('use the teacher at all; false = plain GRPO (the baseline)'),
  initPct: fraction().default(0.1).describe('fraction of completed rollouts per group sent to the teacher at step 0; k = max(1, floor(eligible * pct)) (paper: 0.10)'),
  minPct: fraction().default(0.01).describe('fraction the schedule decays to (paper: 0.01)'),
  offThreshold: fraction().default(0.06).describe('once pct <= this the teacher switches off for good (paper: 0.06)'),
  decaySteps: ruled(z.union([z.literal('auto'), z.int().min(1)]), {
    must: "'auto' or an integer >= 1",
    fix: (k) => `set ${k} to auto (= floor(run.totalSteps / 3), the paper's choice) or a step count`,
  })
    .default('auto')
    .describe("steps over which pct falls linearly from initPct to minPct; 'auto' = floor(run.totalSteps / 3) (paper)"),
  teacherMask: oneOf(['whole-response', 'teacher-only']).default('whole-response')
    .describe("tokens of a guided rollout that get the off-policy loss: the whole response (released code) or only the teacher's tokens"),
  shaping: oneOf(['aas', 'luffy', 'plain']).default('aas')
    .describe("off-policy loss of teacher tokens: advantage-aware shaping p/sg(p + gamma(A)) (paper), LUFFY p/(p + luffyGamma), or the plain clipped ratio"),
  gMin: num().default(0.001).describe('AAS gamma at A = aMax (gamma(A) = gMin + (gMax - gMin)(aMax - A)/(aMax - aMin); defaults give A/4000)'),
  gMax: num().default(-0.001).describe('AAS gamma at A = aMin'),
  aMin: num().default(-4).describe('AAS advantage range, lower end (gamma is clamped outside the range)'),
  aMax: num().default(4).describe('AAS advantage range, upper end'),
  luffyGamma: num({ gt: 0 }).default(0.1).describe("LUFFY shaping constant in p/(p + gamma), used when shaping is 'luffy' (LUFFY: 0.1)"),
  fallbackP: fraction().default(0.01).describe('teacher tokens with A < 0 and p below this use the ordinary clipped loss (released code: 0.01)'),
  styles: ruled(z.array(oneOf(STYLE_NAMES)).min(1), {
    must: `a non-empty list of styles from ${STYLE_NAMES.join(', ')}`,
    fix: (k) => `set ${k} to e.g. ${STYLE_NAMES.join(',')}`,
  })
    .default([...STYLE_NAMES])
    .describe('feedback styles whose examples may appear in teacher prompts (files in promptsDir)'),
  styleMix: oneOf(STYLE_MIXES).default('round-robin')
    .describe("style examples per teacher prompt: 'all' (paper: all four every time), one chosen at random, or one in turn. One keeps the prompt within a small model's context"),
  promptsDir: text().default('prompts').describe('folder of the editable teacher templates; re-read between steps when a file changes'),
});

/** The kinds `learningRate` in train/schedule.ts knows. */
const SCHEDULES = ['constant', 'linear-warmup', 'cosine'] as const satisfies readonly ScheduleKind[];

const optim = section({
  lr: num({ gt: 0 }).default(1e-4).describe('peak learning rate of AdamW (paper: 1e-6 for a 3B model; the built-in ~1.2M-parameter model was pretrained at 3e-3 and needs larger steps: with 8 prompts x 5 rollouts per step, 1e-4 raised the reward faster than 5e-5, and 2e-4 or more did not raise it)'),
  weightDecay: num({ min: 0 }).default(0.01).describe('AdamW decoupled weight decay (paper: 0.01)'),
  beta1: num({ min: 0, lt: 1 }).default(0.9).describe('AdamW first-moment decay'),
  beta2: num({ min: 0, lt: 1 }).default(0.999).describe('AdamW second-moment decay'),
  eps: num({ gt: 0 }).default(1e-8).describe('AdamW epsilon in m / (sqrt(v) + eps). Raising it towards the typical gradient size (1e-5 - 1e-4 for the built-in model) stops Adam from moving every weight by ~lr on noisy RL gradients'),
  gradClip: num({ min: 0 }).default(1.0).describe('max global gradient norm; 0 = no clipping (paper: 1.0)'),
  schedule: oneOf(SCHEDULES).default('constant')
    .describe('learning-rate schedule (paper: constant)'),
  warmupSteps: int(0).default(0).describe('linear warmup steps (ignored by constant)'),
  minLrRatio: fraction().default(0).describe('cosine floor as a fraction of lr'),
});

const run = section({
  totalSteps: int(1).default(150).describe('training steps (paper: 1 epoch of GSM8K, about 50-60 steps of 128 prompts; the built-in world takes 150 steps of 8 prompts, ~8 minutes on 2 CPU cores once the student reflects)'),
  seed: int(0).default(1).describe('seed for prompt order, sampling and guidance choice; same seed + config = same run'),
  saveEvery: int(0).default(20).describe('save a checkpoint every N steps; 0 = only at the end'),
  runDir: text().default('runs').describe('folder in which each run creates its own subfolder (checkpoints, metrics, config)'),
  keepCheckpoints: int(0).default(3).describe('newest checkpoints to keep; 0 = keep all'),
  maxNanSteps: int(1).default(3).describe('stop the run after this many consecutive steps with a non-finite loss (each is skipped)'),
  backend: oneOf(['auto', ...BACKEND_NAMES]).default('auto').describe('TensorFlow.js backend; auto = the first that loads of tensorflow-gpu, tensorflow, wasm, cpu'),
});

export const TrainConfigSchema = z
  .strictObject({
    model: model.prefault({}),
    teacher: teacher.prefault({}),
    data: data.prefault({}),
    grpo: grpo.prefault({}),
    guidance: guidance.prefault({}),
    optim: optim.prefault({}),
    run: run.prefault({}),
  })
  .superRefine((c, ctx) => {
    const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (c.teacher.kind === 'checkpoint' && !c.teacher.path) bad("teacher.path is required when teacher.kind is 'checkpoint'; set teacher.path to the teacher's checkpoint folder");
    if (c.teacher.kind === 'openai' && !c.teacher.url) bad("teacher.url is required when teacher.kind is 'openai'; set teacher.url to the server's base URL, e.g. http://localhost:8000/v1");
    if (c.teacher.kind === 'openai' && !c.teacher.model) bad("teacher.model is required when teacher.kind is 'openai'; set teacher.model to the model name the server knows");
    const g = c.guidance;
    if (g.minPct > g.initPct) bad(`guidance.minPct (${g.minPct}) must be <= guidance.initPct (${g.initPct}); lower minPct or raise initPct`);
    if (g.enabled && g.initPct <= g.offThreshold) {
      bad(`guidance.initPct (${g.initPct}) must be > guidance.offThreshold (${g.offThreshold}) or the teacher is off from step 0; raise initPct, lower offThreshold, or set guidance.enabled=false`);
    }
    if (g.aMin >= g.aMax) bad(`guidance.aMin (${g.aMin}) must be < guidance.aMax (${g.aMax}); swap them or widen the range`);
    const dupStyle = g.styles.find((s, i) => g.styles.indexOf(s) !== i);
    if (dupStyle) bad(`guidance.styles lists ${dupStyle} twice; list each style once`);
    const names = c.grpo.rewards.map((r) => r.name);
    const dupReward = names.find((n, i) => names.indexOf(n) !== i);
    if (dupReward) bad(`grpo.rewards lists ${dupReward} twice; give each reward once with its weight`);
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
  'optim.lr', 'optim.weightDecay', 'optim.gradClip',
  'grpo.temperature', 'grpo.topP', 'grpo.epsLow', 'grpo.epsHigh', 'grpo.dualClip', 'grpo.beta',
  'guidance.enabled', 'guidance.initPct', 'guidance.minPct', 'guidance.offThreshold',
  'guidance.gMin', 'guidance.gMax', 'guidance.aMin', 'guidance.aMax', 'guidance.luffyGamma', 'guidance.fallbackP',
  'guidance.styles', 'guidance.styleMix',
  'teacher.timeoutMs', 'teacher.retries', 'teacher.concurrency', 'teacher.maxNewTokens',
  'run.saveEvery', 'run.keepCheckpoints', 'run.maxNanSteps',
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
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
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

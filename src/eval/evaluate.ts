/**
 * Evaluation of one model on a list of problems: greedy pass@1 always; with `samples` K > 1 also K
 * sampled responses per problem for maj@K and pass@K; plus the reflection rate, mean response length
 * and termination rate of the greedy responses (scoring.ts says how each is counted).
 *
 * The prompt is the student's own (tasks/student-prompt.ts: the task's layout, through the chat template
 * when the tokenizer has one), exactly as the trainer's rollouts build it, so an evaluated checkpoint sees
 * what it was trained on; generation stops on the model's own end ids (generation_config.json + eos).
 * Problems are decoded `batchPrompts` at a time; with K > 1 the sampled pass decodes the same batch with
 * K rows per prompt from one seeded generator, so a (seed, batchPrompts) pair always gives the same result.
 */
import { generate, responseBudget, type GeneratedSequence } from '../engine/generate.js';
import type { CausalLM } from '../model/model.js';
import { mulberry32 } from '../rl/rng.js';
import { studentPromptFor, type StudentPromptFn } from '../tasks/student-prompt.js';
import { DatasetError } from '../tasks/errors.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { scoreProblem, summarize, type Completion, type EvalMetrics, type ProblemLike, type ScoredProblem } from './scoring.js';

export interface EvaluateOptions {
  /** K: sampled responses per problem for maj@K / pass@K; 1 (default) = greedy only. */
  samples?: number;
  /** Sampling temperature of the K samples (default 1.0); the pass@1 response is always greedy. */
  temperature?: number;
  /** Nucleus threshold of the K samples (default 1 = off). */
  topP?: number;
  /** Response length cap in tokens (default 256: twice the trainer's grpo.maxNewTokens default, room for a reflection). */
  maxNewTokens?: number;
  /** Problems decoded together (default 8); the sampled pass holds batchPrompts x K rows. */
  batchPrompts?: number;
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** The student prompt of a question (default: the built-in world's, through a chat template if any). */
  prompt?: StudentPromptFn;
  /** Ids that end a response (default: the tokenizer's eos); pass generation_config.json's too. */
  stopIds?: number[];
  /** Called after each batch with the number of problems finished so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  metrics: EvalMetrics;
  records: ScoredProblem[];
}

function checkWhole(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`evaluateModel: ${name} must be a whole number >= ${min}, got ${v}`);
  return v;
}

function toCompletion(s: GeneratedSequence, tok: Tokenizer): Completion {
  const body = s.finished ? s.tokens.slice(0, -1) : s.tokens; // a finished row ends on one of the stop ids
  return { text: tok.decode(body, { skipSpecial: true }), terminated: s.finished, tokens: s.tokens.length };
}

/**
 * The response budget of one batch: `maxNewTokens`, cut so the longest prompt plus its response fits
 * the model's positions (a long prompt gets a shorter budget rather than failing the whole evaluation).
 */
function batchBudget(model: CausalLM, prompts: number[][], maxNewTokens: number, problems: ProblemLike[]): number {
  const budget = responseBudget(model, prompts, maxNewTokens);
  if (budget === 0) {
    const longest = Math.max(...prompts.map((p) => p.length));
    const i = prompts.findIndex((p) => p.length === longest);
    throw new DatasetError(
      `problem ${problems[i].id}: its prompt is ${longest} tokens, but the model has only ${model.config.max_position_embeddings} positions; drop it from the data or use a model with a longer context`,
    );
  }
  return budget;
}

/** What an evaluation does when not told otherwise: one definition for this function and `thinktune eval`. */
export const EVAL_DEFAULTS = { samples: 1, maxNewTokens: 256, batchPrompts: 8, temperature: 1.0, seed: 0 } as const;

export async function evaluateModel(model: CausalLM, tokenizer: Tokenizer, problems: readonly ProblemLike[], opts: EvaluateOptions = {}): Promise<EvalResult> {
  const K = checkWhole('samples', opts.samples ?? EVAL_DEFAULTS.samples, 1);
  const maxNewTokens = checkWhole('maxNewTokens', opts.maxNewTokens ?? EVAL_DEFAULTS.maxNewTokens, 1);
  const batch = checkWhole('batchPrompts', opts.batchPrompts ?? EVAL_DEFAULTS.batchPrompts, 1);
  const temperature = opts.temperature ?? EVAL_DEFAULTS.temperature;
  if (!(temperature > 0)) throw new RangeError(`evaluateModel: temperature of the K samples must be > 0, got ${temperature}`);
  if (problems.length === 0) throw new DatasetError('no problems to evaluate; pass a data set with at least one problem');
  const rng = mulberry32(opts.seed ?? EVAL_DEFAULTS.seed);
  const stopTokens = opts.stopIds ?? [tokenizer.eosId];
  const prompt = opts.prompt ?? studentPromptFor(tokenizer, 'arith', { instruction: 'auto', chatTemplate: 'auto' });
  const records: ScoredProblem[] = [];

  for (let start = 0; start < problems.length; start += batch) {
    const chunk = problems.slice(start, start + batch);
    // [prompt][token] ids; rows of the sampled pass are prompt-major (row = promptIndex * K + sample).
    const prompts = chunk.map((p) => prompt(p.question).ids);
    const budget = batchBudget(model, prompts, maxNewTokens, chunk);
    const greedy = generate(model, prompts, { maxNewTokens: budget, numSamples: 1, stopTokens, temperature: 0, topP: 1, rng });
    const sampled = K > 1 ? generate(model, prompts, { maxNewTokens: budget, numSamples: K, stopTokens, temperature, topP: opts.topP ?? 1, rng }) : [];
    chunk.forEach((p, i) => {
      const samples = sampled.filter((s) => s.promptIndex === i).map((s) => toCompletion(s, tokenizer));
      records.push(scoreProblem(p, toCompletion(greedy[i], tokenizer), samples));
    });
    opts.onProgress?.(records.length, problems.length);
    // Let a caller's timers and stdout writes run between batches (generation itself is synchronous).
    await new Promise<void>((r) => setImmediate(r));
  }
  return { metrics: summarize(records, K), records };
}

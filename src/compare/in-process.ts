/**
 * The in-process runner of a comparison (`--jobs 1`, the default): train in this process with the
 * Trainer (budget.ts drives it, the same driver a compute-matched child uses), then evaluate the final
 * checkpoint here. Each run's train lines go to the log with its tag, in the headless format.
 */
import { evaluateModel, type EvalResult } from '../eval/evaluate.js';
import { stopTokenIds } from '../model/generation-config.js';
import { loadModel } from '../model/io.js';
import type { Problem } from '../tasks/datasets.js';
import { studentPromptFor } from '../tasks/student-prompt.js';
import { RunDirError } from '../trainer/run-dir.js';
import { Trainer } from '../trainer/trainer.js';
import { driveRun } from './budget.js';
import { NOT_EVALUATED, evaluated, type EvalSettings, type Job, type JobRunner, type RunResult } from './jobs.js';
import { runFacts } from './run-facts.js';

export interface InProcessContext {
  problems: Problem[];
  eval: EvalSettings;
  backend?: { name: string; reason: string };
  log: (line: string) => void;
}

/** Evaluates one checkpoint in this process: greedy, and K samples per problem when settings.samples > 1. */
export async function evaluateCheckpoint(dir: string, problems: Problem[], settings: EvalSettings): Promise<EvalResult & { seconds: number }> {
  const t0 = performance.now();
  const { model, tokenizer, generation } = await loadModel(dir);
  try {
    if (!tokenizer) throw new RunDirError(`${dir} has no tokenizer.json; the evaluated model needs its tokenizer next to its weights`);
    const prompt = studentPromptFor(tokenizer, settings.task, settings.prompt);
    const result = await evaluateModel(model, tokenizer, problems, { ...settings, prompt, stopIds: stopTokenIds(generation, tokenizer.eosId) });
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

async function run(ctx: InProcessContext, job: Job, budget: number | null): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const none = { generatedTokens: null, updateSteps: null, tokenBudget: budget, budgetReached: null };
  if (job.config === null || job.runDir === null) {
    const ev = await evaluateCheckpoint(job.model!, ctx.problems, ctx.eval);
    return {
      method: job.method,
      seed: null,
      ...evaluated(ev),
      trainSeconds: 0,
      evalSeconds: ev.seconds,
      runDir: null,
      checkpoint: job.model,
      steps: 0,
      error: null,
      startedAt,
      endedAt: new Date().toISOString(),
      ...none,
    };
  }
  const t0 = performance.now();
  const trainer = await Trainer.create({ config: job.config, runDir: job.runDir, backend: ctx.backend });
  let out: Awaited<ReturnType<typeof driveRun>>;
  try {
    out = await driveRun(trainer, { budget, totalSteps: job.config.run.totalSteps, log: (l) => ctx.log(`${job.tag} ${l}`) });
  } finally {
    trainer.dispose();
  }
  const trained = {
    method: job.method,
    seed: job.seed,
    trainSeconds: (performance.now() - t0) / 1000,
    runDir: job.runDir,
    checkpoint: out.checkpoint,
    steps: out.steps,
    startedAt,
    ...runFacts(job.runDir),
    tokenBudget: budget,
    budgetReached: out.budgetReached,
  };
  if (out.error !== null) return { ...trained, ...NOT_EVALUATED, evalSeconds: 0, error: out.error, endedAt: new Date().toISOString() };
  const ev = await evaluateCheckpoint(out.checkpoint!, ctx.problems, ctx.eval);
  return { ...trained, ...evaluated(ev), evalSeconds: ev.seconds, error: null, endedAt: new Date().toISOString() };
}

export const inProcessRunner =
  (ctx: InProcessContext): JobRunner =>
  (job, budget) =>
    run(ctx, job, budget);

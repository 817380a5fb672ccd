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
import { eventPrinter } from '../trainer/print.js';
import { Trainer } from '../trainer/trainer.js';
import { driveRun } from './budget.js';
import { jobRunner, type EvalSettings, type JobRunner, type TrainingJob } from './jobs.js';
import type { TrainOutcome } from './train-outcome.js';

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

/** Trains with a Trainer in this process (budget.ts drives it), printing its lines for people with the run's tag. */
async function train(ctx: InProcessContext, job: TrainingJob, budget: number | null): Promise<{ outcome: TrainOutcome; seconds: number }> {
  const t0 = performance.now();
  const trainer = await Trainer.create({ config: job.config, runDir: job.runDir, backend: ctx.backend });
  try {
    const onEvent = eventPrinter(job.config.run.totalSteps, (text) => ctx.log(`${job.tag} ${text}`));
    const outcome = await driveRun(trainer, { budget, onEvent });
    return { outcome, seconds: (performance.now() - t0) / 1000 };
  } finally {
    trainer.dispose();
  }
}

export const inProcessRunner = (ctx: InProcessContext): JobRunner =>
  jobRunner({
    train: (job, budget) => train(ctx, job, budget),
    evaluate: async (_job, model) => {
      const ev = await evaluateCheckpoint(model, ctx.problems, ctx.eval);
      return { result: ev, seconds: ev.seconds, error: null };
    },
  });

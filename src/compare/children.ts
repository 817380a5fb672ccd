/**
 * One run of a comparison done in child processes (`thinktune compare --jobs N`, N > 1), so N runs can
 * use N cores without sharing one process's backend, memory or event loop:
 *
 *   node <thinktune> train --json --config <jobsDir>/<name>.config.json --run-dir <runDir>
 *   node <thinktune> eval --model <final checkpoint> --data <jobsDir>/test-problems.jsonl --limit L
 *                         --max-new-tokens M --json --job-id <tag> --out <jobsDir>/<name>.eval.json
 *
 * A compute-matched run (a generated-token budget) trains in `thinktune compare --train-job FILE`
 * instead (train-job.ts), which prints the same protocol lines, its done event carrying the budget.
 *
 * Every child is started by the one launcher (src/trainer/child-process.ts) and read as protocol
 * messages: the train child's events make its outcome exactly as the in-process path makes it
 * (train-outcome.ts), and are printed to the log for people with the run's tag (the headless format);
 * eval progress becomes `<tag> eval n/N`. The zero-shot run is the eval child alone, on the base
 * checkpoint. The children evaluate a JSONL copy of the exact problems the in-process path evaluates
 * (built-in ones depend on data.difficulty, which `thinktune eval` has no flag for). Times are each
 * child's wall time, start to exit, in seconds.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalResult } from '../eval/evaluate.js';
import type { ThinktuneCommand } from '../paths.js';
import type { Problem } from '../tasks/datasets.js';
import { startChild, type ChildOutcome } from '../trainer/child-process.js';
import { eventPrinter } from '../trainer/print.js';
import type { WorkerMessage } from '../trainer/protocol.js';
import { jobRunner, type EvalSettings, type Job, type JobRunner, type TrainingJob } from './jobs.js';
import { writeTrainJob } from './train-job.js';
import { finishTrainOutcome, newTrainOutcome, observeTrainEvent, type TrainOutcome } from './train-outcome.js';

export type { EvalSettings } from './jobs.js';

/** How to start the thinktune CLI: a program and the arguments before the subcommand. */
export type ThinktuneEntry = ThinktuneCommand;

/** `thinktune eval` flags that prompt a model exactly as `settings` say. */
export function promptFlags(settings: Pick<EvalSettings, 'task' | 'prompt'>): string[] {
  const p = settings.prompt;
  return [
    '--task',
    settings.task,
    '--instruction',
    p.instruction,
    '--chat-template',
    p.chatTemplate,
    ...(p.system !== undefined ? ['--system', p.system] : []),
  ];
}

export interface ChildContext {
  entry: ThinktuneEntry;
  /** Passed as --backend to every child (the parent's choice); absent = each child picks as usual. */
  backend?: string;
  /** Added to every child's environment (the wasm threads each of the parallel jobs may use). */
  env?: Record<string, string>;
  /** Where the children's config and evaluation files go. */
  jobsDir: string;
  /** JSONL file of the test problems (writeTestProblems). */
  testFile: string;
  problems: number;
  eval: EvalSettings;
  log: (line: string) => void;
}

/** Writes `problems` in the MATH-500 layout (`{id, problem, answer}`), which `thinktune eval` reads back as is. */
export function writeTestProblems(file: string, problems: readonly Problem[]): void {
  writeFileSync(file, problems.map((p) => JSON.stringify({ id: p.id, problem: p.question, answer: p.answer })).join('\n') + '\n');
}

/** Runs one child to its end, handing on its protocol messages; a line that is not the protocol is logged. */
function runChild(ctx: ChildContext, tag: string, args: string[], onMessage: (m: WorkerMessage) => void): Promise<ChildOutcome> {
  const backend = ctx.backend ? ['--backend', ctx.backend] : [];
  return startChild({
    file: ctx.entry.file,
    args: [...ctx.entry.args, ...args, ...backend],
    ...(ctx.env ? { env: ctx.env } : {}),
    onMessage,
    onInvalid: (error) => ctx.log(`${tag} warning: ${error}`),
  }).outcome;
}

const failure = (what: string, o: ChildOutcome) => o.lastError ?? `${what} exited with status ${o.exitCode}`;

/** Evaluates `model` in an eval child; metrics and per-problem records (its --out file), or the child's error line. */
async function evaluateInChild(
  ctx: ChildContext,
  job: Job,
  model: string,
): Promise<{ result: Pick<EvalResult, 'metrics' | 'records'> | null; seconds: number; error: string | null }> {
  const out = join(ctx.jobsDir, `${job.name}.eval.json`);
  const o = await runChild(
    ctx,
    job.tag,
    [
      'eval',
      '--model',
      model,
      '--data',
      ctx.testFile,
      '--limit',
      String(ctx.problems),
      '--max-new-tokens',
      String(ctx.eval.maxNewTokens),
      ...(ctx.eval.samples > 1 ? ['--samples', String(ctx.eval.samples), '--temperature', String(ctx.eval.temperature)] : []),
      ...promptFlags(ctx.eval),
      '--json',
      '--job-id',
      job.tag,
      '--out',
      out,
    ],
    (m) => {
      if (m.kind === 'eval' && m.event.type === 'eval-progress') ctx.log(`${job.tag} eval ${m.event.done}/${m.event.total}`);
    },
  );
  if (o.exitCode !== 0) return { result: null, seconds: o.seconds, error: `evaluation failed: ${failure('thinktune eval', o)}` };
  if (!existsSync(out)) return { result: null, seconds: o.seconds, error: `evaluation failed: thinktune eval wrote no ${out}` };
  return { result: JSON.parse(readFileSync(out, 'utf8')) as Pick<EvalResult, 'metrics' | 'records'>, seconds: o.seconds, error: null };
}

/**
 * The train child's command line: `thinktune train --json` with the job's config, or, with a token
 * budget, `thinktune compare --train-job` (train-job.ts), which knows how to stop on it.
 */
function trainArgs(ctx: ChildContext, job: TrainingJob, budget: number | null): string[] {
  if (budget !== null) {
    const jobFile = join(ctx.jobsDir, `${job.name}.job.json`);
    writeTrainJob(jobFile, { config: job.config, runDir: job.runDir, budget });
    return ['compare', '--train-job', jobFile];
  }
  const configFile = join(ctx.jobsDir, `${job.name}.config.json`);
  writeFileSync(configFile, JSON.stringify(job.config, null, 2) + '\n');
  return ['train', '--json', '--config', configFile, '--run-dir', job.runDir];
}

/**
 * Trains one job in a child and reads its outcome from the child's events (train-outcome.ts, as the
 * in-process path does), printing its lines for people with the run's tag. A child that exits non-zero
 * without saying why in an event fails the run with its stderr line; never throws for a failed child.
 */
async function trainInChild(ctx: ChildContext, job: TrainingJob, budget: number | null): Promise<{ outcome: TrainOutcome; seconds: number }> {
  const seen = newTrainOutcome(budget);
  const print = eventPrinter(job.config.run.totalSteps, (text) => ctx.log(`${job.tag} ${text}`));
  const train = await runChild(ctx, job.tag, trainArgs(ctx, job, budget), (m) => {
    if (m.kind !== 'event') return;
    observeTrainEvent(seen, m.event);
    print(m.event);
  });
  if (train.exitCode !== 0) seen.error ??= failure('thinktune train', train);
  return { outcome: finishTrainOutcome(seen), seconds: train.seconds };
}

/** Runs each job as children: trains (unless zero-shot), then evaluates the final checkpoint; the others go on when one fails. */
export const childRunner = (ctx: ChildContext): JobRunner =>
  jobRunner({
    train: (job, budget) => trainInChild(ctx, job, budget),
    evaluate: (job, model) => evaluateInChild(ctx, job, model),
  });

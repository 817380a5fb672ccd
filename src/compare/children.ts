/**
 * One run of a comparison done in child processes (`thinktune compare --jobs N`, N > 1), so N runs can
 * use N cores without sharing one process's backend, memory or event loop:
 *
 *   node <thinktune> train --headless --config <jobsDir>/<name>.config.json --run-dir <runDir>
 *   node <thinktune> eval --model <final checkpoint> --data <jobsDir>/test-problems.jsonl --limit L
 *                         --max-new-tokens M --json --out <jobsDir>/<name>.eval.json
 *
 * A compute-matched run (a generated-token budget) trains in `thinktune compare --train-job FILE`
 * instead (train-job.ts), which prints the same lines plus the budget line.
 *
 * The zero-shot run is the eval child alone, on the base checkpoint. The children evaluate a JSONL copy
 * of the exact problems the in-process path evaluates (built-in ones depend on data.difficulty, which
 * `thinktune eval` has no flag for). Train stdout lines are relayed to the log with the run's tag; eval
 * progress becomes `<tag> eval n/N`. Times are each child's wall time, start to exit, in seconds.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import type { EvalResult } from '../eval/evaluate.js';
import type { ThinktuneCommand } from '../paths.js';
import type { Problem } from '../tasks/datasets.js';
import { parseProgressLine } from '../trainer/print.js';
import { parseBudgetLine } from './budget.js';
import { NOT_EVALUATED, evaluated, type EvalSettings, type Job, type JobRunner, type RunResult } from './jobs.js';
import { runFacts } from './run-facts.js';
import { writeTrainJob } from './train-job.js';

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
  /** Where the children's config and evaluation files go. */
  jobsDir: string;
  /** JSONL file of the test problems (writeTestProblems). */
  testFile: string;
  problems: number;
  eval: EvalSettings;
  log: (line: string) => void;
}

/** One run: zero-shot (config and runDir null, `model` the base checkpoint) or a trained method and seed. */
export type ChildJob = Job;

/** Writes `problems` in the MATH-500 layout (`{id, problem, answer}`), which `thinktune eval` reads back as is. */
export function writeTestProblems(file: string, problems: readonly Problem[]): void {
  writeFileSync(file, problems.map((p) => JSON.stringify({ id: p.id, problem: p.question, answer: p.answer })).join('\n') + '\n');
}

interface ChildOutcome {
  /** undefined when the process could not be started. */
  exitCode: number | undefined;
  seconds: number;
  /** Why it failed, from stderr (errorLine), else why it could not start, else null. */
  lastError: string | null;
}

async function runChild(ctx: ChildContext, args: string[], onLine: (line: string) => void): Promise<ChildOutcome> {
  const t0 = performance.now();
  const backend = ctx.backend ? ['--backend', ctx.backend] : [];
  const child = execa(ctx.entry.file, [...ctx.entry.args, ...args, ...backend], { reject: false, stdin: 'ignore', buffer: { stdout: false } });
  // Lines as they come (progress must show while the child runs); the loop ends when stdout closes.
  if (child.stdout) for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) onLine(line);
  const r = await child;
  const lines =
    typeof r.stderr === 'string'
      ? r.stderr
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
      : [];
  return {
    exitCode: r.exitCode,
    seconds: (performance.now() - t0) / 1000,
    lastError: errorLine(lines) ?? (r.exitCode === undefined ? (r.shortMessage ?? null) : null),
  };
}

/**
 * The line that says why a child failed: the CLI's own one-line error (`thinktune: ...`, prefix dropped),
 * else an uncaught error's message line (node ends a crash with `Node.js vX`, which says nothing), else
 * the last stderr line.
 */
function errorLine(lines: readonly string[]): string | null {
  const latest = [...lines].reverse();
  const own = latest.find((l) => l.startsWith('thinktune: ') && !l.startsWith('thinktune: internal error'));
  if (own) return own.slice('thinktune: '.length);
  return latest.find((l) => /^\w*Error\b.*: /.test(l)) ?? latest[0] ?? null;
}

/** What the in-process path reads from the trainer's events, read back from a train child's headless lines. */
export interface TrainProgress {
  /** Newest checkpoint saved, null before any. */
  checkpoint: string | null;
  /** Steps finished, from the done line. */
  steps: number;
  /** The run's fatal error, or why it ended early; null while all is well. */
  error: string | null;
}

export const newTrainProgress = (): TrainProgress => ({ checkpoint: null, steps: 0, error: null });

/** Updates `p` from one stdout line of `thinktune train --headless` (format: trainer/print.ts). */
export function readTrainLine(p: TrainProgress, line: string): void {
  const parsed = parseProgressLine(line);
  if (parsed?.kind === 'checkpoint') p.checkpoint = parsed.path;
  else if (parsed?.kind === 'error') p.error ??= parsed.message;
  else if (parsed?.kind === 'done') {
    p.steps = parsed.step;
    if (parsed.reason !== 'completed') p.error ??= `the run ended early (${parsed.reason}) after ${parsed.step} steps`;
  }
}

const failure = (what: string, o: ChildOutcome) => o.lastError ?? `${what} exited with status ${o.exitCode}`;

/** Evaluates `model` in an eval child; metrics and per-problem records (its --out file), or the child's error line. */
async function evaluateInChild(
  ctx: ChildContext,
  job: ChildJob,
  model: string,
): Promise<{ result: Pick<EvalResult, 'metrics' | 'records'> | null; seconds: number; error: string | null }> {
  const out = join(ctx.jobsDir, `${job.name}.eval.json`);
  const o = await runChild(
    ctx,
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
      '--out',
      out,
    ],
    (line) => {
      const m = /^\{"type":"progress","done":(\d+),"total":(\d+)\}$/.exec(line);
      if (m) ctx.log(`${job.tag} eval ${m[1]}/${m[2]}`);
    },
  );
  if (o.exitCode !== 0) return { result: null, seconds: o.seconds, error: `evaluation failed: ${failure('thinktune eval', o)}` };
  if (!existsSync(out)) return { result: null, seconds: o.seconds, error: `evaluation failed: thinktune eval wrote no ${out}` };
  return { result: JSON.parse(readFileSync(out, 'utf8')) as Pick<EvalResult, 'metrics' | 'records'>, seconds: o.seconds, error: null };
}

const evaluation = (ev: Awaited<ReturnType<typeof evaluateInChild>>) => (ev.result ? evaluated(ev.result) : NOT_EVALUATED);

/**
 * The train child's command line: `thinktune train --headless` with the job's config, or, with a token
 * budget, `thinktune compare --train-job` (train-job.ts), which knows how to stop on it.
 */
function trainArgs(ctx: ChildContext, job: ChildJob, budget: number | null): string[] {
  if (budget !== null) {
    const jobFile = join(ctx.jobsDir, `${job.name}.job.json`);
    writeTrainJob(jobFile, { config: job.config, runDir: job.runDir!, budget });
    return ['compare', '--train-job', jobFile];
  }
  const configFile = join(ctx.jobsDir, `${job.name}.config.json`);
  writeFileSync(configFile, JSON.stringify(job.config, null, 2) + '\n');
  return ['train', '--headless', '--config', configFile, '--run-dir', job.runDir!];
}

/**
 * Runs one job as children: trains (unless zero-shot), then evaluates the final checkpoint. Never throws
 * for a failed child: the run gets `error` (one line) and metrics null, and the other runs go on.
 */
export async function runJobInChildren(ctx: ChildContext, job: ChildJob, budget: number | null = null): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const result = { method: job.method, seed: job.seed, runDir: job.runDir, startedAt, tokenBudget: budget };
  const finish = (r: Omit<RunResult, keyof typeof result | 'endedAt'>): RunResult => ({ ...result, ...r, endedAt: new Date().toISOString() });

  if (job.config === null || job.runDir === null) {
    const ev = await evaluateInChild(ctx, job, job.model!);
    return finish({
      ...evaluation(ev),
      trainSeconds: 0,
      evalSeconds: ev.seconds,
      checkpoint: job.model,
      steps: 0,
      error: ev.error,
      generatedTokens: null,
      updateSteps: null,
      budgetReached: null,
    });
  }
  const seen = newTrainProgress();
  let budgetReached: boolean | null = budget === null ? null : false;
  const train = await runChild(ctx, trainArgs(ctx, job, budget), (line) => {
    ctx.log(`${job.tag} ${line}`);
    readTrainLine(seen, line);
    if (parseBudgetLine(line)) budgetReached = true;
  });
  const { checkpoint, steps } = seen;
  let error = seen.error;
  if (train.exitCode !== 0) error ??= failure('thinktune train', train);
  if (error === null && checkpoint === null) error = 'the run saved no checkpoint';
  const trained = { trainSeconds: train.seconds, checkpoint, steps, ...runFacts(job.runDir), budgetReached };
  if (error !== null) return finish({ ...trained, ...NOT_EVALUATED, evalSeconds: 0, error });
  const ev = await evaluateInChild(ctx, job, checkpoint!);
  return finish({ ...trained, ...evaluation(ev), evalSeconds: ev.seconds, error: ev.error });
}

export const childRunner =
  (ctx: ChildContext): JobRunner =>
  (job, budget) =>
    runJobInChildren(ctx, job, budget);

/**
 * The runs of a comparison as data: one Job per (method, seed) plus zero-shot, and the RunResult each
 * becomes. A run is done over one executor interface, JobExecutor (train, then evaluate), with two
 * implementations: in-process.ts (one after another in this process) and children.ts (`--jobs N`,
 * child processes); runJob alone turns what they report into a RunResult, so both give the same
 * fields with the same meaning.
 */
import type { TrainConfig } from '../config/train-config.js';
import type { EvalResult } from '../eval/evaluate.js';
import type { EvalMetrics } from '../eval/scoring.js';
import type { PromptSettings } from '../tasks/student-prompt.js';
import type { TaskName } from '../tasks/task.js';
import { perProblem, repairs, type PerProblem, type Repairs } from './per-problem.js';
import { runFacts, type RunFacts } from './run-facts.js';
import type { TrainOutcome } from './train-outcome.js';

/** How every checkpoint of a comparison is evaluated (in this process or in a child). */
export interface EvalSettings {
  /** Response cap at evaluation. */
  maxNewTokens: number;
  /** K samples per problem at `temperature` besides the greedy answer (1: greedy only). */
  samples: number;
  temperature: number;
  /** How the student is prompted: the config's task and prompt section, as in training. */
  task: TaskName;
  prompt: PromptSettings;
}

export interface Job {
  /** Method name ('zero-shot' for the base checkpoint). */
  method: string;
  /** run.seed of the training run; null for zero-shot. */
  seed: number | null;
  /** Log prefix, e.g. `[grpo seed 1]`. */
  tag: string;
  /** File-name stem of this run's files, e.g. `grpo-seed1`. */
  name: string;
  /** The training config; null for zero-shot. */
  config: TrainConfig | null;
  runDir: string | null;
  /** The model evaluated when there is no training (zero-shot). */
  model: string | null;
  /** Index of the job whose generated tokens are this job's budget (compute-matched), else null. */
  budgetFrom: number | null;
}

export interface RunResult {
  method: string;
  seed: number | null;
  /** Evaluation metrics of the final checkpoint; null when the run failed. */
  metrics: EvalMetrics | null;
  trainSeconds: number;
  evalSeconds: number;
  /** The trainer's run folder (null for zero-shot). */
  runDir: string | null;
  /** The checkpoint that was evaluated. */
  checkpoint: string | null;
  /** Steps completed. */
  steps: number;
  /** Why the run produced no metrics, else null. */
  error: string | null;
  /** When the run (training and evaluation) started and ended, ISO 8601. */
  startedAt: string;
  endedAt: string;
  /** Tokens generated in training (run-facts.ts); null for zero-shot or a run that wrote no rollouts. */
  generatedTokens: number | null;
  /** Steps that made an optimiser step (the SFT baseline skips those without an augmented rollout). */
  updateSteps: number | null;
  /** Compute-matched runs: the generated tokens trained to, and whether they were reached before run.totalSteps. */
  tokenBudget: number | null;
  budgetReached: boolean | null;
  /** Per-problem outcomes of the evaluation (per-problem.ts); null when not evaluated. */
  perProblem: PerProblem | null;
  /** First-vs-last-answer repairs of the greedy responses. */
  repairs: Repairs | null;
}

/** Trains (unless zero-shot) and evaluates one job; `budget` is the generated tokens to train to, or null. */
export type JobRunner = (job: Job, budget: number | null) => Promise<RunResult>;

/** A job that trains: its config and run folder are set. */
export type TrainingJob = Job & { config: TrainConfig; runDir: string };

/** How one job's two stages are carried out; either may throw for a failure that should stop the comparison. */
export interface JobExecutor {
  /** Trains the job into its run folder (to `budget` generated tokens when given); its outcome and wall time. */
  train(job: TrainingJob, budget: number | null): Promise<{ outcome: TrainOutcome; seconds: number }>;
  /** Evaluates `model` on the comparison's problems: the metrics and per-problem records, or why not. */
  evaluate(job: Job, model: string): Promise<{ result: Pick<EvalResult, 'metrics' | 'records'> | null; seconds: number; error: string | null }>;
}

/** Runs one job over `ex` and assembles its RunResult: the one place a run's record is put together. */
export async function runJob(ex: JobExecutor, job: Job, budget: number | null): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const base = { method: job.method, seed: job.seed, runDir: job.runDir, startedAt, tokenBudget: budget };
  const evaluation = (ev: Awaited<ReturnType<JobExecutor['evaluate']>>) => (ev.result ? evaluated(ev.result) : NOT_EVALUATED);
  const ended = () => new Date().toISOString();
  if (job.config === null || job.runDir === null) {
    const ev = await ex.evaluate(job, job.model!);
    const zeroShot = { trainSeconds: 0, checkpoint: job.model, steps: 0, ...NO_FACTS, budgetReached: null };
    return { ...base, ...zeroShot, ...evaluation(ev), evalSeconds: ev.seconds, error: ev.error, endedAt: ended() };
  }
  const t = await ex.train({ ...job, config: job.config, runDir: job.runDir }, budget);
  const { checkpoint, steps, error, budgetReached } = t.outcome;
  const trained = { trainSeconds: t.seconds, checkpoint, steps, ...runFacts(job.runDir), budgetReached };
  if (error !== null) return { ...base, ...trained, ...NOT_EVALUATED, evalSeconds: 0, error, endedAt: ended() };
  const ev = await ex.evaluate(job, checkpoint!);
  return { ...base, ...trained, ...evaluation(ev), evalSeconds: ev.seconds, error: ev.error, endedAt: ended() };
}

/** The JobRunner of an executor. */
export const jobRunner =
  (ex: JobExecutor): JobRunner =>
  (job, budget) =>
    runJob(ex, job, budget);

export const runTag = (method: string, seed: number | null): string => (seed === null ? `[${method}]` : `[${method} seed ${seed}]`);

/** The evaluation part of a RunResult. */
export function evaluated(ev: Pick<EvalResult, 'metrics' | 'records'>): Pick<RunResult, 'metrics' | 'perProblem' | 'repairs'> {
  const p = perProblem(ev.records);
  return { metrics: ev.metrics, perProblem: p, repairs: repairs(p) };
}

export const NOT_EVALUATED: Pick<RunResult, 'metrics' | 'perProblem' | 'repairs'> = { metrics: null, perProblem: null, repairs: null };

export const NO_FACTS: RunFacts = { generatedTokens: null, updateSteps: null };

/** A run that never started: why, in one line. */
export function unstartedRun(job: Job, error: string, budget: number | null = null): RunResult {
  const now = new Date().toISOString();
  return {
    method: job.method,
    seed: job.seed,
    ...NOT_EVALUATED,
    trainSeconds: 0,
    evalSeconds: 0,
    runDir: job.runDir,
    checkpoint: null,
    steps: 0,
    error,
    startedAt: now,
    endedAt: now,
    ...NO_FACTS,
    tokenBudget: budget,
    budgetReached: null,
  };
}

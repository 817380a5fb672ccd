/**
 * `thinktune compare` as a library: the experiment behind the ThinkTuning claim, on one config.
 *
 *   zero-shot    the base checkpoint (model.checkpoint) evaluated as is; greedy, so evaluated once
 *   <method>     each listed method (methods.ts): the base config with its overrides, trained once per
 *                seed; by default grpo (guidance.enabled=false) and thinktuning (guidance.enabled=true)
 *
 * Seeds are run.seed = 1..S for every method, so seed s of every method sees the same prompts at every
 * step (trainer/sampler.ts); that is what pairs runs by seed in the statistics. Each final checkpoint is
 * evaluated greedily (and with K samples) on the held-out test problems, keeping the per-problem
 * outcomes. The results folder gets results.json (raw numbers, rewritten after every run so an
 * interrupted comparison keeps what finished) and table.md with the paired tests (written at the end).
 *
 *   <outDir>/results.json
 *   <outDir>/table.md
 *   <outDir>/runs/<method>-seed<N>/     the trainer's run folders (checkpoints, metrics.jsonl, ...)
 *   <outDir>/jobs/                      with jobs > 1 only: the children's configs, test problems and
 *                                       evaluation outputs (children.ts)
 *
 * jobs = 1 (default) runs everything in this process, one run after another (in-process.ts). jobs = N > 1
 * runs up to N runs at once (zero-shot included) as child processes (children.ts). Runs start seed by
 * seed, and within a seed compute-matched methods after the others: a compute-matched run waits for the
 * run whose generated tokens are its budget (same seed), which by then has almost always finished.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainConfig } from '../config/train-config.js';
import { loadProblems, type Problem } from '../tasks/datasets.js';
import { RunDirError } from '../trainer/run-dir.js';
import { resolveModelDir } from '../trainer/trainer.js';
import { wasmThreadsPerJob } from '../backend/wasm-threads.js';
import { thinktuneCommand } from '../paths.js';
import { analyse, type Analysis } from './analysis.js';
import { childRunner, writeTestProblems, type ChildContext } from './children.js';
import { keptRuns, planDifference, readEarlierResults, runKey } from './continue.js';
import type { PrimaryMetric } from './compare-config.js';
import { inProcessRunner } from './in-process.js';
import { runTag, unstartedRun, type EvalSettings, type Job, type JobRunner, type RunResult } from './jobs.js';
import { DEFAULT_METHODS, ZERO_SHOT, checkMethods, methodConfig, runOrder, type MethodSpec } from './methods.js';
import { runPool } from './pool.js';
import { methodRow, renderTable, tableColumns, type MethodRow } from './table.js';

export { methodConfig } from './methods.js';
export type { RunResult } from './jobs.js';

export interface CompareOptions {
  /** The base config; every method starts from it. */
  config: TrainConfig;
  /** S: seeds 1..S for the trained methods. */
  seeds: number;
  /** Results folder (must not already hold a results.json, unless `continue`). */
  outDir: string;
  /**
   * Go on with the comparison already in outDir (continue.ts): its finished runs are kept, the rest
   * run, seeds up to `seeds` added. The plan must be the same experiment.
   */
  continue?: boolean;
  /** The trained methods (default: grpo and thinktuning); zero-shot is always run. */
  methods?: readonly MethodSpec[];
  /** What every method is tested against (default grpo). */
  reference?: string;
  /** The metric named before the runs (default and only: greedy pass@1). */
  primary?: PrimaryMetric;
  /** The table's heading (default from the methods). */
  title?: string | null;
  /** Test problems evaluated (default 200). */
  limit?: number;
  /** Test data; default the config's data.file, else `<data.task>-test`. */
  testData?: string;
  /** Response cap at evaluation (default the config's grpo.maxNewTokens). */
  evalMaxNewTokens?: number;
  /**
   * K > 1: also K samples per test problem at the training temperature (grpo.temperature), for mean@K
   * (the accuracy of one sampled answer, what the training reward measures), pass@K and the sampled
   * reflection rate. Default 1: greedy only.
   */
  samples?: number;
  /** The command line that started the comparison, recorded in both files. */
  command: string;
  backend?: { name: string; reason: string };
  /** Progress lines: each run's train lines with its tag (trainer/print.ts format), one line per finished run. */
  log?: (line: string) => void;
  /** Runs at once (default 1: in this process, one after another; N > 1: child processes). */
  jobs?: number;
}

export interface CompareResults {
  command: string;
  /** The commands that continued it (--continue), with when, oldest first. */
  continuedBy?: { command: string; at: string }[];
  created: string;
  outDir: string;
  primary: PrimaryMetric;
  reference: string;
  /**
   * difficulty: of built-in problems (null for a file); samples K and their temperature (null when K = 1);
   * ids: the problems in order, the order of every per-problem vector.
   */
  test: { data: string; difficulty: string | null; problems: number; maxNewTokens: number; samples: number; temperature: number | null; ids: string[] };
  seeds: number[];
  config: TrainConfig;
  /** The methods as given: name, label, overrides, compute matching. */
  methodSpecs: MethodSpec[];
  /** Runs by method (zero-shot first, then the methods in listed order), each in seed order. */
  methods: Record<string, RunResult[]>;
  summary: MethodRow[];
  /** The paired tests, repairs and budgets (analysis.ts); null until every run has finished. */
  analysis: Analysis | null;
}

/**
 * Where the held-out problems come from: an explicit choice, else `arith-test` for the built-in world. A
 * JSONL task needs one named: its data.file holds the training problems, and testing on them says nothing.
 */
export function testDataSpec(config: TrainConfig, explicit?: string): string {
  if (explicit !== undefined) return explicit;
  if (config.data.task === 'arith') return 'arith-test';
  throw new RunDirError(`compare: data.task is ${config.data.task}; pass --test-data FILE with held-out problems (data.file holds the training ones)`);
}

/** The first `limit` test problems; built-in ones at the difficulty the config trains on. */
function loadTestProblems(spec: string, limit: number, config: TrainConfig): Problem[] {
  const all = loadProblems(spec, spec.startsWith('arith-') ? { count: limit, difficulty: config.data.difficulty } : {});
  return all.slice(0, limit);
}

const f = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** The one line that says how a finished run went. */
function runLine(r: RunResult): string {
  const tag = runTag(r.method, r.seed);
  const budget = r.tokenBudget !== null ? ` (${r.generatedTokens ?? 0} generated tokens, budget ${r.tokenBudget}${r.budgetReached ? '' : ' NOT reached'})` : '';
  const trained = r.seed === null ? '' : `${r.steps} steps in ${r.trainSeconds.toFixed(1)} s${budget}; `;
  if (r.metrics === null) return `${tag} failed after ${(r.trainSeconds + r.evalSeconds).toFixed(1)} s: ${r.error}`;
  const sampled = Object.keys(r.metrics).find((k) => k.startsWith('mean@'));
  const extra = sampled ? `  ${sampled} ${f(r.metrics[sampled], 3)}  sampled reflection ${f(r.metrics.sampled_reflection_rate, 3)}` : '';
  return `${tag} done: ${trained}pass@1 ${f(r.metrics['pass@1'], 3)}  reflection ${f(r.metrics.reflection_rate, 3)}${extra}  len ${f(r.metrics.mean_length, 1)}`;
}

const labelOf = (methods: readonly MethodSpec[], name: string) => methods.find((m) => m.name === name)?.label ?? name;

function summaryRows(methods: readonly MethodSpec[], runs: Record<string, RunResult[]>, samples: number): MethodRow[] {
  return Object.keys(runs).map((m) => methodRow(m, runs[m], m === ZERO_SHOT, tableColumns(samples), m === ZERO_SHOT ? undefined : labelOf(methods, m)));
}

/** Zero-shot, then each seed's methods in run order (runOrder); budgetFrom points at the same seed's matched run. */
function jobList(opts: CompareOptions, methods: readonly MethodSpec[], seeds: number[], outDir: string, baseDir: string): Job[] {
  const jobs: Job[] = [
    { method: ZERO_SHOT, seed: null, tag: runTag(ZERO_SHOT, null), name: ZERO_SHOT, config: null, runDir: null, model: baseDir, budgetFrom: null },
  ];
  for (const seed of seeds) {
    for (const m of runOrder(methods)) {
      const name = `${m.name}-seed${seed}`;
      const budgetFrom = m.matchTokensOf === null ? null : jobs.findIndex((j) => j.method === m.matchTokensOf && j.seed === seed);
      jobs.push({
        method: m.name,
        seed,
        tag: runTag(m.name, seed),
        name,
        config: methodConfig(opts.config, m, seed),
        runDir: join(outDir, 'runs', name),
        model: null,
        budgetFrom,
      });
    }
  }
  return jobs;
}

/** Promise.withResolvers, which Node 20 lacks. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs the whole comparison; writes results.json (after every run) and table.md (at the end). */
export async function runComparison(opts: CompareOptions): Promise<CompareResults> {
  if (!Number.isInteger(opts.seeds) || opts.seeds < 1) throw new RangeError(`compare: seeds must be a whole number >= 1, got ${opts.seeds}`);
  const jobs = opts.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`compare: jobs must be a whole number >= 1, got ${jobs}`);
  const methods = (opts.methods ?? DEFAULT_METHODS).map((m) => ({ ...m, set: { ...m.set } }));
  const reference = opts.reference ?? 'grpo';
  // Every method's config is built and checked before any time is spent (e.g. settings that only matter when guidance is on).
  checkMethods(opts.config, methods, reference);
  const limit = opts.limit ?? 200;
  const outDir = resolve(opts.outDir);
  const earlier = opts.continue ? readEarlierResults(outDir) : null;
  if (!opts.continue && existsSync(join(outDir, 'results.json'))) {
    throw new RunDirError(`${outDir} already holds results.json from an earlier comparison; pass --continue to go on with it, or another --out folder`);
  }
  const samples = opts.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`compare: samples must be a whole number >= 1, got ${samples}`);
  const baseDir = resolveModelDir(opts.config.model.checkpoint);
  if (!existsSync(baseDir)) throw new RunDirError(`model.checkpoint ${baseDir} does not exist; set model.checkpoint to a model folder`);
  mkdirSync(outDir, { recursive: true });
  const log = opts.log ?? (() => {});
  const spec = testDataSpec(opts.config, opts.testData);
  const problems = loadTestProblems(spec, limit, opts.config);
  const evalMax = opts.evalMaxNewTokens ?? opts.config.grpo.maxNewTokens;
  const evalSettings: EvalSettings = {
    maxNewTokens: evalMax,
    samples,
    temperature: opts.config.grpo.temperature,
    task: opts.config.data.task,
    prompt: opts.config.prompt,
  };
  const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);

  const results: CompareResults = {
    command: opts.command,
    created: new Date().toISOString(),
    outDir,
    primary: opts.primary ?? 'greedy pass@1',
    reference,
    test: {
      data: spec,
      difficulty: spec.startsWith('arith-') ? opts.config.data.difficulty : null,
      problems: problems.length,
      maxNewTokens: evalMax,
      samples,
      temperature: samples > 1 ? evalSettings.temperature : null,
      ids: problems.map((p) => p.id),
    },
    seeds,
    config: opts.config,
    methodSpecs: methods,
    methods: Object.fromEntries([ZERO_SHOT, ...methods.map((m) => m.name)].map((m) => [m, [] as RunResult[]])),
    summary: [],
    analysis: null,
  };
  if (earlier !== null) {
    const differs = planDifference(earlier, results);
    if (differs !== null) {
      throw new RunDirError(
        `--continue: ${outDir} holds a comparison that differs in ${differs}; run it with the same config and flags as before, or pass another --out folder`,
      );
    }
    results.command = earlier.command;
    results.created = earlier.created;
    results.continuedBy = [...(earlier.continuedBy ?? []), { command: opts.command, at: new Date().toISOString() }];
  }
  const kept = earlier === null ? new Map<string, RunResult>() : keptRuns(earlier);
  const save = () => {
    results.summary = summaryRows(methods, results.methods, samples);
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  };

  const list = jobList(opts, methods, seeds, outDir, baseDir);
  // Continuing: runs finished earlier stand as they are; an unfinished one's folder is its own, half
  // written (cut off or failed), and it starts over in an empty one.
  const earlierRun = list.map((job) => kept.get(runKey(job.method, job.seed)));
  if (earlier !== null) {
    log(`continuing ${outDir}: ${earlierRun.filter((r) => r !== undefined).length} of ${list.length} runs finished earlier and are kept`);
    for (const [i, job] of list.entries()) {
      if (earlierRun[i] === undefined && job.runDir !== null && existsSync(job.runDir)) {
        rmSync(job.runDir, { recursive: true, force: true });
        log(`${job.tag} did not finish earlier: removed its run folder, it starts over`);
      }
    }
  }
  if (earlierRun[0] === undefined) log(`[zero-shot] evaluating ${baseDir} on ${problems.length} problems of ${spec}`);
  let runner: JobRunner;
  if (jobs === 1) runner = inProcessRunner({ problems, eval: evalSettings, backend: opts.backend, log });
  else {
    const jobsDir = join(outDir, 'jobs');
    mkdirSync(jobsDir, { recursive: true });
    const testFile = join(jobsDir, 'test-problems.jsonl');
    writeTestProblems(testFile, problems);
    const env = wasmThreadsPerJob(jobs);
    const ctx: ChildContext = {
      entry: thinktuneCommand(),
      backend: opts.backend?.name,
      env,
      jobsDir,
      testFile,
      problems: problems.length,
      eval: evalSettings,
      log,
    };
    runner = childRunner(ctx);
  }
  // One promise per job, settled when it finishes: a compute-matched job awaits its budget's run. That
  // run comes earlier in the list, and the pool starts jobs in list order, so it has always started.
  const done = list.map(() => deferred<RunResult>());
  for (const [i, r] of earlierRun.entries()) if (r !== undefined) done[i].resolve(r);
  const task = (i: number) => async (): Promise<RunResult> => {
    const job = list[i];
    try {
      let budget: number | null = null;
      if (job.budgetFrom !== null) {
        const from = await done[job.budgetFrom].promise;
        if (from.error !== null || from.generatedTokens === null) {
          const r = unstartedRun(
            job,
            `its token budget is the generated tokens of ${runTag(from.method, from.seed)}, which ${from.error !== null ? 'failed' : 'wrote no rollouts'}`,
          );
          done[i].resolve(r);
          return r;
        }
        budget = from.generatedTokens;
      }
      const r = await runner(job, budget);
      done[i].resolve(r);
      return r;
    } catch (e) {
      done[i].reject(e);
      throw e;
    }
  };
  for (const d of done) d.promise.catch(() => {}); // a failure is reported by the pool, not as an unhandled rejection
  // Finished runs by position in `list`; results.json lists them by method, then seed, whatever order they end in.
  const finished: (RunResult | undefined)[] = [...earlierRun];
  const collect = () => {
    for (const m of Object.keys(results.methods)) {
      results.methods[m] = finished.filter((x): x is RunResult => x?.method === m).sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
    }
  };
  collect();
  save();
  const todo = list.map((_, i) => i).filter((i) => earlierRun[i] === undefined);
  await runPool(
    todo.map((i) => task(i)),
    jobs,
    (r, k) => {
      finished[todo[k]] = r;
      collect();
      log(runLine(r));
      save();
    },
  );
  results.analysis = analyse(results);
  save();
  writeFileSync(join(outDir, 'table.md'), resultsTable(results, opts.title ?? null));
  return results;
}

/**
 * table.md from a results.json: the summary, and the paired tests over the seeds both sides finished.
 * Used at the end of a comparison and by `thinktune compare --report DIR` on one still running (or cut
 * short), which then says how many of its runs had finished.
 */
export function resultsTable(results: CompareResults, title: string | null): string {
  const c = results.config;
  const t = results.test;
  const methods = results.methodSpecs;
  const runs = Object.values(results.methods).flat().length;
  const planned = 1 + methods.length * results.seeds.length;
  const table = renderTable(results.summary, {
    command: results.command,
    testData: t.difficulty ? `${t.data} (${t.difficulty})` : t.data,
    problems: t.problems,
    seeds: results.seeds,
    totalSteps: c.run.totalSteps,
    promptsPerStep: c.data.promptsPerStep,
    groupSize: c.grpo.groupSize,
    maxNewTokens: c.grpo.maxNewTokens,
    evalMaxNewTokens: t.maxNewTokens,
    samples: t.samples,
    temperature: t.temperature ?? c.grpo.temperature,
    comparison: {
      title,
      methods,
      methodConfigs: methods.map((m) => methodConfig(c, m, 1)),
      analysis: results.analysis,
      runs: results.methods,
      reference: results.reference,
      primary: results.primary,
    },
  });
  if (runs >= planned) return table;
  const [head, ...rest] = table.split('\n');
  const note = `**Partial: ${runs} of ${planned} runs had finished when this table was written** (the comparison was still running or was cut short); the paired tests use the seeds that both sides finished.`;
  return [head, '', note, ...rest].join('\n');
}

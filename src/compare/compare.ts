/**
 * `thinktune compare` as a library: the experiment behind the ThinkTuning claim, on one config.
 *
 *   zero-shot    the base checkpoint (model.checkpoint) evaluated as is; greedy, so evaluated once
 *   grpo         the config with guidance.enabled=false, trained once per seed
 *   thinktuning  the config with guidance.enabled=true, trained once per seed
 *
 * Seeds are run.seed = 1..S; everything else (steps, batch, group size, lengths, optimiser) is the same
 * config, so both trained methods get identical budgets. Each final checkpoint is evaluated greedily on
 * the held-out test problems. The results folder gets results.json (raw numbers, rewritten after every
 * run so an interrupted comparison keeps what finished) and table.md (written at the end).
 *
 *   <outDir>/results.json
 *   <outDir>/table.md
 *   <outDir>/runs/<method>-seed<N>/     the trainer's run folders (checkpoints, metrics.jsonl, ...)
 *   <outDir>/jobs/                      with jobs > 1 only: the children's configs, test problems and
 *                                       evaluation outputs (children.ts)
 *
 * jobs = 1 (default) runs everything in this process, one run after another. jobs = N > 1 runs up to N
 * runs at once (zero-shot included), each as `thinktune train` + `thinktune eval` child processes;
 * results.json is then rewritten as each run finishes, still listing runs in seed order.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../config/train-config.js';
import { evaluateModel } from '../eval/evaluate.js';
import { stopTokenIds } from '../model/generation-config.js';
import { studentPromptFor } from '../tasks/student-prompt.js';
import type { EvalMetrics } from '../eval/scoring.js';
import { loadModel } from '../model/io.js';
import { loadProblems, type Problem } from '../tasks/datasets.js';
import { ProgressPrinter } from '../trainer/print.js';
import { RunDirError } from '../trainer/run-dir.js';
import { Trainer, resolveModelDir } from '../trainer/trainer.js';
import { runJobInChildren, writeTestProblems, type ChildContext, type ChildJob, type EvalSettings } from './children.js';
import { thinktuneCommand } from '../paths.js';
import { runPool } from './pool.js';
import { METHODS, methodRow, renderTable, tableColumns, type Method, type MethodRow } from './table.js';

export interface CompareOptions {
  /** The base config; both trained methods start from it. */
  config: TrainConfig;
  /** S: seeds 1..S for the trained methods. */
  seeds: number;
  /** Results folder (must not already hold a results.json). */
  outDir: string;
  /** Test problems evaluated (default 200). */
  limit?: number;
  /** Test data; default the config's data.file, else `<data.task>-test`. */
  testData?: string;
  /** Response cap at evaluation (default the config's grpo.maxNewTokens). */
  evalMaxNewTokens?: number;
  /**
   * K > 1: also K samples per test problem at the training temperature (grpo.temperature), for mean@K
   * (the accuracy of one sampled answer, what the training reward measures) and the sampled reflection
   * rate. Default 1: greedy only.
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

export interface RunResult {
  method: Method;
  /** run.seed of the training run; null for zero-shot. */
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
}

export interface CompareResults {
  command: string;
  created: string;
  outDir: string;
  /** difficulty: of built-in problems (null for a file); samples K and their temperature (null when K = 1). */
  test: { data: string; difficulty: string | null; problems: number; maxNewTokens: number; samples: number; temperature: number | null };
  seeds: number[];
  config: TrainConfig;
  methods: Record<Method, RunResult[]>;
  summary: MethodRow[];
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

/** The config of one trained method and seed: only guidance.enabled and run.seed differ from the base. */
export function methodConfig(base: TrainConfig, method: Exclude<Method, 'zero-shot'>, seed: number): TrainConfig {
  const c = structuredClone(base);
  c.guidance.enabled = method === 'thinktuning';
  c.run.seed = seed;
  return parseTrainConfig(c);
}

/** The first `limit` test problems; built-in ones at the difficulty the config trains on. */
function loadTestProblems(spec: string, limit: number, config: TrainConfig): Problem[] {
  const all = loadProblems(spec, spec.startsWith('arith-') ? { count: limit, difficulty: config.data.difficulty } : {});
  return all.slice(0, limit);
}

/** Evaluates one checkpoint in this process: greedy, and K samples per problem when settings.samples > 1. */
async function evaluateCheckpoint(dir: string, problems: Problem[], settings: EvalSettings): Promise<{ metrics: EvalMetrics; seconds: number }> {
  const t0 = performance.now();
  const { model, tokenizer, generation } = await loadModel(dir);
  try {
    if (!tokenizer) throw new RunDirError(`${dir} has no tokenizer.json; the evaluated model needs its tokenizer next to its weights`);
    const prompt = studentPromptFor(tokenizer, settings.task, settings.prompt);
    const { metrics } = await evaluateModel(model, tokenizer, problems, { ...settings, prompt, stopIds: stopTokenIds(generation, tokenizer.eosId) });
    return { metrics, seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

const f = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** Trains one method for one seed and evaluates its final checkpoint. */
async function trainAndEvaluate(opts: CompareOptions, method: Exclude<Method, 'zero-shot'>, seed: number, problems: Problem[], evalSettings: EvalSettings): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const tag = `[${method} seed ${seed}]`;
  const config = methodConfig(opts.config, method, seed);
  const runDir = join(opts.outDir, 'runs', `${method}-seed${seed}`);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const trainer = await Trainer.create({ config, runDir, backend: opts.backend });
  let checkpoint: string | null = null;
  let steps = 0;
  let error: string | null = null;
  // The same lines a child run's headless train prints (the --jobs path relays those with the tag).
  const printer = new ProgressPrinter({ totalSteps: config.run.totalSteps });
  try {
    for await (const e of trainer.run()) {
      const line = printer.line(e);
      if (line) log(`${tag} ${line.text}`);
      if (e.type === 'checkpoint') checkpoint = e.path;
      else if (e.type === 'fatal') error = e.message;
      else if (e.type === 'done') {
        steps = e.step;
        if (e.reason !== 'completed') error ??= `the run ended early (${e.reason}) after ${e.step} steps`;
      }
    }
  } finally {
    trainer.dispose();
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const base = { method, seed, trainSeconds, runDir, checkpoint, steps, startedAt };
  if (error === null && checkpoint === null) error = 'the run saved no checkpoint';
  if (error !== null) return { ...base, metrics: null, evalSeconds: 0, error, endedAt: new Date().toISOString() };
  const ev = await evaluateCheckpoint(checkpoint!, problems, evalSettings);
  return { ...base, metrics: ev.metrics, evalSeconds: ev.seconds, error: null, endedAt: new Date().toISOString() };
}

const runTag = (method: Method, seed: number | null) => (seed === null ? `[${method}]` : `[${method} seed ${seed}]`);

/** The one line that says how a finished run went. */
function runLine(r: RunResult): string {
  const tag = runTag(r.method, r.seed);
  const trained = r.seed === null ? '' : `${r.steps} steps in ${r.trainSeconds.toFixed(1)} s; `;
  if (r.metrics === null) return `${tag} failed after ${(r.trainSeconds + r.evalSeconds).toFixed(1)} s: ${r.error}`;
  const sampled = Object.keys(r.metrics).find((k) => k.startsWith('mean@'));
  const extra = sampled ? `  ${sampled} ${f(r.metrics[sampled], 3)}  sampled reflection ${f(r.metrics.sampled_reflection_rate, 3)}` : '';
  return `${tag} done: ${trained}pass@1 ${f(r.metrics['pass@1'], 3)}  reflection ${f(r.metrics.reflection_rate, 3)}${extra}  len ${f(r.metrics.mean_length, 1)}`;
}

function summaryRows(methods: Record<Method, RunResult[]>, samples: number): MethodRow[] {
  return METHODS.map((m) => methodRow(m, methods[m], m === 'zero-shot', tableColumns(samples)));
}

/** Runs the whole comparison; writes results.json (after every run) and table.md (at the end). */
export async function runComparison(opts: CompareOptions): Promise<CompareResults> {
  if (!Number.isInteger(opts.seeds) || opts.seeds < 1) throw new RangeError(`compare: seeds must be a whole number >= 1, got ${opts.seeds}`);
  const jobs = opts.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`compare: jobs must be a whole number >= 1, got ${jobs}`);
  const limit = opts.limit ?? 200;
  const outDir = resolve(opts.outDir);
  if (existsSync(join(outDir, 'results.json'))) {
    throw new RunDirError(`${outDir} already holds results.json from an earlier comparison; pass another --out folder`);
  }
  mkdirSync(outDir, { recursive: true });
  const log = opts.log ?? (() => {});
  const spec = testDataSpec(opts.config, opts.testData);
  const problems = loadTestProblems(spec, limit, opts.config);
  const evalMax = opts.evalMaxNewTokens ?? opts.config.grpo.maxNewTokens;
  const samples = opts.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`compare: samples must be a whole number >= 1, got ${samples}`);
  const evalSettings: EvalSettings = { maxNewTokens: evalMax, samples, temperature: opts.config.grpo.temperature, task: opts.config.data.task, prompt: opts.config.prompt };
  const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
  // Validate both variants before spending any time (e.g. guidance settings that only matter when enabled).
  methodConfig(opts.config, 'grpo', 1);
  methodConfig(opts.config, 'thinktuning', 1);

  const results: CompareResults = {
    command: opts.command, created: new Date().toISOString(), outDir,
    test: { data: spec, difficulty: spec.startsWith('arith-') ? opts.config.data.difficulty : null, problems: problems.length, maxNewTokens: evalMax, samples, temperature: samples > 1 ? evalSettings.temperature : null }, seeds, config: opts.config,
    methods: { 'zero-shot': [], grpo: [], thinktuning: [] }, summary: [],
  };
  const save = () => {
    results.summary = summaryRows(results.methods, samples);
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  };

  const baseDir = resolveModelDir(opts.config.model.checkpoint);
  if (!existsSync(baseDir)) throw new RunDirError(`model.checkpoint ${baseDir} does not exist; set model.checkpoint to a model folder`);
  log(`[zero-shot] evaluating ${baseDir} on ${problems.length} problems of ${spec}`);
  // Seed-major order, so a comparison stopped half-way has both trained methods for the seeds it finished.
  const trained = seeds.flatMap((seed) => (['grpo', 'thinktuning'] as const).map((method) => ({ method, seed })));

  if (jobs === 1) {
    const startedAt = new Date().toISOString();
    const zs = await evaluateCheckpoint(baseDir, problems, evalSettings);
    const zero: RunResult = { method: 'zero-shot', seed: null, metrics: zs.metrics, trainSeconds: 0, evalSeconds: zs.seconds, runDir: null, checkpoint: baseDir, steps: 0, error: null, startedAt, endedAt: new Date().toISOString() };
    results.methods['zero-shot'].push(zero);
    log(runLine(zero));
    save();
    for (const { method, seed } of trained) {
      const r = await trainAndEvaluate(opts, method, seed, problems, evalSettings);
      results.methods[method].push(r);
      log(runLine(r));
      save();
    }
  } else {
    const jobsDir = join(outDir, 'jobs');
    mkdirSync(jobsDir, { recursive: true });
    const testFile = join(jobsDir, 'test-problems.jsonl');
    writeTestProblems(testFile, problems);
    const ctx: ChildContext = { entry: thinktuneCommand(), backend: opts.backend?.name, jobsDir, testFile, problems: problems.length, eval: evalSettings, log };
    const list: ChildJob[] = [
      { method: 'zero-shot', seed: null, tag: runTag('zero-shot', null), name: 'zero-shot', config: null, runDir: null, model: baseDir },
      ...trained.map(({ method, seed }) => ({
        method, seed, tag: runTag(method, seed), name: `${method}-seed${seed}`,
        config: methodConfig(opts.config, method, seed), runDir: join(outDir, 'runs', `${method}-seed${seed}`), model: null,
      })),
    ];
    // Finished runs by position in `list`; results.json lists them in that order whatever order they end in.
    const finished: (RunResult | undefined)[] = list.map(() => undefined);
    await runPool(list.map((job) => () => runJobInChildren(ctx, job)), jobs, (r, i) => {
      finished[i] = r;
      for (const m of METHODS) results.methods[m] = finished.filter((x): x is RunResult => x?.method === m);
      log(runLine(r));
      save();
    });
  }
  const c = opts.config;
  writeFileSync(join(outDir, 'table.md'), renderTable(results.summary, {
    command: opts.command, testData: results.test.difficulty ? `${spec} (${results.test.difficulty})` : spec, problems: problems.length, seeds, totalSteps: c.run.totalSteps,
    promptsPerStep: c.data.promptsPerStep, groupSize: c.grpo.groupSize, maxNewTokens: c.grpo.maxNewTokens, evalMaxNewTokens: evalMax,
    samples, temperature: evalSettings.temperature,
  }));
  return results;
}

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
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../config/train-config.js';
import { evaluateModel } from '../eval/evaluate.js';
import type { EvalMetrics } from '../eval/scoring.js';
import { loadModel } from '../model/io.js';
import { loadProblems, type Problem } from '../tasks/datasets.js';
import type { TrainEvent } from '../trainer/events.js';
import { RunDirError } from '../trainer/run-dir.js';
import { Trainer, resolveModelDir } from '../trainer/trainer.js';
import { METHODS, methodRow, renderTable, type Method, type MethodRow } from './table.js';

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
  /** The command line that started the comparison, recorded in both files. */
  command: string;
  backend?: { name: string; reason: string };
  /** Progress lines (one per step, one per finished run). */
  log?: (line: string) => void;
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
}

export interface CompareResults {
  command: string;
  created: string;
  outDir: string;
  /** difficulty: of built-in problems (null for a file). */
  test: { data: string; difficulty: string | null; problems: number; maxNewTokens: number };
  seeds: number[];
  config: TrainConfig;
  methods: Record<Method, RunResult[]>;
  summary: MethodRow[];
}

/** Where the held-out problems come from: an explicit choice, else the config's data file, else `<task>-test`. */
export function testDataSpec(config: TrainConfig, explicit?: string): string {
  return explicit ?? config.data.file ?? `${config.data.task}-test`;
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

async function evaluateCheckpoint(dir: string, problems: Problem[], maxNewTokens: number): Promise<{ metrics: EvalMetrics; seconds: number }> {
  const t0 = performance.now();
  const { model, tokenizer } = await loadModel(dir);
  try {
    if (!tokenizer) throw new RunDirError(`${dir} has no tokenizer.json; the evaluated model needs its tokenizer next to its weights`);
    const { metrics } = await evaluateModel(model, tokenizer, problems, { maxNewTokens });
    return { metrics, seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.dispose();
  }
}

const f = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

function stepLine(tag: string, e: Extract<TrainEvent, { type: 'step' }>, total: number): string {
  const m = e.metrics;
  return `${tag} step ${e.step + 1}/${total}  reward ${f(m.reward)}  len ${f(m['completions/mean_length'], 1)}  teacher ${m['guidance/count'] ?? 0}  ${f(m['perf/step_time'], 1)}s`;
}

/** Trains one method for one seed and evaluates its final checkpoint. */
async function trainAndEvaluate(opts: CompareOptions, method: Exclude<Method, 'zero-shot'>, seed: number, problems: Problem[], evalMax: number): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const tag = `[${method} seed ${seed}]`;
  const config = methodConfig(opts.config, method, seed);
  const runDir = join(opts.outDir, 'runs', `${method}-seed${seed}`);
  const t0 = performance.now();
  const trainer = await Trainer.create({ config, runDir, backend: opts.backend });
  let checkpoint: string | null = null;
  let steps = 0;
  let error: string | null = null;
  try {
    for await (const e of trainer.run()) {
      if (e.type === 'step') log(stepLine(tag, e, config.run.totalSteps));
      else if (e.type === 'checkpoint') checkpoint = e.path;
      else if (e.type === 'warning') log(`${tag} warning: ${e.message}`);
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
  const base = { method, seed, trainSeconds, runDir, checkpoint, steps };
  if (error === null && checkpoint === null) error = 'the run saved no checkpoint';
  if (error !== null) {
    log(`${tag} failed after ${trainSeconds.toFixed(1)} s: ${error}`);
    return { ...base, metrics: null, evalSeconds: 0, error };
  }
  const ev = await evaluateCheckpoint(checkpoint!, problems, evalMax);
  log(`${tag} done: ${steps} steps in ${trainSeconds.toFixed(1)} s; pass@1 ${f(ev.metrics['pass@1'], 3)}  reflection ${f(ev.metrics.reflection_rate, 3)}  len ${f(ev.metrics.mean_length, 1)}`);
  return { ...base, metrics: ev.metrics, evalSeconds: ev.seconds, error: null };
}

function summaryRows(methods: Record<Method, RunResult[]>): MethodRow[] {
  return METHODS.map((m) => methodRow(m, methods[m], m === 'zero-shot'));
}

/** Runs the whole comparison; writes results.json (after every run) and table.md (at the end). */
export async function runComparison(opts: CompareOptions): Promise<CompareResults> {
  if (!Number.isInteger(opts.seeds) || opts.seeds < 1) throw new RangeError(`compare: seeds must be a whole number >= 1, got ${opts.seeds}`);
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
  const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
  // Validate both variants before spending any time (e.g. guidance settings that only matter when enabled).
  methodConfig(opts.config, 'grpo', 1);
  methodConfig(opts.config, 'thinktuning', 1);

  const results: CompareResults = {
    command: opts.command, created: new Date().toISOString(), outDir,
    test: { data: spec, difficulty: spec.startsWith('arith-') ? opts.config.data.difficulty : null, problems: problems.length, maxNewTokens: evalMax }, seeds, config: opts.config,
    methods: { 'zero-shot': [], grpo: [], thinktuning: [] }, summary: [],
  };
  const save = () => {
    results.summary = summaryRows(results.methods);
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  };

  const baseDir = resolveModelDir(opts.config.model.checkpoint);
  if (!existsSync(baseDir)) throw new RunDirError(`model.checkpoint ${baseDir} does not exist; set model.checkpoint to a model folder`);
  log(`[zero-shot] evaluating ${baseDir} on ${problems.length} problems of ${spec}`);
  const zs = await evaluateCheckpoint(baseDir, problems, evalMax);
  results.methods['zero-shot'].push({ method: 'zero-shot', seed: null, metrics: zs.metrics, trainSeconds: 0, evalSeconds: zs.seconds, runDir: null, checkpoint: baseDir, steps: 0, error: null });
  log(`[zero-shot] done: pass@1 ${f(zs.metrics['pass@1'], 3)}  reflection ${f(zs.metrics.reflection_rate, 3)}  len ${f(zs.metrics.mean_length, 1)}`);
  save();

  // Seed-major order, so a comparison stopped half-way has both trained methods for the seeds it finished.
  for (const seed of seeds) {
    for (const method of ['grpo', 'thinktuning'] as const) {
      results.methods[method].push(await trainAndEvaluate(opts, method, seed, problems, evalMax));
      save();
    }
  }
  const c = opts.config;
  writeFileSync(join(outDir, 'table.md'), renderTable(results.summary, {
    command: opts.command, testData: results.test.difficulty ? `${spec} (${results.test.difficulty})` : spec, problems: problems.length, seeds, totalSteps: c.run.totalSteps,
    promptsPerStep: c.data.promptsPerStep, groupSize: c.grpo.groupSize, maxNewTokens: c.grpo.maxNewTokens, evalMaxNewTokens: evalMax,
  }));
  return results;
}

/**
 * `thinktune compare`: zero-shot and the config's methods (default GRPO and ThinkTuning) on one base
 * config, S seeds each, evaluated on the held-out test problems, with paired tests against a reference
 * method; writes results.json and table.md into the results folder (compare/compare.ts). The config may
 * list methods, a primary metric and a reference (compare/compare-config.ts); --method and --reference
 * replace them. Headless: one short line per training step and one per finished run, on stdout. --jobs N
 * runs up to N runs at once as child processes (one core each); their lines are relayed with the run's tag.
 * --continue goes on with the comparison already in --out (compare/continue.ts): finished runs kept, more seeds added.
 * `--train-job FILE` is not for people: it is the child of a compute-matched run (compare/train-job.ts).
 */
import { join, resolve } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resultsTable, runComparison, type CompareResults } from '../compare/compare.js';
import { analyse } from '../compare/analysis.js';
import { loadComparePlan } from '../compare/compare-config.js';
import { trainJobCommand } from '../compare/train-job.js';
import type { BackendChoice } from '../backend/select.js';
import { UsageError } from './errors.js';
import { wholeArg } from './args.js';

export interface CompareArgs {
  config?: string;
  seeds?: string;
  out?: string;
  limit?: string;
  testData?: string;
  maxNewTokens?: string;
  set?: string[];
  jobs?: string;
  samples?: string;
  method?: string[];
  reference?: string;
  trainJob?: string;
  report?: string;
  continue?: boolean;
}

/** The command line as typed (arguments with spaces or quotes are single-quoted), for the record. */
export function commandLine(argv: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['thinktune', ...argv].map(quote).join(' ');
}

export async function compareCommand(a: CompareArgs, backend: BackendChoice, argv: readonly string[]): Promise<void> {
  if (a.trainJob !== undefined) {
    process.exitCode = await trainJobCommand(a.trainJob, { name: backend.name, reason: backend.reason });
    return;
  }
  if (a.report !== undefined) {
    reportCommand(a.report, a.config);
    return;
  }
  if (a.continue && a.out === undefined) throw new UsageError('--continue needs --out DIR: the results folder of the comparison to go on with');
  const jobs = wholeArg('--jobs', a.jobs, 1) ?? 1;
  const plan = loadComparePlan({ file: a.config, sets: a.set ?? [], methodFlags: a.method ?? [], reference: a.reference });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(a.out ?? join('results', `compare-${stamp}`));
  const results = await runComparison({
    config: plan.config,
    outDir,
    continue: a.continue === true,
    methods: plan.methods,
    reference: plan.reference,
    primary: plan.primary,
    title: plan.title,
    seeds: wholeArg('--seeds', a.seeds, 1) ?? 3,
    limit: wholeArg('--limit', a.limit, 1) ?? 200,
    testData: a.testData,
    evalMaxNewTokens: wholeArg('--max-new-tokens', a.maxNewTokens, 1),
    samples: wholeArg('--samples', a.samples, 1) ?? 1,
    jobs,
    command: commandLine(argv),
    backend: { name: backend.name, reason: backend.reason },
    log: (line) => process.stdout.write(line + '\n'),
  });
  process.stdout.write(`results: ${join(results.outDir, 'table.md')} and ${join(results.outDir, 'results.json')}\n`);
}

/** `--report DIR [--config FILE]`: table.md again from DIR/results.json, partial or whole (title from FILE). */
function reportCommand(dir: string, configFile: string | undefined): void {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) throw new UsageError(`--report ${dir}: no results.json there; pass the --out folder of a comparison`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as CompareResults;
  if (!Array.isArray(results.methodSpecs))
    throw new UsageError(`--report ${dir}: results.json is from an older comparison (no methodSpecs); its table.md is already final`);
  const title = configFile ? (loadComparePlan({ file: configFile, sets: [], methodFlags: [] }).title ?? null) : null;
  results.analysis = analyse(results);
  writeFileSync(join(dir, 'table.md'), resultsTable(results, title));
  process.stdout.write(`wrote ${join(dir, 'table.md')} from ${Object.values(results.methods).flat().length} finished runs\n`);
}

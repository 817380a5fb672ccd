/**
 * `thinktune compare`: zero-shot vs GRPO vs ThinkTuning on one config, S seeds each, evaluated on the
 * held-out test problems; writes results.json and table.md into the results folder (compare/compare.ts).
 * Headless: one short line per training step and one per finished run, on stdout. --jobs N runs up to N
 * runs at once as child processes (one core each); their lines are relayed with the run's tag.
 */
import { join, resolve } from 'node:path';
import { loadTrainConfig } from '../config/train-config.js';
import { runComparison } from '../compare/compare.js';
import type { BackendChoice } from '../backend/select.js';
import { UsageError } from './errors.js';

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
}

function wholeArg(flag: string, raw: string | undefined, min: number, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${flag} must be a whole number >= ${min} (got "${raw}")`);
  return v;
}

/** The command line as typed (arguments with spaces or quotes are single-quoted), for the record. */
export function commandLine(argv: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['thinktune', ...argv].map(quote).join(' ');
}

export async function compareCommand(a: CompareArgs, backend: BackendChoice, argv: readonly string[]): Promise<void> {
  const jobs = wholeArg('--jobs', a.jobs, 1, 1)!;
  const config = loadTrainConfig(a.config, a.set ?? []);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(a.out ?? join('results', `compare-${stamp}`));
  const results = await runComparison({
    config, outDir,
    seeds: wholeArg('--seeds', a.seeds, 1, 3)!,
    limit: wholeArg('--limit', a.limit, 1, 200),
    testData: a.testData,
    evalMaxNewTokens: wholeArg('--max-new-tokens', a.maxNewTokens, 1, undefined),
    samples: wholeArg('--samples', a.samples, 1, 1),
    jobs,
    command: commandLine(argv),
    backend: { name: backend.name, reason: backend.reason },
    log: (line) => process.stdout.write(line + '\n'),
  });
  process.stdout.write(`results: ${join(results.outDir, 'table.md')} and ${join(results.outDir, 'results.json')}\n`);
}

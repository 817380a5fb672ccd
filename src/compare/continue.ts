/**
 * `thinktune compare --continue`: a comparison cut short (or one given more seeds) goes on in its own
 * results folder. The finished runs in its results.json are kept as they are; the others (never started,
 * failed, or cut off mid-run) are run again from scratch, and seeds beyond the earlier --seeds are added.
 *
 * Kept runs are only worth keeping when the new plan is the same experiment: the same base config, the
 * same methods with the same overrides, the same primary metric and reference, and the same held-out
 * problems evaluated the same way. Anything else is refused naming what differs (a mixed table would be
 * silently wrong).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { RunDirError } from '../trainer/run-dir.js';
import { parseTrainConfig, type TrainConfig } from '../config/train-config.js';
import type { PrimaryMetric } from './compare-config.js';
import type { RunResult } from './jobs.js';
import type { MethodSpec } from './methods.js';

/**
 * What this reads of a results.json (compare.ts CompareResults has these fields and more; declared
 * here so that compare.ts imports this file and not the other way round).
 */
export interface EarlierComparison {
  command: string;
  created: string;
  continuedBy?: { command: string; at: string }[];
  config: TrainConfig;
  methodSpecs: MethodSpec[];
  primary: PrimaryMetric;
  reference: string;
  seeds: number[];
  test: { problems: number } & Record<string, unknown>;
  methods: Record<string, RunResult[]>;
}

/** What of a comparison's plan must match its results.json for the runs there to be kept. */
export type ComparePlanFacts = Pick<EarlierComparison, 'config' | 'methodSpecs' | 'primary' | 'reference' | 'seeds'> & {
  test: Record<string, unknown>;
};

/** The earlier comparison in `outDir`, or null when it has no results.json. */
export function readEarlierResults(outDir: string): EarlierComparison | null {
  const file = join(outDir, 'results.json');
  if (!existsSync(file)) return null;
  let earlier: EarlierComparison;
  try {
    earlier = JSON.parse(readFileSync(file, 'utf8')) as EarlierComparison;
  } catch (e) {
    throw new RunDirError(`--continue: ${file} is not JSON (${(e as Error).message.split('\n')[0]}); pass another --out folder`);
  }
  if (!Array.isArray(earlier.methodSpecs) || typeof earlier.methods !== 'object' || earlier.methods === null) {
    throw new RunDirError(`--continue: ${file} is from an older comparison (no methodSpecs); pass another --out folder`);
  }
  return earlier;
}

/** The first difference between the earlier plan and this one, as "what: earlier vs now", or null. */
export function planDifference(earlier: EarlierComparison, now: ComparePlanFacts): string | null {
  const testFacts = (t: Record<string, unknown>) => {
    const { problems: _count, ...rest } = t; // the ids say which problems, in order
    return rest;
  };
  if (now.seeds.length < earlier.seeds.length) return `seeds (${earlier.seeds.length} earlier, ${now.seeds.length} now: --seeds may grow, not shrink)`;
  const checks: [string, unknown, unknown][] = [
    ['the base config', withTodaysDefaults(earlier.config), now.config],
    ['the methods', earlier.methodSpecs, now.methodSpecs],
    ['the primary metric', earlier.primary, now.primary],
    ['the reference method', earlier.reference, now.reference],
    ['the test problems or how they are evaluated (--test-data, --limit, --max-new-tokens, --samples)', testFacts(earlier.test), testFacts(now.test)],
  ];
  for (const [what, a, b] of checks) {
    // Through JSON, as results.json holds it: undefined fields and key order do not count.
    const before = JSON.parse(JSON.stringify(a ?? null)) as unknown;
    const after = JSON.parse(JSON.stringify(b ?? null)) as unknown;
    if (!isDeepStrictEqual(before, after)) {
      const at = firstDifference(before, after, '');
      return at === null ? what : `${what} (${at})`;
    }
  }
  return null;
}

/**
 * The earlier base config with keys added to the schema since filled in at their defaults (a new key's
 * default keeps the behaviour that ran before it existed, e.g. teacher.allowInsecureKey). A config that no
 * longer parses is compared as it is, so that the refusal names the key that changed.
 */
function withTodaysDefaults(config: TrainConfig): unknown {
  try {
    return parseTrainConfig(config);
  } catch {
    return config;
  }
}

/** Where two JSON values first differ, as "path: earlier vs now", so that a refusal names the key. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
  if (bothObjects && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const inner = firstDifference(ra[key], rb[key], path === '' ? key : `${path}.${key}`);
      if (inner !== null) return inner;
    }
  }
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 60));
  return `${path === '' ? 'value' : path}: ${show(a)} earlier vs ${show(b)} now`;
}

/** Finished runs of the earlier comparison by (method, seed) key; failed ones are not kept. */
export function keptRuns(earlier: Pick<EarlierComparison, 'methods'>): Map<string, RunResult> {
  const kept = new Map<string, RunResult>();
  for (const runs of Object.values(earlier.methods)) {
    for (const r of runs) if (r.error === null && r.metrics !== null) kept.set(runKey(r.method, r.seed), r);
  }
  return kept;
}

export const runKey = (method: string, seed: number | null): string => `${method}#${seed ?? '-'}`;

/**
 * A comparison config: a train config (every section and key as `thinktune train` reads them, the base
 * of every method) plus four top-level keys only `thinktune compare` reads:
 *
 *   primary: greedy pass@1         the metric named before the runs; the paired tests are on it
 *   reference: grpo                what every method is tested against (default grpo; or zero-shot)
 *   title: ...                     the table's heading (default from the methods)
 *   methods: [...]                 methods.ts; absent = today's grpo and thinktuning
 *
 * Command-line flags win: `--set` changes the base, `--method` (repeatable) replaces the list,
 * `--reference` the reference.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { applyOverrides, parseTrainConfig, TrainConfigError, type TrainConfig } from '../config/train-config.js';
import { DEFAULT_METHODS, checkMethods, parseMethodFlag, parseMethodList, type MethodSpec } from './methods.js';

/** The primary metrics a comparison knows: each has a per-problem 0/1 outcome for the paired tests. */
export const PRIMARY_METRICS = ['greedy pass@1'] as const;
export type PrimaryMetric = (typeof PRIMARY_METRICS)[number];

const COMPARE_KEYS = ['primary', 'reference', 'title', 'methods'] as const;

export interface ComparePlan {
  config: TrainConfig;
  methods: MethodSpec[];
  /** True when the methods came from a config list or --method flags (not the defaults). */
  listed: boolean;
  primary: PrimaryMetric;
  reference: string;
  title: string | null;
}

const fail = (msg: string): never => {
  throw new TrainConfigError(`compare: ${msg}`);
};

function readRaw(file: string): Record<string, unknown> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') fail(`cannot tell the format of ${file}; use a .json, .yaml or .yml file`);
  let source = '';
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    fail(`cannot read ${file} (${why}); check the path given as --config`);
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(source) : YAML.parse(source);
  } catch (err) {
    fail(`${file} is not valid ${ext === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]}); fix the syntax there`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) fail(`${file} must hold a mapping of sections; write e.g. grpo: { groupSize: 5 }`);
  return parsed as Record<string, unknown>;
}

export interface PlanInput {
  file?: string;
  sets?: readonly string[];
  /** `--method` flags; when any is given they are the whole list. */
  methodFlags?: readonly string[];
  reference?: string;
}

/** The comparison a config file and flags describe, checked before anything runs. */
export function loadComparePlan(input: PlanInput): ComparePlan {
  const raw = input.file ? readRaw(input.file) : {};
  const own = Object.fromEntries(COMPARE_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  for (const k of COMPARE_KEYS) delete raw[k];
  applyOverrides(raw, input.sets ?? []);
  const config = parseTrainConfig(raw);
  const primary = own.primary ?? 'greedy pass@1';
  if (!(PRIMARY_METRICS as readonly unknown[]).includes(primary)) {
    fail(
      `primary must be one of ${PRIMARY_METRICS.map((p) => `'${p}'`).join(', ')} (got ${JSON.stringify(primary)}): the paired per-problem tests need a 0/1 outcome per problem; write primary: greedy pass@1`,
    );
  }
  if (own.title !== undefined && typeof own.title !== 'string') fail('title must be text');
  const flags = input.methodFlags ?? [];
  const methods =
    flags.length > 0
      ? flags.map(parseMethodFlag)
      : own.methods !== undefined
        ? parseMethodList(own.methods)
        : DEFAULT_METHODS.map((m) => ({ ...m, set: { ...m.set } }));
  const reference = input.reference ?? own.reference ?? 'grpo';
  if (typeof reference !== 'string') fail('reference must name a method, e.g. reference: grpo');
  checkMethods(config, methods, reference as string);
  return {
    config,
    methods,
    listed: flags.length > 0 || own.methods !== undefined,
    primary: primary as PrimaryMetric,
    reference: reference as string,
    title: (own.title as string | undefined) ?? null,
  };
}

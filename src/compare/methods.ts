/**
 * Methods as data: a trained method of a comparison is a name and a set of config overrides on the
 * comparison's base config (dotted keys, as `--set` takes them). Zero-shot (the base checkpoint, not
 * trained) is always there and never listed. Without a list the methods are today's two, so a config
 * that names none (configs/compare-arith.yaml) means what it always meant:
 *
 *   grpo          guidance.enabled = false
 *   thinktuning   guidance.enabled = true
 *
 * A config lists them as
 *
 *   methods:
 *     - { name: grpo, label: GRPO, set: { guidance.enabled: false } }
 *     - { name: grpo-matched, set: { guidance.enabled: false, run.totalSteps: 2000 }, matchTokensOf: thinktuning-released }
 *
 * and the command line as `--method 'name:key=value,key=value'` (pseudo-keys `label=` and
 * `matchTokensOf=`). `matchTokensOf` makes a compute-matched method: each seed trains until it has
 * generated as many tokens as the named method's run of the same seed did (budget.ts), so that run
 * goes first; its run.totalSteps is only a cap.
 */
import { TrainConfigSchema, parseTrainConfig, type TrainConfig } from '../config/train-config.js';
import { TrainConfigError, parseValue, resolveKey, setAt } from '../config/key-paths.js';

export const ZERO_SHOT = 'zero-shot';

export interface MethodSpec {
  /** Folder-safe name: runs/<name>-seed<N>, results.json's methods.<name>. */
  name: string;
  /** The table's name for it. */
  label: string;
  /** Config overrides on the base config, applied in order: dotted key -> value. */
  set: Record<string, unknown>;
  /** Compute-matched: train to the generated tokens of this method's run of the same seed. */
  matchTokensOf: string | null;
}

export const DEFAULT_METHODS: readonly MethodSpec[] = Object.freeze([
  { name: 'grpo', label: 'GRPO', set: { 'guidance.enabled': false }, matchTokensOf: null },
  { name: 'thinktuning', label: 'ThinkTuning', set: { 'guidance.enabled': true }, matchTokensOf: null },
]);

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

const fail = (msg: string): never => {
  throw new TrainConfigError(`compare: ${msg}`);
};

/** The config of one method and seed: the base, the method's overrides, then run.seed. */
export function methodConfig(base: TrainConfig, method: MethodSpec | string, seed: number): TrainConfig {
  const spec = typeof method === 'string' ? DEFAULT_METHODS.find((m) => m.name === method) : method;
  if (!spec) return fail(`no default method called ${String(method)}; the defaults are ${DEFAULT_METHODS.map((m) => m.name).join(', ')}`);
  const raw = structuredClone(base) as unknown as Record<string, unknown>;
  try {
    for (const [key, value] of Object.entries(spec.set)) setAt(raw, resolveKey(TrainConfigSchema, key).path, value);
    (raw.run as Record<string, unknown>).seed = seed;
    return parseTrainConfig(raw);
  } catch (e) {
    if (e instanceof TrainConfigError) fail(`method ${spec.name}: ${e.message}`);
    throw e;
  }
}

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !NAME.test(name))
    fail(`${where}: name must be letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)}); e.g. name: thinktuning-luffy`);
  if (name === ZERO_SHOT) fail(`${where}: ${ZERO_SHOT} is always run and cannot be listed; drop it from the methods`);
  return name as string;
}

/** `methods:` of a comparison config: a list of { name, label?, set?, matchTokensOf? }. */
export function parseMethodList(raw: unknown): MethodSpec[] {
  if (!Array.isArray(raw) || raw.length === 0)
    fail('methods must be a non-empty list of { name, set: { key: value } }; e.g. methods: [{ name: grpo, set: { guidance.enabled: false } }]');
  return (raw as unknown[]).map((m, i) => {
    const where = `methods[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m))
      fail(`${where} must be a mapping { name, set }; write e.g. - { name: grpo, set: { guidance.enabled: false } }`);
    const o = m as Record<string, unknown>;
    const unknown = Object.keys(o).find((k) => !['name', 'label', 'set', 'matchTokensOf'].includes(k));
    if (unknown) fail(`${where} has an unknown key ${unknown}; a method has name, label, set and matchTokensOf`);
    const name = checkName(o.name, where);
    const set = o.set ?? {};
    if (typeof set !== 'object' || set === null || Array.isArray(set))
      fail(`${where} (${name}): set must be a mapping of config keys, e.g. set: { guidance.shaping: luffy }`);
    for (const key of Object.keys(set as object)) resolveKeyFor(name, key);
    if (o.label !== undefined && typeof o.label !== 'string') fail(`${where} (${name}): label must be text`);
    if (o.matchTokensOf !== undefined && typeof o.matchTokensOf !== 'string') fail(`${where} (${name}): matchTokensOf must name another method`);
    return {
      name,
      label: (o.label as string | undefined) ?? name,
      set: { ...(set as Record<string, unknown>) },
      matchTokensOf: (o.matchTokensOf as string | undefined) ?? null,
    };
  });
}

function resolveKeyFor(method: string, key: string) {
  try {
    return resolveKey(TrainConfigSchema, key);
  } catch (e) {
    if (e instanceof TrainConfigError) fail(`method ${method}: ${e.message}`);
    throw e;
  }
}

/**
 * `--method 'name:key=value,key=value'`. Values are read as `--set` reads them (JSON when it parses);
 * a comma only separates pairs when a `key=` follows it, so a list value may hold commas.
 */
export function parseMethodFlag(flag: string): MethodSpec {
  const colon = flag.indexOf(':');
  const name = checkName(colon < 0 ? flag : flag.slice(0, colon), `--method ${flag}`);
  const body = colon < 0 ? '' : flag.slice(colon + 1);
  const spec: MethodSpec = { name, label: name, set: {}, matchTokensOf: null };
  for (const pair of body === '' ? [] : body.split(/,(?=\s*[\w.]+=)/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) fail(`--method ${flag}: "${pair}" is not key=value; write e.g. --method 'luffy:guidance.shaping=luffy'`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1);
    if (key === 'label') spec.label = value;
    else if (key === 'matchTokensOf') spec.matchTokensOf = value.trim();
    else spec.set[key] = parseValue(value, resolveKeyFor(name, key).schema);
  }
  return spec;
}

/**
 * Everything that can be known wrong before any run starts: names, overrides (each method's config is
 * built for seed 1), the reference, compute matching (a target that exists and is not matched itself;
 * schedules that cannot stretch with the larger run.totalSteps cap), and the SFT objective's teacher.
 */
export function checkMethods(base: TrainConfig, methods: readonly MethodSpec[], reference: string): void {
  const names = methods.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`two methods are called ${dup}; give each its own name`);
  if (reference !== ZERO_SHOT && !names.includes(reference))
    fail(`reference ${reference} is not one of the methods (${[ZERO_SHOT, ...names].join(', ')}); set reference to one of them`);
  for (const m of methods) {
    const c = methodConfig(base, m, 1);
    if (c.run.objective === 'sft-guided' && !c.guidance.enabled)
      fail(`method ${m.name}: run.objective sft-guided learns from the teacher's rollouts but guidance.enabled is false; set guidance.enabled: true`);
    if (m.matchTokensOf === null) continue;
    const target = methods.find((t) => t.name === m.matchTokensOf);
    if (!target || target === m)
      fail(`method ${m.name}: matchTokensOf ${m.matchTokensOf} is not another method; name one of ${names.filter((n) => n !== m.name).join(', ')}`);
    if (target!.matchTokensOf !== null)
      fail(`method ${m.name}: matchTokensOf ${target!.name}, which is compute-matched itself; match a method with a fixed run.totalSteps`);
    // The cap (run.totalSteps) is larger than the steps the budget allows: nothing may be scheduled over it.
    if (c.optim.schedule === 'cosine')
      fail(
        `method ${m.name}: a cosine lr schedule spans run.totalSteps, which is only a cap for a compute-matched method; set optim.schedule: constant (or linear-warmup)`,
      );
    if (c.guidance.enabled && c.guidance.decaySteps === 'auto')
      fail(`method ${m.name}: guidance.decaySteps auto stretches the teacher's schedule over the run.totalSteps cap; set guidance.decaySteps to a step count`);
  }
}

/** Each seed's methods in run order: those with a fixed length first (list order), compute-matched ones after. */
export function runOrder(methods: readonly MethodSpec[]): MethodSpec[] {
  return [...methods.filter((m) => m.matchTokensOf === null), ...methods.filter((m) => m.matchTokensOf !== null)];
}

/** One line per method for the table's notes: what it changes on the base config. */
export function describeOverrides(m: MethodSpec): string {
  const sets = Object.entries(m.set).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const match = m.matchTokensOf ? [`generated tokens matched to ${m.matchTokensOf}`] : [];
  return [...sets, ...match].join(', ') || 'the base config as is';
}

/**
 * Dotted key paths (`grpo.groupSize`) over a config schema: checking a path exists, reading and writing
 * values by path, parsing `key=value` overrides, and turning zod issues into one-line messages that
 * name the key and the fix.
 */
import type * as z from 'zod';
import { isArraySchema, isStringSchema, ruleOf, schemaAt, shapeOf } from './schema-rules.js';

export class TrainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

const fail = (msg: string): never => {
  throw new TrainConfigError(`config: ${msg}`);
};

/** `['grpo', 'rewards', 0, 'weight']` -> `grpo.rewards[0].weight` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

/** A value as shown after "got": JSON, cut short so the message stays one line. */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would say null
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** "unknown key grpo.groupsize (did you mean grpo.groupSize?); the keys of grpo are ..." */
export function unknownKeyMessage(root: z.ZodType, parent: readonly PropertyKey[], bad: string): string {
  // A path may step into a list (grpo.rewards[0]): numeric segments index it, and print as [0].
  const parentSchema = schemaAt(root, parent);
  const keys = Object.keys((parentSchema && shapeOf(parentSchema)) ?? {});
  const where = parent.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
  const prefix = parent.length ? `${where}.` : '';
  const near = keys.find((k) => k.toLowerCase() === bad.toLowerCase()) ?? keys.find((k) => editDistance(k.toLowerCase(), bad.toLowerCase()) <= 2);
  const hint = near ? ` (did you mean ${prefix}${near}?)` : '';
  return parent.length === 0
    ? `config: unknown section "${bad}"${hint}; the sections are ${keys.join(', ')}`
    : `config: unknown key ${prefix}${bad}${hint}; the keys of ${where} are ${keys.join(', ')}`;
}

/** Check `key` names a section or a key of `root`; returns its path and schema, else throws one line. */
export function resolveKey(root: z.ZodType, key: string): { path: string[]; schema: z.ZodType } {
  const path = key.split('.');
  if (key.trim() === '' || path.some((p) => p === '')) fail(`"${key}" is not a key path; write it as section.key, e.g. grpo.groupSize`);
  let schema = root;
  for (let i = 0; i < path.length; i++) {
    const shape = shapeOf(schema);
    const here = path.slice(0, i).join('.');
    if (!shape) {
      if (isArraySchema(schema)) fail(`cannot set inside the list ${here}; set the whole list, e.g. ${here}=[...]`);
      fail(`${here} is a value, not a section; set it as ${here}=<value>`);
    }
    if (!Object.hasOwn(shape!, path[i])) throw new TrainConfigError(unknownKeyMessage(root, path.slice(0, i), path[i]));
    schema = shape![path[i]];
  }
  return { path, schema };
}

/** Split `grpo.groupSize=8` at the first `=`. */
export function parseAssignment(s: string): { key: string; raw: string } {
  const i = s.indexOf('=');
  if (i <= 0) fail(`"${s}" is not key=value; write it like grpo.groupSize=8`);
  return { key: s.slice(0, i).trim(), raw: s.slice(i + 1) };
}

/**
 * Parse an override value: JSON when it parses (`8`, `1e-5`, `true`, `["a","b"]`, `null`), else the
 * plain string; for list keys a non-JSON string is split at commas (`self-agreement,self-critique`).
 * Text keys take the raw text (`run.runDir=2024` is the folder "2024"), except `null` (back to default).
 */
export function parseValue(raw: string, target: z.ZodType): unknown {
  if (isStringSchema(target) && raw.trim() !== 'null') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    if (isArraySchema(target)) return raw.trim() === '' ? [] : raw.split(',').map((x) => x.trim());
    return raw;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function getAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v = obj;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** Write `value` at `path` inside `obj` (mutates), creating sections; `null` deletes the key (back to its default). */
export function setAt(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]] ?? (cur[path[i]] = {});
    if (!isPlainObject(next)) fail(`cannot set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is ${showValue(next)}, not a mapping; fix it first`);
    cur = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === null) delete cur[last];
  else cur[last] = value;
}

/** One zod issue as one line: `config: <key> must be <rule> (got <value>); <fix>`. */
export function formatIssue(root: z.ZodType, issue: z.core.$ZodIssue, input: unknown): string {
  const key = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') return unknownKeyMessage(root, issue.path, issue.keys[0]);
  // Cross-field checks write their own "<key> ...; <fix>" text.
  if (issue.code === 'custom') return `config: ${issue.message}`;
  const schema = schemaAt(root, issue.path);
  const rule = schema && ruleOf(schema);
  const got = showValue(getAt(input, issue.path));
  if (rule) return `config: ${key} must be ${rule.must} (got ${got}); ${rule.fix(key)}`;
  return `config: ${key || 'the config'}: ${issue.message.replace(/\s*\n\s*/g, ' ')} (got ${got})`;
}

/**
 * Field builders for config schemas that carry their own human wording, so a validation failure can be
 * reported as one line: `config: <key> must be <rule> (got <value>); <fix>`.
 *
 * zod's own messages ("Too small: expected number to be >=2") name neither the key nor the fix. The rule
 * is keyed by the schema's definition object, which `.describe()` copies share, and found again under
 * `.default()` / `.optional()` wrappers by walking the schema along the path (`schemaAt`).
 */
import * as z from 'zod';

export interface Rule {
  /** Completes "config: grpo.groupSize must be ..." */
  must: string;
  /** Completes "...; " with how to fix it, given the key path. */
  fix: (key: string) => string;
}

const RULES = new WeakMap<object, Rule>();

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

export function ruled<T extends z.ZodType>(schema: T, rule: Rule): T {
  RULES.set(defOf(schema), rule);
  return schema;
}

/** An integer in [min, max] (max optional). */
export function int(min: number, max?: number) {
  const s = max === undefined ? z.int().min(min) : z.int().min(min).max(max);
  return ruled(s, {
    must: max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
    fix: (k) => (max === undefined ? `set ${k} to ${min} or more` : `set ${k} to a whole number from ${min} to ${max}`),
  });
}

/** A finite number with optional bounds; `gt`/`lt` exclusive, `min`/`max` inclusive. */
export function num(b: { gt?: number; min?: number; lt?: number; max?: number } = {}) {
  let s = z.number();
  const parts: string[] = [];
  if (b.gt !== undefined) (s = s.gt(b.gt)), parts.push(`> ${b.gt}`);
  if (b.min !== undefined) (s = s.min(b.min)), parts.push(`>= ${b.min}`);
  if (b.lt !== undefined) (s = s.lt(b.lt)), parts.push(`< ${b.lt}`);
  if (b.max !== undefined) (s = s.max(b.max)), parts.push(`<= ${b.max}`);
  const range = parts.join(' and ');
  return ruled(s, {
    must: range ? `a number ${range}` : 'a number',
    fix: (k) => (range ? `set ${k} to a number ${range}` : `set ${k} to a number`),
  });
}

/** A fraction in [0, 1]. */
export const fraction = () => num({ min: 0, max: 1 });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return ruled(z.enum(values), {
    must: `one of ${values.join(', ')}`,
    fix: (k) => `set ${k} to one of ${values.join(', ')}`,
  });
}

export const bool = () => ruled(z.boolean(), { must: 'true or false', fix: (k) => `set ${k} to true or false` });

export const text = () => ruled(z.string().min(1), { must: 'a non-empty string', fix: (k) => `set ${k} to a non-empty string` });

/** Section objects: unknown keys are errors (a typo must not silently fall back to a default). */
export function section<S extends z.ZodRawShape>(shape: S) {
  return ruled(z.strictObject(shape), {
    must: 'a mapping of keys',
    fix: (k) => `write ${k} as a mapping (e.g. ${k}: { ... }) or leave it out to use the defaults`,
  });
}

/** Strip `.default()`, `.prefault()`, `.optional()` and similar wrappers. */
export function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The rule attached to `s` or to any schema it wraps. */
export function ruleOf(s: z.ZodType): Rule | undefined {
  for (;;) {
    const d = defOf(s);
    const r = RULES.get(d);
    if (r) return r;
    const next = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!next) return undefined;
    s = next;
  }
}

/** Keys of an object schema (after unwrapping), or undefined when `s` is not an object. */
export function shapeOf(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = defOf(unwrap(s));
  return d.type === 'object' ? d.shape : undefined;
}

export const isArraySchema = (s: z.ZodType): boolean => defOf(unwrap(s)).type === 'array';
export const isStringSchema = (s: z.ZodType): boolean => defOf(unwrap(s)).type === 'string';

/** Walk an object/array schema along a zod issue path; undefined when the path leaves the schema. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const d = defOf(unwrap(s));
    if (d.type === 'object' && typeof seg === 'string') s = d.shape?.[seg];
    else if (d.type === 'array' && typeof seg === 'number') s = d.element;
    else return undefined;
  }
  return s;
}

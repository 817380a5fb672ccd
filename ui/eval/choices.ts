/**
 * What the ':eval' pick list offers: the run's complete checkpoints (newest first), the base model the
 * run started from, and the built-in data sets. Paths under the working folder are shown and passed
 * relative to it (the eval child runs in the same folder), so the eval panel's rows stay readable.
 */
import { basename, relative, resolve } from 'node:path';
import { builtinModelDir } from '../../src/paths.js';
import { RunDir } from '../../src/trainer/run-dir.js';
import type { EvalChoice, RunInfo } from '../state/types.js';

/** Data sets `thinktune eval --data` knows by name; a JSONL path is typed on the list's last row. */
export const EVAL_DATA_SETS: readonly EvalChoice[] = [
  { label: 'arith-test', value: 'arith-test' },
  { label: 'arith-validation', value: 'arith-validation' },
];

/**
 * The model folder a run started from: `model.checkpoint` resolved like src/trainer/trainer.ts
 * resolveModelDir (repeated here so the UI thread does not load tfjs with the trainer module).
 */
export function baseModelDir(config: unknown): string | null {
  const spec = (config as { model?: { checkpoint?: unknown } } | null)?.model?.checkpoint;
  if (typeof spec !== 'string' || spec === '') return null;
  return spec === 'builtin' ? builtinModelDir() : resolve(spec);
}

/** `p` relative to the working folder when it lies inside it, else as given. */
export function shortPath(p: string, cwd = process.cwd()): string {
  const rel = relative(cwd, p);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : p;
}

export function evalModelChoices(run: RunInfo | null, cwd = process.cwd()): EvalChoice[] {
  if (!run) return [];
  const checkpoints = new RunDir(run.runDir).checkpoints().map((c) => ({ label: basename(c.path), value: shortPath(c.path, cwd) }));
  const spec = (run.config as { model?: { checkpoint?: unknown } } | null)?.model?.checkpoint;
  const base = baseModelDir(run.config);
  const baseChoice = base
    ? [{ label: `base  ${spec === 'builtin' ? 'builtin' : shortPath(base, cwd)}`, value: spec === 'builtin' ? 'builtin' : shortPath(base, cwd) }]
    : [];
  return [...checkpoints, ...baseChoice];
}

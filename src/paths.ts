/** Where thinktune's own files live (shipped checkpoints, default prompts), from src/ or dist/src/. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'prompts'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the thinktune package folder (package.json + prompts/)');
    dir = up;
  }
  root = dir;
  return dir;
}

/** The shipped base model (student and teacher of the built-in world). */
export function builtinModelDir(): string {
  return join(packageRoot(), 'checkpoints', 'arith-base');
}

/** A relative prompts folder that does not exist in the working directory falls back to the shipped one. */
export function resolvePromptsDir(dir: string): string {
  const local = resolve(dir);
  if (existsSync(local)) return local;
  return join(packageRoot(), dir);
}

/** Where thinktune's own files live (shipped checkpoints, default prompts), from src/ or dist/src/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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

/** thinktune's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The shipped base model (student and teacher of the built-in world). */
export function builtinModelDir(): string {
  return join(packageRoot(), 'checkpoints', 'arith-base');
}

/** A relative prompts folder that does not exist in the working directory falls back to the shipped one. */
export function resolvePromptsDir(dir: string): string {
  const local = resolve(dir);
  if (isAbsolute(dir) || existsSync(local)) return local;
  // A relative folder that is not here may be the shipped one (`prompts`, run from another folder);
  // when it is not there either, errors name the folder the user meant, not the package's.
  const shipped = join(packageRoot(), dir);
  return existsSync(shipped) ? shipped : local;
}

/** How to start the thinktune CLI in a child process (compare jobs, the dashboard's evaluations). */
export interface ThinktuneCommand {
  file: string;
  args: string[];
}

/**
 * Built (dist/): node bin/thinktune.js. From source (this file is .ts, loaded by tsx): src/cli/main.ts
 * under the same tsx loader, resolved to a file URL so the child's working folder does not matter and
 * no build is needed.
 */
export function thinktuneCommand(): ThinktuneCommand {
  const root = packageRoot();
  if (fileURLToPath(import.meta.url).endsWith('.ts')) {
    return { file: process.execPath, args: ['--import', import.meta.resolve('tsx'), join(root, 'src', 'cli', 'main.ts')] };
  }
  return { file: process.execPath, args: [join(root, 'bin', 'thinktune.js')] };
}

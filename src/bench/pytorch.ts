/**
 * Runs scripts/bench_pytorch.py with the user's python on the same size specs, in the same process run
 * as thinktune's own figures, and reads its one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { BenchSizeName, BenchSpec } from './sizes.js';

export interface PytorchSizeFigures {
  train_tokens_per_s: number;
  train_step_ms: number;
  generate_tokens_per_s: number;
  attn_implementation?: string;
}

export interface PytorchResult {
  torch_version: string;
  transformers_version: string;
  threads: number;
  sizes: Partial<Record<BenchSizeName, PytorchSizeFigures>>;
}

/** A python that cannot run the script: the message says which and how to fix it. */
export class PytorchError extends Error {
  override name = 'PytorchError';
}

export function pytorchScript(): string {
  return join(packageRoot(), 'scripts', 'bench_pytorch.py');
}

export interface PytorchOptions {
  threads: number;
  /** Called with each stderr chunk of the script (its progress lines). */
  onStderr?: (text: string) => void;
}

/** Check the script's JSON line and return it typed; throws PytorchError naming what is missing. */
export function parsePytorchOutput(stdout: string, specs: BenchSpec[]): PytorchResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  let out: PytorchResult;
  try {
    out = JSON.parse(line) as PytorchResult;
  } catch {
    throw new PytorchError(`${pytorchScript()} printed no JSON line (got ${JSON.stringify(line.slice(0, 80))}); run it by hand to see why`);
  }
  for (const s of specs) {
    const f = out.sizes?.[s.size];
    if (!f || !(f.train_tokens_per_s > 0) || !(f.generate_tokens_per_s > 0)) {
      throw new PytorchError(`${pytorchScript()} gave no figures for size "${s.size}"; run it by hand with --size ${s.size} to see why`);
    }
  }
  return out;
}

/** Why a spawned python did not run: no such program, no torch, or its last stderr line. */
function spawnFailure(python: string, r: ReturnType<typeof spawnSync>, what: string): PytorchError | null {
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such program' : code === 'EACCES' ? 'not executable' : r.error.message;
    return new PytorchError(`--pytorch ${python}: ${why}; pass the path of a python that has torch and transformers (e.g. ~/venv/bin/python)`);
  }
  if (r.status === 0) return null;
  const stderr = String(r.stderr ?? '');
  const missing = /No module named '?(torch|transformers)'?/.exec(stderr);
  if (missing) return new PytorchError(`--pytorch ${python} has no ${missing[1]}; install it there (pip install torch transformers) or pass another python`);
  const last = stderr.trim().split('\n').pop() ?? '';
  return new PytorchError(`${what} failed under ${python} (exit ${r.status ?? r.signal}): ${last.slice(0, 200)}`);
}

/** Fail fast, before minutes of benchmarking, when `python` cannot import torch and transformers. */
export function checkPytorch(python: string): void {
  const r = spawnSync(python, ['-c', 'import torch, transformers'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const err = spawnFailure(python, r, 'importing torch and transformers');
  if (err) throw err;
}

/** Run the PyTorch reference on `specs` with `python`. Blocks until it ends (minutes at the large size). */
export function runPytorch(python: string, specs: BenchSpec[], o: PytorchOptions): PytorchResult {
  const args = [pytorchScript(), '--spec', JSON.stringify(specs), '--threads', String(o.threads)];
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.stderr) o.onStderr?.(r.stderr);
  const err = spawnFailure(python, r, pytorchScript());
  if (err) throw err;
  return parsePytorchOutput(r.stdout, specs);
}

/**
 * `thinktune bench [--size reference|large|all] [--pytorch PYTHON] [--threads N] [--profile] [--json] [--quick]`:
 * the engine's speed on the active backend and, with --pytorch, the same model in PyTorch in the same run
 * (scripts/bench_pytorch.py) with the ratios against issue 15's targets. Progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matmulGflops, runSize } from '../bench/bench.js';
import { formatProfile, profileTrainStep, type StepProfile } from '../bench/profile.js';
import { checkPytorch, PytorchError, runPytorch, type PytorchResult } from '../bench/pytorch.js';
import { buildReport, formatReport } from '../bench/report.js';
import { parseSizes } from '../bench/sizes.js';
import { nativeTruth } from '../backend/select.js';
import { UsageError } from './errors.js';

export interface BenchArgs {
  json?: boolean;
  quick?: boolean;
  size?: string;
  /** A python with torch and transformers: run the PyTorch reference too. */
  pytorch?: string;
  /** torch threads, or a comma list of counts to run PyTorch with (default 2). */
  threads?: string;
  profile?: boolean;
}

export async function benchCommand(a: BenchArgs): Promise<void> {
  let specs: ReturnType<typeof parseSizes>;
  try {
    specs = parseSizes(a.size, a.quick);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const threads = (a.threads ?? '2').split(',').map(Number);
  if (!threads.every((n) => Number.isInteger(n) && n >= 1)) throw new UsageError(`--threads must be whole numbers >= 1 (e.g. 2 or 1,2), not "${a.threads}"`);
  const say = (m: string) => {
    if (!a.json) process.stderr.write(`  ${m}\n`);
  };

  const asUsage = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw e instanceof PytorchError ? new UsageError(e.message) : e;
    }
  };
  if (a.pytorch) asUsage(() => checkPytorch(a.pytorch!));
  say('matmul ceiling…');
  const mm = matmulGflops();
  const sizes = specs.map((spec) => runSize(spec, { onProgress: say }));
  let profile: StepProfile[] | undefined;
  if (a.profile) {
    profile = [];
    for (const spec of specs) {
      say(`${spec.size}: profiling a training step…`);
      profile.push(await profileTrainStep(spec, a.quick ? 1 : 2));
    }
  }
  let pytorch: PytorchResult[] | null = null;
  if (a.pytorch) {
    const python = a.pytorch;
    pytorch = threads.map((n) => {
      say(`PyTorch (${python}, ${n} threads) on the same sizes…`);
      return asUsage(() => runPytorch(python, specs, { threads: n, onStderr: (t) => (a.json ? undefined : process.stderr.write(t)) }));
    });
  }
  const backend = tf.getBackend();
  const report = buildReport({
    backend,
    tfVersion: backend === 'tensorflow' ? nativeTruth(tf.backend()).tfVersion : null,
    wasmThreads: backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null,
    tfjsVersion: tf.version_core,
    matmulGflops: mm,
    sizes,
    pytorch,
    profile,
  });
  if (a.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  const lines = formatReport(report);
  for (const p of profile ?? []) lines.push('', ...formatProfile(p));
  process.stdout.write(lines.join('\n') + '\n');
}

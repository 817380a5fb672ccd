/**
 * What `thinktune bench` reports: thinktune's figures per size, optionally PyTorch's from the same run,
 * the ratios thinktune / PyTorch, and issue 15's targets on those ratios for the backend measured.
 * Pure functions of the measured figures (tested without Python or timing).
 */
import type { SizeFigures } from './bench.js';
import type { StepProfile } from './profile.js';
import type { PytorchResult } from './pytorch.js';
import type { BenchSizeName } from './sizes.js';

export interface Ratios {
  /** thinktune training tokens/s / PyTorch's. */
  train: number;
  /** thinktune generation tokens/s / PyTorch generate's. */
  generate: number;
}

/** PyTorch's best figure of a size over its runs (one per thread count), and the threads that gave it. */
export interface PytorchBest {
  train_tokens_per_s: number;
  train_threads: number;
  generate_tokens_per_s: number;
  generate_threads: number;
}

export interface TargetCheck {
  size: BenchSizeName;
  figure: keyof Ratios;
  /** The ratio thinktune / PyTorch must reach. */
  at_least: number;
  ratio: number;
  met: boolean;
}

export interface BenchReport {
  backend: string;
  /** TensorFlow's own version on the native backend (binding TF_Version), else null. */
  tf_version: string | null;
  /** Threads of the wasm backend's matmuls (XNNPACK's pool; THINKTUNE_WASM_THREADS), else null. */
  wasm_threads: number | null;
  tfjs_version: string;
  /** Plain 512^3 matmul rate of the backend (GFLOP/s). */
  matmul_gflops: number;
  sizes: Partial<Record<BenchSizeName, SizeFigures & { matmul_fraction: number }>>;
  /** One run of scripts/bench_pytorch.py per thread count asked for, or null without --pytorch. */
  pytorch: PytorchResult[] | null;
  /** Per size, PyTorch's best figures over those runs: the ratios are taken against these. */
  pytorch_best: Partial<Record<BenchSizeName, PytorchBest>> | null;
  ratios: Partial<Record<BenchSizeName, Ratios>> | null;
  targets: TargetCheck[] | null;
  profile?: StepProfile[];
}

/** The fastest PyTorch figures of `size` over the runs (a loaded machine can make 2 threads slower than 1). */
export function pytorchBest(runs: PytorchResult[], size: BenchSizeName): PytorchBest | null {
  let best: PytorchBest | null = null;
  for (const r of runs) {
    const f = r.sizes[size];
    if (!f) continue;
    best ??= { train_tokens_per_s: 0, train_threads: r.threads, generate_tokens_per_s: 0, generate_threads: r.threads };
    if (f.train_tokens_per_s > best.train_tokens_per_s) Object.assign(best, { train_tokens_per_s: f.train_tokens_per_s, train_threads: r.threads });
    if (f.generate_tokens_per_s > best.generate_tokens_per_s)
      Object.assign(best, { generate_tokens_per_s: f.generate_tokens_per_s, generate_threads: r.threads });
  }
  return best;
}

/**
 * Issue 15's targets (thinktune / PyTorch on the same machine): training on tensorflow >= 0.5x at the
 * reference size and >= 0.7x at the large one, on wasm >= 0.3x at the reference size; sampling ahead of
 * PyTorch's generate (> 1x) at every size on both. Other backends (cpu) have none.
 */
export function targetsFor(backend: string, size: BenchSizeName): { figure: keyof Ratios; at_least: number }[] {
  const native = backend === 'tensorflow';
  if (!native && backend !== 'wasm') return [];
  const train = native ? (size === 'reference' ? 0.5 : 0.7) : size === 'reference' ? 0.3 : null;
  return [...(train === null ? [] : [{ figure: 'train' as const, at_least: train }]), { figure: 'generate', at_least: 1 }];
}

export function ratiosOf(t: SizeFigures, p: { train_tokens_per_s: number; generate_tokens_per_s: number }): Ratios {
  return { train: t.train_tokens_per_s / p.train_tokens_per_s, generate: t.generate_tokens_per_s / p.generate_tokens_per_s };
}

export function buildReport(a: {
  backend: string;
  tfVersion: string | null;
  wasmThreads?: number | null;
  tfjsVersion: string;
  matmulGflops: number;
  sizes: SizeFigures[];
  pytorch: PytorchResult[] | null;
  profile?: StepProfile[];
}): BenchReport {
  const sizes: BenchReport['sizes'] = {};
  for (const s of a.sizes) sizes[s.size] = { ...s, matmul_fraction: s.train_gflops / a.matmulGflops };
  let ratios: BenchReport['ratios'] = null;
  let targets: TargetCheck[] | null = null;
  let best: BenchReport['pytorch_best'] = null;
  if (a.pytorch) {
    ratios = {};
    targets = [];
    best = {};
    for (const s of a.sizes) {
      const p = pytorchBest(a.pytorch, s.size);
      if (!p) continue;
      best[s.size] = p;
      const r = ratiosOf(s, p);
      ratios[s.size] = r;
      for (const t of targetsFor(a.backend, s.size)) {
        const ratio = r[t.figure];
        targets.push({ size: s.size, figure: t.figure, at_least: t.at_least, ratio, met: t.figure === 'generate' ? ratio > t.at_least : ratio >= t.at_least });
      }
    }
  }
  return {
    backend: a.backend,
    tf_version: a.tfVersion,
    wasm_threads: a.wasmThreads ?? null,
    tfjs_version: a.tfjsVersion,
    matmul_gflops: a.matmulGflops,
    sizes,
    pytorch: a.pytorch,
    pytorch_best: best,
    ratios,
    targets,
    ...(a.profile ? { profile: a.profile } : {}),
  };
}

const fmt = (x: number) => x.toFixed(0);
const times = (x: number) => `${x.toFixed(2)}x`;

/** The human table: one block per size, with PyTorch and the ratios when measured. */
export function formatReport(r: BenchReport): string[] {
  const lines = [
    `backend ${r.backend}${r.tf_version ? ` (TensorFlow ${r.tf_version})` : ''}${r.wasm_threads ? ` (${r.wasm_threads} thread${r.wasm_threads > 1 ? 's' : ''})` : ''}, tfjs ${r.tfjs_version}; plain matmul 512^3: ${r.matmul_gflops.toFixed(1)} GFLOP/s`,
  ];
  if (r.pytorch?.length) {
    const p = r.pytorch[0];
    const threads = `${r.pytorch.map((x) => x.threads).join(' and ')} thread${r.pytorch.length > 1 || p.threads > 1 ? 's' : ''}`;
    const which = r.pytorch.length > 1 ? '; each figure compared with the fastest' : '';
    lines.push(`PyTorch ${p.torch_version}, transformers ${p.transformers_version}, ${threads} (same run${which})`);
  }
  for (const [size, s] of Object.entries(r.sizes)) {
    if (!s) continue;
    const p = r.pytorch_best?.[size as BenchSizeName];
    const q = r.ratios?.[size as BenchSizeName];
    lines.push('', `${size}: train ${s.shapes.train}`, `${' '.repeat(size.length)}  generate ${s.shapes.generate}`);
    lines.push(`  ${''.padEnd(30)} ${'thinktune'.padStart(10)}${p ? `${'PyTorch'.padStart(10)}${'ratio'.padStart(8)}` : ''}`);
    const row = (k: string, v: number, pv?: number, ratio?: number) =>
      lines.push(
        `  ${k.padEnd(30)} ${fmt(v).padStart(10)}${pv !== undefined ? fmt(pv).padStart(10) : ''}${ratio !== undefined ? times(ratio).padStart(8) : ''}`,
      );
    row('train tokens/s (fwd+bwd+AdamW)', s.train_tokens_per_s, p?.train_tokens_per_s, q?.train);
    row('generate new tokens/s', s.generate_tokens_per_s, p?.generate_tokens_per_s, q?.generate);
    if (r.pytorch && r.pytorch.length > 1) {
      for (const run of r.pytorch) {
        const f = run.sizes[size as BenchSizeName];
        if (f)
          lines.push(
            `  PyTorch at ${run.threads} thread${run.threads > 1 ? 's' : ''}: train ${fmt(f.train_tokens_per_s)}, generate ${fmt(f.generate_tokens_per_s)} tokens/s`,
          );
      }
    }
    lines.push(`  train step ${fmt(s.train_step_ms)} ms`);
    lines.push(
      `  train effective ${s.train_gflops.toFixed(1)} GFLOP/s (${(100 * s.matmul_fraction).toFixed(0)}% of the plain matmul); tensor count ${s.num_tensors_flat ? 'flat' : 'NOT flat (leak)'}`,
    );
  }
  if (r.targets?.length) {
    lines.push('', 'targets (thinktune / PyTorch, issue 15):');
    for (const t of r.targets) {
      const op = t.figure === 'generate' ? '>' : '>=';
      lines.push(`  ${t.size} ${t.figure}: ${times(t.ratio)} ${op} ${t.at_least}x  ${t.met ? 'met' : 'NOT met'}`);
    }
  }
  return lines;
}

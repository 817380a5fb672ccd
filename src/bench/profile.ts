/**
 * `thinktune bench --profile`: where a training step spends its time, per stage and per backend kernel.
 *
 * The step is accumulatedTrainStep (src/train/step.ts) taken apart into its stages, in its order:
 * per micro-batch forward (activations saved), loss (target log-probs read to the host, the loss and its
 * derivative there), backward, entropy (the figure trainStep reports), accumulate (summing the parts'
 * gradients); then clip (global norm, read to the host) and optimizer (AdamW). Stage times are wall clock
 * of a plain step; kernel times come from tf.profile over one more step, stage by stage, so each kernel
 * is charged to its stage. Both backends run their kernels synchronously, so a kernel's time is its own.
 * The gap between a stage's wall time and its kernels' sum is time outside kernels: tfjs's per-op
 * dispatch in JavaScript, tensor bookkeeping, host-side loss work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CausalLM } from '../model/model.js';
import { backward } from '../model/backward.js';
import { disposeSaved, forward } from '../model/forward.js';
import type { Grads } from '../model/params.js';
import { gatherTargets, rowEntropy } from '../model/score.js';
import { clipByGlobalNorm } from '../train/optim.js';
import type { TrainPart } from '../train/step.js';
import { mulberry32 } from '../rl/rng.js';
import { benchParts, trainOptionsOf } from './bench.js';
import { modelConfigOf, type BenchSpec, type BenchSizeName } from './sizes.js';

export const STAGES = ['forward', 'loss', 'backward', 'entropy', 'accumulate', 'clip', 'optimizer'] as const;
export type Stage = (typeof STAGES)[number];

export interface KernelTime {
  stage: Stage;
  kernel: string;
  calls: number;
  ms: number;
}

export interface StepProfile {
  size: BenchSizeName;
  /** Wall time of one step (mean of the timed steps), ms. */
  step_ms: number;
  /**
   * Per stage: wall ms of a plain step; then, of the profiled step, the stage's wall ms (profiling adds
   * a little per kernel) and the sum of its kernels' ms: profiled_ms - kernel_ms is time outside kernels.
   */
  stages: { stage: Stage; ms: number; profiled_ms: number; kernel_ms: number; kernel_calls: number }[];
  /** Kernels by (stage, name), most time first. */
  kernels: KernelTime[];
  /** The same kernels summed over the stages, most time first. */
  kernel_totals: { kernel: string; calls: number; ms: number }[];
  /** The costliest (kernel, input shapes) entries over the whole step, most time first. */
  top_shapes: { stage: Stage; kernel: string; shapes: string; calls: number; ms: number }[];
}

type Timer = (stage: Stage, f: () => void) => Promise<void>;

/** One training step, stage by stage; `time` wraps each stage. Mirrors accumulatedTrainStep. */
async function stagedStep(model: CausalLM, parts: TrainPart[], spec: BenchSpec, opt: ReturnType<typeof trainOptionsOf>, time: Timer): Promise<void> {
  let grads: Grads | null = null;
  for (const part of parts) {
    const { B, T } = part.batch;
    let out!: ReturnType<typeof forward>;
    await time('forward', () => {
      out = forward(model, { ids: part.batch.inputs, B, T }, { save: true });
    });
    const targets = tf.tensor1d(part.batch.targets, 'int32');
    let dTok!: tf.Tensor1D;
    await time('loss', () => {
      const tok = gatherTargets(out.logp, targets);
      const { dLogp } = part.lossFn(tok.dataSync() as Float32Array);
      tok.dispose();
      dTok = tf.tensor1d(dLogp);
    });
    let g!: Grads;
    await time('backward', () => {
      g = backward(model, out.saved!, out.logp, targets, dTok);
    });
    await time('entropy', () => {
      const ent = rowEntropy(out.logp);
      ent.dataSync();
      ent.dispose();
    });
    tf.dispose([targets, dTok, out.logp]);
    disposeSaved(out.saved!);
    if (!grads) grads = g;
    else {
      const acc: Grads = grads;
      await time('accumulate', () => {
        for (const [k, t] of Object.entries(g)) {
          const sum = tf.add(acc[k], t);
          tf.dispose([acc[k], t]);
          acc[k] = sum;
        }
      });
    }
  }
  const all = grads!;
  let clipped!: ReturnType<typeof clipByGlobalNorm>;
  await time('clip', () => {
    clipped = clipByGlobalNorm(all, spec.train.max_grad_norm);
  });
  await time('optimizer', () => opt.opt.step(model.params, clipped.grads, opt.step.lr));
  tf.dispose([...new Set<tf.Tensor>([...Object.values(all), ...Object.values(clipped.grads)])]);
}

/** Sum kernel records into per-(stage, kernel) and per-(stage, kernel, shapes) tables. */
export function aggregateKernels(
  records: { stage: Stage; kernel: string; shapes: string; ms: number }[],
): Pick<StepProfile, 'kernels' | 'kernel_totals' | 'top_shapes'> {
  const by = <K extends string>(key: (r: (typeof records)[number]) => K) => {
    const m = new Map<K, { calls: number; ms: number; first: (typeof records)[number] }>();
    for (const r of records) {
      const k = key(r);
      const e = m.get(k) ?? { calls: 0, ms: 0, first: r };
      e.calls++;
      e.ms += r.ms;
      m.set(k, e);
    }
    return [...m.values()].sort((a, b) => b.ms - a.ms);
  };
  return {
    kernels: by((r) => `${r.stage}|${r.kernel}`).map((e) => ({ stage: e.first.stage, kernel: e.first.kernel, calls: e.calls, ms: e.ms })),
    kernel_totals: by((r) => r.kernel).map((e) => ({ kernel: e.first.kernel, calls: e.calls, ms: e.ms })),
    top_shapes: by((r) => `${r.stage}|${r.kernel}|${r.shapes}`)
      .slice(0, 12)
      .map((e) => ({ stage: e.first.stage, kernel: e.first.kernel, shapes: e.first.shapes, calls: e.calls, ms: e.ms })),
  };
}

/** Profile the training step of `spec`: `steps` plain timed steps for the stage times, one profiled step for the kernels. */
export async function profileTrainStep(spec: BenchSpec, steps = 2): Promise<StepProfile> {
  const model = CausalLM.init(modelConfigOf(spec), 0);
  const parts = benchParts(spec, mulberry32(1234));
  const opt = trainOptionsOf(spec);
  try {
    await stagedStep(model, parts, spec, opt, async (_s, f) => f()); // warm-up
    const wall = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      await stagedStep(model, parts, spec, opt, async (stage, f) => {
        const s0 = performance.now();
        f();
        wall.set(stage, wall.get(stage)! + performance.now() - s0);
      });
    }
    const stepMs = (performance.now() - t0) / steps;
    const records: { stage: Stage; kernel: string; shapes: string; ms: number }[] = [];
    const profiledWall = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
    await stagedStep(model, parts, spec, opt, async (stage, f) => {
      const s0 = performance.now();
      const info = await tf.profile(f);
      profiledWall.set(stage, profiledWall.get(stage)! + performance.now() - s0);
      for (const k of info.kernels) {
        const shapes = k.inputShapes.map((s) => (s ? `[${s.join(',')}]` : '-')).join(' ');
        records.push({ stage, kernel: k.name, shapes, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 });
      }
    });
    const agg = aggregateKernels(records);
    const stages = STAGES.map((stage) => {
      const mine = records.filter((r) => r.stage === stage);
      return {
        stage,
        ms: wall.get(stage)! / steps,
        profiled_ms: profiledWall.get(stage)!,
        kernel_ms: mine.reduce((a, r) => a + r.ms, 0),
        kernel_calls: mine.length,
      };
    });
    return { size: spec.size, step_ms: stepMs, stages, ...agg };
  } finally {
    opt.opt.dispose();
    model.dispose();
  }
}

/** The profile as text lines: stages, then the costliest kernels and shapes. */
export function formatProfile(p: StepProfile, topKernels = 12): string[] {
  const lines = [`profile of one training step, ${p.size} (${p.step_ms.toFixed(0)} ms a step):`];
  const pad = (x: string | number, n: number) => String(x).padStart(n);
  lines.push(
    `  ${'stage'.padEnd(11)} ${pad('wall ms', 9)} ${pad('share', 6)} | profiled: ${pad('wall ms', 9)} ${pad('kernel ms', 10)} ${pad('in kernels', 10)} ${pad('kernels', 8)}`,
  );
  for (const s of p.stages) {
    if (s.ms === 0 && s.kernel_calls === 0) continue;
    const share = `${((100 * s.ms) / p.step_ms).toFixed(0)}%`;
    const inKernels = `${((100 * s.kernel_ms) / Math.max(s.profiled_ms, 1e-9)).toFixed(0)}%`;
    lines.push(
      `  ${s.stage.padEnd(11)} ${pad(s.ms.toFixed(1), 9)} ${pad(share, 6)} |           ${pad(s.profiled_ms.toFixed(1), 9)} ${pad(s.kernel_ms.toFixed(1), 10)} ${pad(inKernels, 10)} ${pad(s.kernel_calls, 8)}`,
    );
  }
  const kernelSum = p.stages.reduce((a, s) => a + s.kernel_ms, 0);
  const profiledSum = p.stages.reduce((a, s) => a + s.profiled_ms, 0);
  const calls = p.stages.reduce((a, s) => a + s.kernel_calls, 0);
  lines.push(
    `  profiled step: ${profiledSum.toFixed(0)} ms, of it ${kernelSum.toFixed(0)} ms in ${calls} kernel calls (${((1000 * kernelSum) / calls).toFixed(0)} us a call); ${(profiledSum - kernelSum).toFixed(0)} ms outside kernels`,
  );
  lines.push('  costliest kernels (all stages):');
  for (const k of p.kernel_totals.slice(0, topKernels)) {
    lines.push(
      `    ${k.kernel.padEnd(22)} ${k.ms.toFixed(1).padStart(8)} ms ${String(k.calls).padStart(6)} calls ${`${((100 * k.ms) / kernelSum).toFixed(0)}%`.padStart(5)}`,
    );
  }
  lines.push('  costliest kernel shapes:');
  for (const k of p.top_shapes.slice(0, 8)) {
    lines.push(
      `    ${k.stage.padEnd(10)} ${k.kernel.padEnd(16)} ${k.shapes.padEnd(34)} ${k.ms.toFixed(1).padStart(8)} ms ${String(k.calls).padStart(5)} calls`,
    );
  }
  return lines;
}

/** `thinktune bench [--json]`: prints the engine's speed figures on the chosen backend. */
import { runBench } from '../bench/bench.js';

export function benchCommand(a: { json?: boolean; quick?: boolean }): void {
  const r = runBench({
    trainSteps: a.quick ? 1 : 5,
    genRuns: a.quick ? 1 : 3,
    onProgress: (m) => {
      if (!a.json) process.stderr.write(`  ${m}\n`);
    },
  });
  if (a.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const rows: [string, string][] = [
    ['backend', r.backend],
    ['train tokens/s (fwd+bwd+AdamW)', r.train_tokens_per_s.toFixed(0)],
    ['train step', `${r.train_step_ms.toFixed(0)} ms`],
    ['generate new tokens/s (KV cache)', r.generate_tokens_per_s.toFixed(0)],
    ['plain matmul GFLOP/s (512^3)', r.matmul_gflops.toFixed(1)],
    ['train effective GFLOP/s', `${r.train_gflops.toFixed(1)} (${(100 * r.matmul_fraction).toFixed(0)}% of matmul)`],
    ['tensor count flat across steps', r.num_tensors_flat ? 'yes' : 'NO (leak)'],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
  process.stdout.write(`train: ${r.shapes.train}\ngenerate: ${r.shapes.generate}\n`);
}

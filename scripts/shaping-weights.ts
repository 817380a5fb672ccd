/**
 * The README's table of what advantage-aware shaping does to a teacher token of probability p: its weight
 * relative to on-policy REINFORCE (p / denominator), for a succeeded (A = +1.79) and a failed (A = -1.79)
 * rollout, with gamma as written (bounds ordered: gamma = A/4000) and as released (gamma pinned at -0.001).
 *   npx tsx scripts/shaping-weights.ts
 */
import { aasWeightTable } from '../src/rl/shaping.js';

const ps = [1e-6, 1e-5, 1e-4, 1e-3, 2e-3, 1e-2, 0.1, 1];
const fmt = (w: number) => (w >= 0.01 ? w.toFixed(3).replace(/\.?0+$/, '') : w.toPrecision(2));
console.log(`| A | gamma | ${ps.map((p) => `p = ${p < 0.01 ? p.toExponential(0) : p}`).join(' | ')} |`);
console.log(`|---|---|${ps.map(() => '---').join('|')}|`);
for (const A of [1.79, -1.79]) {
  for (const gamma of ['as-written', 'released'] as const) {
    const rows = aasWeightTable(A, ps, { gamma });
    console.log(`| ${A} | ${gamma} | ${rows.map((r) => (r.mode === 'fallback' ? '1 (fallback)' : fmt(r.weight))).join(' | ')} |`);
  }
}

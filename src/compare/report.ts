/**
 * The parts of table.md that come from the analysis (analysis.ts): the primary-metric line above the
 * first number, the paired tests against the reference, first-vs-last-answer repairs, the training
 * budget each method used, a "what it says" paragraph written only from those numbers, and the notes
 * that say what each method is and how each test is done.
 */
import type { TrainConfig } from '../config/train-config.js';
import type { Analysis, PairedComparison } from './analysis.js';
import { BOOTSTRAP_DRAWS, BOOTSTRAP_SEED } from './analysis.js';
import type { RunResult } from './jobs.js';
import { DEFAULT_METHODS, ZERO_SHOT, describeOverrides, type MethodSpec } from './methods.js';
import type { Spread } from './stats.js';

/** What the report needs beyond the main table's context. */
export interface ComparisonContext {
  title: string | null;
  methods: readonly MethodSpec[];
  /** Each method's config (seed 1), in the order of `methods`. */
  methodConfigs: readonly TrainConfig[];
  analysis: Analysis | null;
  runs: Record<string, RunResult[]>;
  reference: string;
  primary: string;
}

interface Where {
  problems: number;
  testData: string;
  totalSteps: number;
}

const ALPHA = 0.05;

/** The default two methods exactly (configs/compare-arith.yaml's comparison). */
export function isDefaultComparison(methods: readonly MethodSpec[]): boolean {
  return methods.length === DEFAULT_METHODS.length && methods.every((m, i) => JSON.stringify(m) === JSON.stringify(DEFAULT_METHODS[i]));
}

const labelOf = (c: ComparisonContext, name: string) => (name === ZERO_SHOT ? 'zero-shot (base)' : (c.methods.find((m) => m.name === name)?.label ?? name));
const signed = (x: number, d = 3) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;
const pText = (p: number | null | undefined) => (p === null || p === undefined || Number.isNaN(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));
const mm = (s: Spread | null, d = 1) => (s ? `${s.mean.toFixed(d)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : 'n/a');

export function primaryLine(c: ComparisonContext, w: Where): string {
  return (
    `Primary metric, named in the config before the runs: **${c.primary}** (the "accuracy (pass@1, greedy)" column) on ${w.problems} problems of ${w.testData}; ` +
    `every method is tested against **${labelOf(c, c.reference)}**, runs paired by seed. Sampled accuracy, pass@k, reflection and repairs are secondary.`
  );
}

function testRow(c: ComparisonContext, x: PairedComparison): string {
  const s = x.seedTest;
  if (!s) return `| ${labelOf(c, x.method)} | 0 | n/a | – | – | – | – | – | – |`;
  const diff = s.sdDiff === null ? signed(s.meanDiff) : `${signed(s.meanDiff)} ± ${s.sdDiff.toFixed(3)}`;
  const t = s.t === null ? '–' : `${Number.isFinite(s.t) ? s.t.toFixed(2) : s.t > 0 ? '+∞' : '−∞'} (${s.df})`;
  const mc = x.mcnemar!;
  const ci = `[${signed(x.bootstrap!.low)}, ${signed(x.bootstrap!.high)}]`;
  return `| ${labelOf(c, x.method)} | ${x.seeds.length} | ${diff} | ${t} | ${pText(s.p)} | ${pText(x.holmP)} | ${mc.aOnly} / ${mc.bOnly} | ${pText(mc.p)} | ${ci} |`;
}

function testsTable(c: ComparisonContext, a: Analysis): string[] {
  const ref = labelOf(c, a.reference);
  return [
    `## Paired tests against ${ref} (${a.primary})`,
    '',
    `| method | seeds paired | difference (mean ± sd over seeds) | t (df) | p (seeds) | p (Holm) | right only here / only in ${ref} | p (McNemar) | bootstrap 95% CI |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...a.comparisons.map((x) => testRow(c, x)),
    '',
  ];
}

function repairsTable(c: ComparisonContext, a: Analysis): string[] {
  const problems = a.repairs.find((r) => r.problems > 0)?.problems ?? 0;
  return [
    `## First vs last answer (greedy, per run of ${problems} problems: mean (min–max))`,
    '',
    '| method | runs | first \\boxed{} right | last \\boxed{} right | fixed (first wrong, last right) | broke (first right, last wrong) | net |',
    '|---|---|---|---|---|---|---|',
    ...a.repairs.map((r) => {
      const net = r.fixed && r.broke ? signed(r.fixed.mean - r.broke.mean, 1) : 'n/a';
      return `| ${labelOf(c, r.method)} | ${r.runs} | ${mm(r.firstRight)} | ${mm(r.lastRight)} | ${mm(r.fixed)} | ${mm(r.broke)} | ${net} |`;
    }),
    '',
  ];
}

function budgetTable(c: ComparisonContext, a: Analysis): string[] {
  return [
    '## Training budget used (per run: mean (min–max))',
    '',
    '| method | runs | steps | steps with an update | generated tokens (training) | matched to |',
    '|---|---|---|---|---|---|',
    ...a.budgets.map(
      (b) =>
        `| ${labelOf(c, b.method)} | ${b.runs} | ${mm(b.steps)} | ${mm(b.updateSteps)} | ${mm(b.generatedTokens, 0)} | ${b.matchTokensOf ? labelOf(c, b.matchTokensOf) : '–'} |`,
    ),
    '',
  ];
}

const listOf = (xs: string[]) => (xs.length === 0 ? 'none' : xs.join(', '));

/** "What it says": sentences built from the analysis and the runs, nothing else. */
export function whatItSays(c: ComparisonContext, a: Analysis): string[] {
  const ref = labelOf(c, a.reference);
  const tested = a.comparisons.filter((x) => x.seedTest?.p !== null && x.seedTest !== null && x.mcnemar !== null);
  const sig = (x: PairedComparison) => [x.seedTest!.p! < ALPHA, x.mcnemar!.p < ALPHA] as const;
  const name = (x: PairedComparison) => `${labelOf(c, x.method)} (${signed(x.seedTest!.meanDiff)})`;
  const both = tested.filter((x) => sig(x).every(Boolean));
  const one = tested.filter((x) => sig(x).filter(Boolean).length === 1);
  const neither = tested.filter((x) => !sig(x).some(Boolean));
  const lines = [
    `- ${a.primary} against ${ref}, p < ${ALPHA} by both the seed-paired t test and McNemar's test: ` +
      `higher: ${listOf(both.filter((x) => x.seedTest!.meanDiff > 0).map(name))}; lower: ${listOf(both.filter((x) => x.seedTest!.meanDiff < 0).map(name))}.`,
    `- By one of the two only: ${listOf(one.map((x) => `${name(x)}, p ${pText(x.seedTest!.p)} seeds / ${pText(x.mcnemar!.p)} McNemar`))}. By neither: ${listOf(neither.map(name))}.`,
    `- After Holm's correction over the ${a.comparisons.filter((x) => x.holmP !== null).length} seed tests, p < ${ALPHA}: ${listOf(a.comparisons.filter((x) => x.holmP !== null && x.holmP < ALPHA).map((x) => labelOf(c, x.method)))}. ` +
      `Bootstrap intervals that exclude 0: ${listOf(a.comparisons.filter((x) => x.bootstrap && (x.bootstrap.low > 0 || x.bootstrap.high < 0)).map((x) => labelOf(c, x.method)))}.`,
  ];
  if (tested.length < a.comparisons.length)
    lines.push(`- Not tested (fewer than two paired seeds): ${listOf(a.comparisons.filter((x) => !tested.includes(x)).map((x) => labelOf(c, x.method)))}.`);
  const refl = Object.entries(c.runs)
    .map(([m, rs]) => ({ m, xs: rs.flatMap((r) => (r.metrics ? [r.metrics.reflection_rate] : [])) }))
    .filter((x) => x.xs.length > 0)
    .map((x) => ({ m: x.m, v: x.xs.reduce((s, v) => s + v, 0) / x.xs.length }))
    .sort((p, q) => q.v - p.v);
  lines.push(`- Greedy reflection rate, highest first: ${refl.map((x) => `${labelOf(c, x.m)} ${x.v.toFixed(3)}`).join(', ')}.`);
  const net = a.repairs
    .filter((r) => r.fixed && r.broke)
    .map((r) => ({ m: r.method, v: r.fixed!.mean - r.broke!.mean }))
    .sort((p, q) => q.v - p.v);
  lines.push(`- Net repairs per run (fixed − broke, greedy), highest first: ${net.map((x) => `${labelOf(c, x.m)} ${signed(x.v, 1)}`).join(', ')}.`);
  return ['**What it says** (written from the numbers above, by src/compare/report.ts):', '', ...lines, ''];
}

/** The notes that say what each method is (overrides, compute matching, SFT) and how the tests are done. */
function methodNotes(c: ComparisonContext, a: Analysis | null, w: Where): string[] {
  const out = [
    '',
    'Methods (overrides of the base config; seeds 1..n as run.seed):',
    '',
    ...c.methods.map((m) => `- ${m.label} (\`${m.name}\`): ${describeOverrides(m)}`),
  ];
  c.methods.forEach((m, i) => {
    const cfg = c.methodConfigs[i];
    if (m.matchTokensOf !== null) {
      const missed = a?.budgets.find((b) => b.method === m.name)?.budgetMissed ?? [];
      out.push(
        `- ${m.label} (compute-matched): each seed trained until its generated tokens reached those of ${labelOf(c, m.matchTokensOf)}'s run of the same seed, ` +
          'stopping after that step (src/compare/budget.ts). Generated tokens are student rollout tokens with their end tokens, plus the tokens the teacher appended; ' +
          "prompts and the teacher's dropped tags are not counted (src/compare/run-facts.ts). They are the matched quantity because they are the dominant cost " +
          '(each is a decoding step, and the update runs forward and backward over them) and they scale with response length, which is what differs: reflecting responses are several times longer. ' +
          `Its run.totalSteps (${cfg.run.totalSteps}) is only a cap: the lr schedule is ${cfg.optim.schedule}` +
          `${cfg.optim.schedule === 'constant' ? ' (the same lr at every step)' : ` (warmup ${cfg.optim.warmupSteps} steps, then constant)`} and guidance is ` +
          `${cfg.guidance.enabled ? `on with decaySteps ${cfg.guidance.decaySteps}` : 'off'}, so neither depends on that cap.` +
          (missed.length ? ` Budget NOT reached before the cap on seeds ${missed.join(', ')}: raise its run.totalSteps.` : ''),
      );
    }
    if (cfg.run.objective === 'sft-guided') {
      const upd = a?.budgets.find((b) => b.method === m.name)?.updateSteps;
      out.push(
        `- ${m.label} (SFT baseline): run.objective sft-guided: rollouts and the teacher exactly as ThinkTuning's (same schedule and choice of rollouts), then token-mean cross-entropy on the ` +
          'teacher-augmented rollouts alone (student part, teacher part, end token), no RL term; a step without an augmented rollout makes no update' +
          (upd ? ` (${upd.mean.toFixed(1)} of ${cfg.run.totalSteps} steps updated, mean over seeds).` : '.'),
      );
    }
  });
  out.push(
    '',
    `Paired tests: seed s of a method against seed s of ${labelOf(c, c.reference)} (the same prompts at every step); zero-shot is one run, paired with every seed. ` +
      'Seeds: paired t test of the per-seed differences, two-sided, n − 1 degrees of freedom; Holm: adjusted over all rows of the table. ' +
      `McNemar: exact binomial test on the discordant (seed, problem) pairs, pooling seeds as if independent. Bootstrap: the ${w.problems} problems resampled with replacement ` +
      `(${BOOTSTRAP_DRAWS} draws, seed ${BOOTSTRAP_SEED}), each problem's difference averaged over seeds first; percentile 95% interval of the accuracy difference (src/compare/stats.ts).`,
  );
  return out;
}

/** Sections between the main table and its notes, and notes after the main table's own. */
export function comparisonSections(c: ComparisonContext, w: Where): { afterTable: string[]; notes: string[] } {
  const a = c.analysis;
  const afterTable = a ? [...testsTable(c, a), ...repairsTable(c, a), ...budgetTable(c, a), ...whatItSays(c, a)] : [];
  return { afterTable, notes: methodNotes(c, a, w) };
}

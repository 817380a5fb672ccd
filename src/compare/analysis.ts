/**
 * The numbers under a comparison's table, computed from results.json alone (so they can be recomputed
 * from the committed file): for every method against the reference on the primary metric, the paired
 * tests of stats.ts; per method, the first-vs-last-answer repairs and the training budget actually used.
 *
 * Pairing: run.seed s of a method with run.seed s of the reference (same prompts at every step). The
 * zero-shot model is one run, paired with every seed. Only seeds where both runs were evaluated count.
 * Per-problem tests pool the (seed, problem) pairs (McNemar) or average each problem over seeds first
 * (bootstrap, seed 0, 10000 draws).
 */
import { holm, mcnemarPaired, pairedBootstrap, pairedT, type Bootstrap, type McNemar, type PairedSeeds } from './stats.js';
import type { RunResult } from './jobs.js';
import { ZERO_SHOT, type MethodSpec } from './methods.js';
import { outcomes } from './per-problem.js';
import { spread, type Spread } from './stats.js';

export const BOOTSTRAP_DRAWS = 10000;
export const BOOTSTRAP_SEED = 0;

export interface PairedComparison {
  method: string;
  reference: string;
  /** Seeds paired (both evaluated). */
  seeds: number[];
  /** Paired t over seeds of the primary metric; null with no pair. */
  seedTest: PairedSeeds | null;
  /** Holm-adjusted seed-test p over all comparisons of the table. */
  holmP: number | null;
  mcnemar: McNemar | null;
  bootstrap: Bootstrap | null;
}

export interface RepairRow {
  method: string;
  runs: number;
  problems: number;
  /** Per run: greedy responses whose first / last \boxed{} is right, fixed (first wrong, last right), broke. */
  firstRight: Spread | null;
  lastRight: Spread | null;
  fixed: Spread | null;
  broke: Spread | null;
}

export interface BudgetRow {
  method: string;
  runs: number;
  steps: Spread | null;
  /** Steps that made an optimiser step. */
  updateSteps: Spread | null;
  generatedTokens: Spread | null;
  matchTokensOf: string | null;
  /** Seeds of a compute-matched method whose run reached run.totalSteps before its budget. */
  budgetMissed: number[];
}

export interface Analysis {
  primary: string;
  reference: string;
  comparisons: PairedComparison[];
  repairs: RepairRow[];
  budgets: BudgetRow[];
}

/** What analyse reads of results.json. */
export interface AnalysisInput {
  primary: string;
  reference: string;
  seeds: number[];
  methodSpecs: MethodSpec[];
  methods: Record<string, RunResult[]>;
}

const evaluatedRun = (r: RunResult) => r.metrics !== null && r.perProblem !== null;

/** The run of `method` for `seed` (zero-shot's one run for every seed), when it was evaluated. */
function runFor(runs: readonly RunResult[], method: string, seed: number): RunResult | undefined {
  const r = method === ZERO_SHOT ? runs[0] : runs.find((x) => x.seed === seed);
  return r && evaluatedRun(r) ? r : undefined;
}

function compareOne(input: AnalysisInput, method: string): Omit<PairedComparison, 'holmP'> {
  const ref = input.reference;
  const pairs = input.seeds
    .map((seed) => ({ seed, a: runFor(input.methods[method] ?? [], method, seed), b: runFor(input.methods[ref] ?? [], ref, seed) }))
    .filter((p): p is { seed: number; a: RunResult; b: RunResult } => p.a !== undefined && p.b !== undefined);
  if (pairs.length === 0) return { method, reference: ref, seeds: [], seedTest: null, mcnemar: null, bootstrap: null };
  const a = pairs.map((p) => outcomes(p.a.perProblem!.correct));
  const b = pairs.map((p) => outcomes(p.b.perProblem!.correct));
  const num = (xs: boolean[][]) => xs.map((row) => row.map((x) => (x ? 1 : 0)));
  return {
    method,
    reference: ref,
    seeds: pairs.map((p) => p.seed),
    seedTest: pairedT(
      pairs.map((p) => p.a.metrics!['pass@1']),
      pairs.map((p) => p.b.metrics!['pass@1']),
    ),
    mcnemar: mcnemarPaired(a, b),
    bootstrap: pairedBootstrap(num(a), num(b), { draws: BOOTSTRAP_DRAWS, seed: BOOTSTRAP_SEED }),
  };
}

const spreadOf = (xs: number[]): Spread | null => (xs.length ? spread(xs) : null);

function repairRow(method: string, runs: readonly RunResult[]): RepairRow {
  const rs = runs.filter((r) => r.repairs !== null).map((r) => r.repairs!);
  return {
    method,
    runs: rs.length,
    problems: rs[0]?.problems ?? 0,
    firstRight: spreadOf(rs.map((r) => r.firstRight)),
    lastRight: spreadOf(rs.map((r) => r.lastRight)),
    fixed: spreadOf(rs.map((r) => r.fixed)),
    broke: spreadOf(rs.map((r) => r.broke)),
  };
}

function budgetRow(spec: MethodSpec, runs: readonly RunResult[]): BudgetRow {
  const ok = runs.filter((r) => r.error === null);
  return {
    method: spec.name,
    runs: ok.length,
    steps: spreadOf(ok.map((r) => r.steps)),
    updateSteps: spreadOf(ok.flatMap((r) => (r.updateSteps === null ? [] : [r.updateSteps]))),
    generatedTokens: spreadOf(ok.flatMap((r) => (r.generatedTokens === null ? [] : [r.generatedTokens]))),
    matchTokensOf: spec.matchTokensOf,
    budgetMissed: ok.filter((r) => r.budgetReached === false).map((r) => r.seed!),
  };
}

export function analyse(input: AnalysisInput): Analysis {
  const others = [ZERO_SHOT, ...input.methodSpecs.map((m) => m.name)].filter((m) => m !== input.reference);
  const raw = others.map((m) => compareOne(input, m));
  const adjusted = holm(raw.map((c) => c.seedTest?.p ?? null));
  return {
    primary: input.primary,
    reference: input.reference,
    comparisons: raw.map((c, i) => ({ ...c, holmP: adjusted[i] })),
    repairs: [ZERO_SHOT, ...input.methodSpecs.map((m) => m.name)].map((m) => repairRow(m, input.methods[m] ?? [])),
    budgets: input.methodSpecs.map((m) => budgetRow(m, input.methods[m.name] ?? [])),
  };
}

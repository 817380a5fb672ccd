// Per-problem outcomes and repairs (per-problem.ts), the analysis of a comparison's runs (analysis.ts)
// and the table sections and "what it says" lines written from it (report.ts), on hand-made runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreProblem } from '../../src/eval/scoring.js';
import { outcomes, perProblem, repairs, sampledCounts } from '../../src/compare/per-problem.js';
import { analyse, type AnalysisInput } from '../../src/compare/analysis.js';
import { comparisonSections, whatItSays, type ComparisonContext } from '../../src/compare/report.js';
import type { RunResult } from '../../src/compare/jobs.js';
import type { MethodSpec } from '../../src/compare/methods.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { holm, mcnemarExact, pairedT } from '../../src/compare/stats.js';

const done = (text: string) => ({ text, terminated: true, tokens: 10 });

test('per-problem vectors and first-vs-last repairs of greedy responses', () => {
  const records = [
    scoreProblem({ id: 'a', question: 'q', answer: '7' }, done('3 + 3 = 6 \\boxed{6}\n\nWait, 3 + 4 = 7. \\boxed{7}'), [
      done('\\boxed{7}'),
      done('\\boxed{1}'),
    ]), // fixed
    scoreProblem({ id: 'b', question: 'q', answer: '6' }, done('\\boxed{6}\n\nWait, 3 + 4 = 7. \\boxed{7}'), [done('\\boxed{6}'), done('\\boxed{6}')]), // broke
    scoreProblem({ id: 'c', question: 'q', answer: '5' }, done('\\boxed{5}'), [done('\\boxed{2}'), done('\\boxed{3}')]), // right once
    scoreProblem({ id: 'd', question: 'q', answer: '5' }, { text: '\\boxed{5}', terminated: false, tokens: 16 }, [done('x'), done('y')]), // truncated: wrong both ways
  ];
  const p = perProblem(records);
  assert.deepEqual(p, { correct: '1010', first: '0110', reflected: '1100', sampled: '1200' });
  assert.deepEqual(outcomes(p.correct), [true, false, true, false]);
  assert.deepEqual(sampledCounts(p.sampled!), [1, 2, 0, 0]);
  assert.deepEqual(repairs(p), { problems: 4, firstRight: 2, lastRight: 2, fixed: 1, broke: 1 });
  assert.equal(perProblem(records.map((r) => ({ ...r, samples: undefined }))).sampled, undefined);
});

/** A run with greedy outcomes `bits` (and first answers equal to them unless given). */
function run(method: string, seed: number | null, bits: string, o: Partial<RunResult> = {}): RunResult {
  const acc = outcomes(bits).filter(Boolean).length / bits.length;
  const first = o.perProblem?.first ?? bits;
  const pp = { correct: bits, first, reflected: '0'.repeat(bits.length) };
  return {
    method,
    seed,
    metrics: { 'pass@1': acc, reflection_rate: method === 'tt' ? 1 : 0, mean_length: 20, termination_rate: 1, n: bits.length },
    trainSeconds: 1,
    evalSeconds: 1,
    runDir: null,
    checkpoint: null,
    steps: 10,
    error: null,
    startedAt: '',
    endedAt: '',
    generatedTokens: method === 'zero-shot' ? null : 1000,
    updateSteps: 10,
    tokenBudget: null,
    budgetReached: null,
    ...o,
    perProblem: pp,
    repairs: repairs(pp),
  };
}

const specs: MethodSpec[] = [
  { name: 'grpo', label: 'GRPO', set: { 'guidance.enabled': false }, matchTokensOf: null },
  { name: 'tt', label: 'ThinkTuning', set: {}, matchTokensOf: null },
  { name: 'same', label: 'Same', set: {}, matchTokensOf: null },
];

// 20 problems, 3 seeds. GRPO right on 5, 6, 5; ThinkTuning on 15, 18, 16 (a superset each time); "same" = GRPO.
const ones = (n: number) => '1'.repeat(n).padEnd(20, '0');
const input: AnalysisInput = {
  primary: 'greedy pass@1',
  reference: 'grpo',
  seeds: [1, 2, 3],
  methodSpecs: specs,
  methods: {
    'zero-shot': [run('zero-shot', null, ones(4))],
    grpo: [run('grpo', 1, ones(5)), run('grpo', 2, ones(6)), run('grpo', 3, ones(5))],
    tt: [run('tt', 1, ones(15), { perProblem: { correct: '', first: ones(5), reflected: '' } }), run('tt', 2, ones(18)), run('tt', 3, ones(16))],
    same: [run('same', 1, ones(5)), run('same', 2, ones(6)), run('same', 3, ones(5))],
  },
};

test('the analysis: seed-paired t, McNemar on (seed, problem) pairs, bootstrap, Holm, repairs, budgets', () => {
  const a = analyse(input);
  assert.deepEqual(
    a.comparisons.map((c) => c.method),
    ['zero-shot', 'tt', 'same'],
  );
  const tt = a.comparisons[1];
  assert.deepEqual(tt.seeds, [1, 2, 3]);
  // Differences 0.50, 0.60, 0.55 (10, 12, 11 problems more, never fewer).
  assert.deepEqual(tt.seedTest, pairedT([0.75, 0.9, 0.8], [0.25, 0.3, 0.25]));
  assert.ok(Math.abs(tt.seedTest!.meanDiff - 0.55) < 1e-12);
  assert.deepEqual([tt.mcnemar!.aOnly, tt.mcnemar!.bOnly, tt.mcnemar!.pairs], [33, 0, 60]);
  assert.equal(tt.mcnemar!.p, mcnemarExact(33, 0).p);
  assert.ok(Math.abs(tt.bootstrap!.diff - 0.55) < 1e-12 && tt.bootstrap!.low > 0.3 && tt.bootstrap!.high <= 1);
  // Zero-shot is one run paired with every seed: differences 4-5, 4-6, 4-5 problems.
  const zs = a.comparisons[0];
  assert.deepEqual(zs.seedTest, pairedT([0.2, 0.2, 0.2], [0.25, 0.3, 0.25]));
  assert.deepEqual([zs.mcnemar!.aOnly, zs.mcnemar!.bOnly], [0, 4]);
  // Identical to the reference: p 1 everywhere, interval [0, 0].
  const same = a.comparisons[2];
  assert.deepEqual([same.seedTest!.p, same.mcnemar!.p, same.bootstrap!.low, same.bootstrap!.high, same.holmP], [1, 1, 0, 0, 1]);
  // Holm over the three seed tests.
  assert.deepEqual(
    a.comparisons.map((c) => c.holmP),
    holm(a.comparisons.map((c) => c.seedTest!.p)),
  );
  assert.ok(Math.abs(tt.holmP! - 3 * tt.seedTest!.p!) < 1e-12, 'the smallest p is multiplied by the number of tests');
  // Repairs: ThinkTuning seed 1's first answers were right on 5, its last on 15: fixed 10.
  const rt = a.repairs.find((r) => r.method === 'tt')!;
  assert.deepEqual([rt.runs, rt.problems, rt.fixed!.max, rt.fixed!.min, rt.broke!.max], [3, 20, 10, 0, 0]);
  assert.deepEqual(
    a.budgets.map((b) => [b.method, b.runs, b.generatedTokens!.mean, b.budgetMissed]),
    [
      ['grpo', 3, 1000, []],
      ['tt', 3, 1000, []],
      ['same', 3, 1000, []],
    ],
  );
});

test('a failed or missing run leaves its seed out of the pairs', () => {
  const broken: AnalysisInput = {
    ...input,
    methods: { ...input.methods, tt: [{ ...input.methods.tt[0], metrics: null, perProblem: null, repairs: null, error: 'boom' }, input.methods.tt[2]] },
  };
  const tt = analyse(broken).comparisons[1];
  assert.deepEqual(tt.seeds, [3]);
  assert.equal(tt.seedTest!.p, null, 'one pair: no t test');
  assert.equal(tt.mcnemar!.pairs, 20);
});

function context(): ComparisonContext {
  const base = parseTrainConfig({});
  return {
    title: null,
    methods: specs,
    methodConfigs: specs.map(() => base),
    analysis: analyse(input),
    runs: input.methods,
    reference: 'grpo',
    primary: 'greedy pass@1',
  };
}

test('"what it says" is written from the numbers: which differences have p < 0.05 by both tests', () => {
  const c = context();
  const lines = whatItSays(c, c.analysis!);
  assert.match(
    lines[2],
    /^- greedy pass@1 against GRPO, p < 0\.05 by both the seed-paired t test and McNemar's test: higher: ThinkTuning \(\+0\.550\); lower: none\.$/,
  );
  // Zero-shot: seed p 0.18 (differences -0.05, -0.10, -0.05), McNemar 0 / 4: p 0.125, so neither.
  assert.match(lines[3], /^- By one of the two only: none\. By neither: zero-shot \(base\) \(−0\.067\), Same \(\+0\.000\)\.$/);
  // Zero-shot's interval reaches 0: 12% of resamples miss both problems where it differs.
  assert.match(lines[4], /After Holm's correction over the 3 seed tests, p < 0\.05: ThinkTuning\. Bootstrap intervals that exclude 0: ThinkTuning\./);
  assert.match(lines[5], /^- Greedy reflection rate, highest first: ThinkTuning 1\.000, /);
  assert.match(lines[6], /^- Net repairs per run \(fixed − broke, greedy\), highest first: ThinkTuning \+3\.3, /);
});

test('the sections: paired tests with their columns, repairs, budgets, and notes for compute-matched and SFT methods', () => {
  const c = context();
  const matched: MethodSpec = {
    name: 'grpo-matched',
    label: 'GRPO (matched)',
    set: { 'guidance.enabled': false, 'run.totalSteps': 2000 },
    matchTokensOf: 'tt',
  };
  const sft: MethodSpec = { name: 'sft', label: 'SFT', set: { 'run.objective': 'sft-guided' }, matchTokensOf: null };
  const methods = [...specs, matched, sft];
  const configs = [
    ...c.methodConfigs,
    parseTrainConfig({ guidance: { enabled: false }, run: { totalSteps: 2000 } }),
    parseTrainConfig({ run: { objective: 'sft-guided' } }),
  ];
  const withMatched = analyse({
    ...input,
    methodSpecs: methods,
    methods: { ...input.methods, 'grpo-matched': [run('grpo-matched', 1, ones(5), { budgetReached: false, tokenBudget: 9 })], sft: [] },
  });
  const s = comparisonSections({ ...c, methods, methodConfigs: configs, analysis: withMatched }, { problems: 20, testData: 'arith-test', totalSteps: 150 });
  const text = [...s.afterTable, ...s.notes].join('\n');
  assert.match(text, /^\| ThinkTuning \| 3 \| \+0\.550 ± 0\.050 \| 19\.05 \(2\) \| 0\.003 \| 0\.008 \| 33 \/ 0 \| <0\.001 \| \[\+0\.\d{3}, \+0\.\d{3}\] \|$/m);
  // Seed 1 first right on 5, last on 15 (fixed 10); seeds 2 and 3 answer once (18 and 16).
  assert.match(text, /^\| ThinkTuning \| 3 \| 13\.0 \(5–18\) \| 16\.3 \(15–18\) \| 3\.3 \(0–10\) \| 0\.0 \(0–0\) \| \+3\.3 \|$/m);
  assert.match(text, /^\| GRPO \(matched\) \| 1 \| 10\.0 \(10–10\) \| 10\.0 \(10–10\) \| 1000 \(1000–1000\) \| ThinkTuning \|$/m);
  assert.match(text, /GRPO \(matched\) \(compute-matched\): each seed trained until its generated tokens reached those of ThinkTuning's run of the same seed/);
  assert.match(
    text,
    /Its run\.totalSteps \(2000\) is only a cap: the lr schedule is constant \(the same lr at every step\) and guidance is off, so neither depends on that cap\. Budget NOT reached before the cap on seeds 1: raise its run\.totalSteps\./,
  );
  assert.match(text, /SFT \(SFT baseline\): run\.objective sft-guided: .* a step without an augmented rollout makes no update\./);
  assert.match(text, /^- GRPO \(matched\) \(`grpo-matched`\): guidance\.enabled=false, run\.totalSteps=2000, generated tokens matched to tt$/m);
});

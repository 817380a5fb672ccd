// `thinktune compare` with a method list on the micro budget of compare.test.ts: results keyed by
// method name, a compute-matched method trained to its target's generated tokens of the same seed (in
// this process and as a `--train-job` child, with the same result), the SFT baseline, and the CLI's
// --method / --reference flags.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { writeMicroCompareConfig } from '../helpers/micro-compare.js';
import { loadTrainConfig } from '../../src/config/train-config.js';
import { resultsTable, runComparison } from '../../src/compare/compare.js';
import { analyse } from '../../src/compare/analysis.js';
import type { MethodSpec } from '../../src/compare/methods.js';

const backendName = process.env.THINKTUNE_TEST_BACKEND ?? 'wasm';
let work = '';
let configFile = '';
before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'thinktune-compare-methods-'));
  configFile = writeMicroCompareConfig(work, 5);
});

const m = (name: string, set: Record<string, unknown>, matchTokensOf: string | null = null): MethodSpec => ({
  name,
  label: name.toUpperCase(),
  set,
  matchTokensOf,
});
// The matched method samples shorter answers (8 tokens, not 16), so it needs more steps for the same tokens.
const matched = m('gm', { 'guidance.enabled': false, 'grpo.maxNewTokens': 8, 'run.totalSteps': 20 }, 'tt');
const METHODS = [
  m('gm', matched.set, 'tt'),
  m('grpo', { 'guidance.enabled': false }),
  m('tt', { 'guidance.enabled': true }),
  m('sft', { 'run.objective': 'sft-guided' }),
];

test('a method list in this process: keyed by name, the matched run trains to its budget, SFT runs', { timeout: 120_000 }, async () => {
  const outDir = join(work, 'in-process');
  const lines: string[] = [];
  const res = await runComparison({
    config: loadTrainConfig(configFile),
    methods: METHODS,
    reference: 'grpo',
    seeds: 1,
    outDir,
    limit: 2,
    command: 'micro methods',
    log: (l) => lines.push(l),
  });
  assert.deepEqual(Object.keys(res.methods), ['zero-shot', 'gm', 'grpo', 'tt', 'sft']);
  const [gm] = res.methods.gm;
  const [tt] = res.methods.tt;
  assert.equal(tt.error, null);
  assert.equal(gm.error, null, gm.error ?? '');
  assert.equal(gm.tokenBudget, tt.generatedTokens);
  assert.equal(gm.budgetReached, true);
  assert.ok(
    gm.generatedTokens! >= gm.tokenBudget! && gm.generatedTokens! < gm.tokenBudget! + 2 * 2 * 9,
    `${gm.generatedTokens} for a budget of ${gm.tokenBudget}`,
  );
  assert.ok(gm.steps > 2 && gm.steps < 20, `${gm.steps} steps`);
  // The matched run started only after its budget's run had ended.
  assert.ok(Date.parse(gm.startedAt) >= Date.parse(tt.endedAt));
  assert.ok(
    lines.some((l) => /^\[gm seed 1\] done after step \d+ \(completed: generated-token budget reached, \d+ >= \d+ tokens\)$/.test(l)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => /^\[gm seed 1\] done: \d+ steps in [\d.]+ s \(\d+ generated tokens, budget \d+\); pass@1/.test(l)));
  const [sft] = res.methods.sft;
  assert.equal(sft.error, null);
  assert.equal(JSON.parse(readFileSync(join(sft.runDir!, 'config.json'), 'utf8')).run.objective, 'sft-guided');
  assert.equal(typeof sft.updateSteps, 'number');
  const md = readFileSync(join(outDir, 'table.md'), 'utf8');
  assert.match(md, /^# Zero-shot vs GM vs GRPO vs TT vs SFT$/m);
  assert.match(md, /^\| GM \| 1 \| \d+\.0 \(\d+–\d+\) \| \d+\.0 \(\d+–\d+\) \| \d+ \(\d+–\d+\) \| TT \|$/m);
  assert.match(md, /GM \(compute-matched\): each seed trained until its generated tokens reached those of TT's run of the same seed/);
  assert.match(md, /^- SFT \(SFT baseline\): /m);
  const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  assert.deepEqual(
    saved.methodSpecs.map((x: MethodSpec) => x.name),
    ['gm', 'grpo', 'tt', 'sft'],
  );
  assert.deepEqual(
    saved.analysis.comparisons.map((c: { method: string }) => c.method),
    ['zero-shot', 'gm', 'tt', 'sft'],
  );
  // The whole table again from results.json alone; with runs missing, it says it is partial.
  assert.equal(resultsTable(saved, null), md);
  const cut = { ...saved, methods: { ...saved.methods, sft: [] } };
  const partial = resultsTable({ ...cut, analysis: analyse(cut) }, null);
  assert.match(partial.split('\n')[2], /^\*\*Partial: 4 of 5 runs had finished when this table was written\*\*/);
});

test('--jobs 2: the matched run is a --train-job child and gives the in-process numbers', { timeout: 180_000 }, async () => {
  const outDir = join(work, 'children');
  const res = await runComparison({
    config: loadTrainConfig(configFile),
    methods: [METHODS[2], METHODS[0]],
    reference: 'tt',
    seeds: 1,
    outDir,
    limit: 2,
    jobs: 2,
    command: 'micro jobs',
    backend: { name: backendName, reason: 'test' },
  });
  const [gm] = res.methods.gm;
  assert.equal(gm.error, null, gm.error ?? '');
  assert.ok(readFileSync(join(outDir, 'jobs', 'gm-seed1.job.json'), 'utf8').includes('"budget"'));
  const inProcess = JSON.parse(readFileSync(join(work, 'in-process', 'results.json'), 'utf8')).methods.gm[0];
  assert.deepEqual([gm.steps, gm.generatedTokens, gm.tokenBudget, gm.budgetReached], [inProcess.steps, inProcess.generatedTokens, inProcess.tokenBudget, true]);
  assert.deepEqual(gm.perProblem, inProcess.perProblem);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

test('--method and --reference on the command line; a wrong one is one line before anything runs', { timeout: 60_000 }, () => {
  const out = join(work, 'cli');
  const r = cli(
    'compare',
    '--config',
    configFile,
    '--seeds',
    '1',
    '--limit',
    '1',
    '--out',
    out,
    '--method',
    'plain:guidance.shaping=plain,label=Plain',
    '--method',
    'luffy:guidance.shaping=luffy',
    '--reference',
    'plain',
  );
  assert.equal(r.status, 0, r.stderr);
  const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.deepEqual(Object.keys(saved.methods), ['zero-shot', 'plain', 'luffy']);
  assert.equal(saved.reference, 'plain');
  assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /^## Paired tests against Plain \(greedy pass@1\)$/m);
  const bad = cli('compare', '--config', configFile, '--out', join(work, 'never'), '--method', 'a:guidance.shaping=luffy', '--reference', 'grpo');
  assert.equal(bad.status, 1);
  assert.equal(
    bad.stderr.trim().split('\n').pop(),
    'thinktune: compare: reference grpo is not one of the methods (zero-shot, a); set reference to one of them',
  );
});

// `thinktune compare` on a micro budget: tiny random model, 2 steps, G=2, 2 prompts per step, 3 test
// problems. Checks the three methods, identical budgets, the results folder and the CLI's errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { writeMicroCompareConfig } from '../helpers/micro-compare.js';
import { loadTrainConfig } from '../../src/config/train-config.js';
import { methodConfig, runComparison, testDataSpec } from '../../src/compare/compare.js';
import { parseProgressLine } from '../helpers/progress-lines.js';

let work = '';
let configFile = '';
before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'thinktune-compare-'));
  configFile = writeMicroCompareConfig(work, 5);
});

const readJsonl = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('method configs differ only in guidance.enabled and run.seed', () => {
  const base = loadTrainConfig(configFile);
  const grpo = methodConfig(base, 'grpo', 2);
  const tt = methodConfig(base, 'thinktuning', 2);
  assert.equal(grpo.guidance.enabled, false);
  assert.equal(tt.guidance.enabled, true);
  assert.deepEqual({ ...tt, guidance: { ...tt.guidance, enabled: false } }, grpo);
  assert.equal(grpo.run.seed, 2);
  assert.equal(testDataSpec(base), 'arith-test');
  // A JSONL task's data.file holds its training problems: compare asks for held-out ones instead.
  const gsm = loadTrainConfig(configFile, ['data.task=gsm8k', 'data.file=x.jsonl']);
  assert.throws(() => testDataSpec(gsm), /data\.task is gsm8k; pass --test-data FILE with held-out problems/);
  assert.equal(testDataSpec(gsm, 'held-out.jsonl'), 'held-out.jsonl');
});

test('zero-shot, GRPO and ThinkTuning over 2 seeds give results.json and table.md', { timeout: 60_000 }, async () => {
  const outDir = join(work, 'results');
  const lines: string[] = [];
  const res = await runComparison({
    config: loadTrainConfig(configFile),
    seeds: 2,
    outDir,
    limit: 3,
    command: 'thinktune compare --micro',
    log: (l) => lines.push(l),
  });

  assert.deepEqual(Object.keys(res.methods), ['zero-shot', 'grpo', 'thinktuning']);
  assert.equal(res.methods['zero-shot'].length, 1);
  for (const m of ['grpo', 'thinktuning'] as const) {
    assert.deepEqual(
      res.methods[m].map((r) => r.seed),
      [1, 2],
    );
    for (const r of res.methods[m]) {
      assert.equal(r.error, null);
      assert.equal(r.steps, 2);
      assert.equal(r.metrics!.n, 3);
      assert.ok(r.metrics!['pass@1'] >= 0 && r.metrics!['pass@1'] <= 1);
      assert.ok(r.trainSeconds > 0);
      assert.ok(existsSync(join(r.checkpoint!, 'model.safetensors')), r.checkpoint!);
      // The trainer's own record of the run: its config, and guidance on exactly when ThinkTuning runs.
      const cfg = JSON.parse(readFileSync(join(r.runDir!, 'config.json'), 'utf8'));
      assert.equal(cfg.guidance.enabled, m === 'thinktuning');
      assert.equal(cfg.run.seed, r.seed);
      assert.equal(cfg.run.totalSteps, 2);
      const steps = readJsonl(join(r.runDir!, 'metrics.jsonl'));
      assert.equal(steps.length, 2);
      for (const s of steps) assert.equal(s['guidance/pct'] > 0, m === 'thinktuning');
    }
  }
  // In this process the runs go one after another: each starts no earlier than the one before it ended.
  const order = [...res.methods['zero-shot'], ...[1, 2].flatMap((seed) => [res.methods.grpo[seed - 1], res.methods.thinktuning[seed - 1]])];
  for (const [i, r] of order.entries()) {
    assert.ok(Date.parse(r.startedAt) <= Date.parse(r.endedAt), `${r.method} ${r.startedAt}..${r.endedAt}`);
    if (i > 0) assert.ok(Date.parse(r.startedAt) >= Date.parse(order[i - 1].endedAt), `${r.method} seed ${r.seed} overlaps the run before it`);
  }
  // Each run's train lines with its tag (the headless format, as --jobs relays them), one line per finished run.
  assert.equal(lines.filter((l) => / step \d\/2 /.test(l)).length, 8);
  const grpo1 = lines.filter((l) => l.startsWith('[grpo seed 1] ')).map((l) => l.slice('[grpo seed 1] '.length));
  assert.deepEqual(
    grpo1.map((l) => parseProgressLine(l)).filter((p) => p?.kind === 'step'),
    [
      { kind: 'step', done: 1, total: 2 },
      { kind: 'step', done: 2, total: 2 },
    ],
  );
  assert.ok(grpo1.includes('done after step 2 (completed)'), grpo1.join('\n'));
  assert.equal(lines.filter((l) => /^\[(grpo|thinktuning) seed \d\] done: 2 steps/.test(l)).length, 4);

  const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  assert.equal(saved.command, 'thinktune compare --micro');
  assert.deepEqual(saved.test, {
    data: 'arith-test',
    difficulty: res.config.data.difficulty,
    problems: 3,
    maxNewTokens: 16,
    samples: 1,
    temperature: null,
    ids: res.test.ids,
  });
  assert.equal(saved.test.ids.length, 3);
  // Every evaluated run keeps its per-problem outcomes (one character per problem) for the paired tests.
  for (const r of [...saved.methods['zero-shot'], ...saved.methods.grpo, ...saved.methods.thinktuning]) {
    assert.match(r.perProblem.correct, /^[01]{3}$/);
    assert.match(r.perProblem.first, /^[01]{3}$/);
    assert.equal(r.repairs.problems, 3);
  }
  assert.equal(saved.primary, 'greedy pass@1');
  assert.equal(saved.reference, 'grpo');
  assert.deepEqual(
    saved.analysis.comparisons.map((c: { method: string }) => c.method),
    ['zero-shot', 'thinktuning'],
  );
  for (const r of [...saved.methods.grpo, ...saved.methods.thinktuning]) assert.ok(r.generatedTokens > 0 && r.tokenBudget === null, r.method);
  assert.equal(saved.config.run.totalSteps, 2);
  assert.deepEqual(
    saved.summary.map((r: { method: string; runs: number }) => [r.method, r.runs]),
    [
      ['zero-shot', 1],
      ['grpo', 2],
      ['thinktuning', 2],
    ],
  );
  assert.equal(saved.summary[0].columns['pass@1'].std, 0);

  const md = readFileSync(join(outDir, 'table.md'), 'utf8');
  // The main table: the first table of the file (the paired tests, repairs and budgets follow it).
  const mdLines = md.split('\n');
  const first = mdLines.findIndex((l) => l.startsWith('| method |'));
  const rows = mdLines.slice(first + 2, mdLines.indexOf('', first)).filter((l) => /^\| (zero-shot|GRPO|ThinkTuning)/.test(l));
  assert.equal(rows.length, 3);
  assert.ok(mdLines.findIndex((l) => l.includes('Primary metric')) < first, 'the primary metric is named before any number');
  assert.match(md, /^## Paired tests against GRPO \(greedy pass@1\)$/m);
  assert.match(md, /^\| ThinkTuning \| 2 \| [+−]\d\.\d{3} ± \d\.\d{3} \|/m);
  for (const row of rows) assert.match(row, /^\| .+ \| (once|2) \|( \d+\.\d+ ± \d+\.\d+ \(\d+\.\d+–\d+\.\d+\) \|){4}$/);
  assert.match(md, /```\nthinktune compare --micro\n```/);

  await assert.rejects(runComparison({ config: loadTrainConfig(configFile), seeds: 1, outDir, limit: 3, command: 'again' }), /already holds results\.json/);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

test('thinktune compare records its command line; bad arguments are one line', { timeout: 60_000 }, () => {
  const out = join(work, 'cli-results');
  const r = cli('compare', '--config', configFile, '--seeds', '1', '--limit', '2', '--out', out, '--set', 'optim.lr=0.001');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\[zero-shot\] done: pass@1/m);
  assert.match(r.stdout, /^\[thinktuning seed 1\] done: 2 steps/m);
  const saved = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.equal(saved.command, `thinktune compare --config ${configFile} --seeds 1 --limit 2 --out ${out} --set optim.lr=0.001`);
  assert.equal(saved.config.optim.lr, 0.001);
  assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /\| GRPO \| 1 \| \d\.\d{3} ± – \(/);

  const badSeeds = cli('compare', '--config', configFile, '--seeds', '0', '--out', join(work, 'x'));
  assert.equal(badSeeds.status, 1);
  assert.match(badSeeds.stderr.trim().split('\n').pop()!, /^thinktune: --seeds must be a whole number >= 1/);
  const badKey = cli('compare', '--config', configFile, '--set', 'grpo.nope=1', '--out', join(work, 'y'));
  assert.equal(badKey.status, 1);
  assert.match(badKey.stderr.trim().split('\n').pop()!, /^thinktune: .*grpo\.nope/);
});

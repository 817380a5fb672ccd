// `thinktune compare --jobs N`: runs as concurrent child processes (train + eval children), on the micro
// budget of compare.test.ts. Checks the pool, the results.json shape, overlap in time, a failed child
// recorded as one line while the others go on, equal numbers to an in-process evaluation, and --jobs errors.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';
import { loadTrainConfig } from '../../src/config/train-config.js';
import { runComparison } from '../../src/compare/compare.js';
import { runPool } from '../../src/compare/pool.js';
import { evaluateModel } from '../../src/eval/evaluate.js';
import { loadModel } from '../../src/model/io.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { perProblem } from '../../src/compare/per-problem.js';

const backendName = process.env.THINKTUNE_TEST_BACKEND ?? 'wasm';
let work = '';
let configFile = '';
let modelDir = '';
before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'thinktune-compare-jobs-'));
  modelDir = saveTinyModel(5);
  configFile = join(work, 'micro.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      model: { checkpoint: modelDir },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 2, maxNewTokens: 16 },
      teacher: { maxNewTokens: 16 },
      guidance: { decaySteps: 10 },
      run: { totalSteps: 2, saveEvery: 0 },
    }),
  );
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('runPool keeps at most N tasks in flight and returns results in list order', async () => {
  let inFlight = 0;
  let most = 0;
  const finished: number[] = [];
  const delays = [30, 5, 20, 5, 10];
  const tasks = delays.map((ms, i) => async () => {
    most = Math.max(most, ++inFlight);
    await sleep(ms);
    inFlight--;
    return i * 10;
  });
  const out = await runPool(tasks, 2, (_r, i) => finished.push(i));
  assert.deepEqual(out, [0, 10, 20, 30, 40]);
  assert.equal(most, 2);
  assert.deepEqual([...finished].sort(), [0, 1, 2, 3, 4]);
  assert.notDeepEqual(finished, [0, 1, 2, 3, 4], 'task 0 is the slowest, so it cannot finish first');
  assert.deepEqual(await runPool([async () => 1], 4), [1]);
  await assert.rejects(runPool(tasks, 0), /limit must be a whole number >= 1/);
});

const RUN_KEYS = [
  'budgetReached',
  'checkpoint',
  'endedAt',
  'error',
  'evalSeconds',
  'generatedTokens',
  'method',
  'metrics',
  'perProblem',
  'repairs',
  'runDir',
  'seed',
  'startedAt',
  'steps',
  'tokenBudget',
  'trainSeconds',
  'updateSteps',
];

test('--jobs 2: runs overlap as child processes; a failed child is one line and the others finish', { timeout: 90_000 }, async () => {
  const outDir = join(work, 'results');
  // Make ThinkTuning's run folder unwritable (a file where the folder should be): its train child fails at start.
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  writeFileSync(join(outDir, 'runs', 'thinktuning-seed1'), 'not a folder');
  const lines: string[] = [];
  const config = loadTrainConfig(configFile);
  const res = await runComparison({
    config,
    seeds: 1,
    outDir,
    limit: 3,
    jobs: 2,
    samples: 2,
    command: 'thinktune compare --jobs 2 --samples 2',
    backend: { name: backendName, reason: 'test' },
    log: (l) => lines.push(l),
  });

  const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
  assert.deepEqual(Object.keys(saved), [
    'command',
    'created',
    'outDir',
    'primary',
    'reference',
    'test',
    'seeds',
    'config',
    'methodSpecs',
    'methods',
    'summary',
    'analysis',
  ]);
  assert.deepEqual(Object.keys(saved.methods), ['zero-shot', 'grpo', 'thinktuning']);
  for (const m of ['zero-shot', 'grpo', 'thinktuning']) {
    assert.equal(saved.methods[m].length, 1, m);
    assert.deepEqual(Object.keys(saved.methods[m][0]).sort(), RUN_KEYS, m);
  }
  assert.deepEqual(saved.test, {
    data: 'arith-test',
    difficulty: config.data.difficulty,
    problems: 3,
    maxNewTokens: 16,
    samples: 2,
    temperature: config.grpo.temperature,
    ids: res.test.ids,
  });

  const [zero] = res.methods['zero-shot'];
  const [grpo] = res.methods.grpo;
  const [tt] = res.methods.thinktuning;
  // The zero-shot child evaluates exactly what an in-process evaluation does (greedy and 2 samples at the
  // training temperature, same problems, same evaluation seed).
  const problems = loadProblems('arith-test', { count: 3, difficulty: config.data.difficulty }).slice(0, 3);
  const { model, tokenizer } = await loadModel(modelDir);
  const inProcess = await evaluateModel(model, tokenizer!, problems, { maxNewTokens: 16, samples: 2, temperature: config.grpo.temperature });
  model.dispose();
  assert.deepEqual(zero.metrics, inProcess.metrics);
  assert.equal(zero.error, null);
  // ...and its per-problem outcomes come back from the child's --out file: greedy, first answer, sampled counts.
  assert.deepEqual(zero.perProblem, perProblem(inProcess.records));
  assert.match(zero.perProblem!.sampled!, /^[0-2]{3}$/);

  assert.equal(grpo.error, null);
  assert.equal(grpo.steps, 2);
  assert.equal(grpo.metrics!.n, 3);
  assert.ok(grpo.trainSeconds > 0 && grpo.evalSeconds > 0);
  assert.ok(existsSync(join(grpo.checkpoint!, 'model.safetensors')), grpo.checkpoint!);
  const cfg = JSON.parse(readFileSync(join(grpo.runDir!, 'config.json'), 'utf8'));
  assert.deepEqual([cfg.guidance.enabled, cfg.run.seed, cfg.run.totalSteps], [false, 1, 2]);

  assert.equal(tt.metrics, null);
  assert.match(tt.error!, /^cannot write run folder .*thinktuning-seed1/);
  assert.ok(!tt.error!.includes('\n'));

  // Two runs overlapped: the later start came before the earlier end.
  const span = (r: { startedAt: string; endedAt: string }) => [Date.parse(r.startedAt), Date.parse(r.endedAt)];
  const [[s0, e0], [s1, e1]] = [span(zero), span(grpo)];
  assert.ok(s0 <= e0 && s1 <= e1);
  assert.ok(Math.max(s0, s1) < Math.min(e0, e1), `zero-shot ${zero.startedAt}..${zero.endedAt}, grpo ${grpo.startedAt}..${grpo.endedAt}`);

  // Child lines relayed with the run's tag; one line per finished run.
  assert.equal(lines.filter((l) => /^\[grpo seed 1\] step \d\/2 /.test(l)).length, 2);
  assert.ok(lines.includes('[zero-shot] eval 3/3'));
  assert.equal(lines.filter((l) => /^\[grpo seed 1\] done: 2 steps in \d+\.\d s; pass@1/.test(l)).length, 1);
  assert.equal(lines.filter((l) => /^\[thinktuning seed 1\] failed after .*: cannot write run folder/.test(l)).length, 1);

  const md = readFileSync(join(outDir, 'table.md'), 'utf8');
  assert.match(md, /^\| GRPO \| 1 \| \d\.\d{3} ± – \(/m);
  assert.match(md, /^\| ThinkTuning \| 0 \(\+1 failed\) \| n\/a /m);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

test('--jobs must be a whole number >= 1 (one line)', async () => {
  for (const bad of ['0', '1.5', 'two']) {
    const r = cli('compare', '--config', configFile, '--jobs', bad, '--out', join(work, `bad-${bad}`));
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').pop(), `thinktune: --jobs must be a whole number >= 1 (got "${bad}")`);
    assert.ok(!existsSync(join(work, `bad-${bad}`)));
  }
  await assert.rejects(
    runComparison({ config: loadTrainConfig(configFile), seeds: 1, outDir: join(work, 'lib-bad'), jobs: 0, command: 'x' }),
    /jobs must be a whole number >= 1, got 0/,
  );
});

// evaluateModel on a tiny random model, and `thinktune eval` as the dashboard runs it (a child process
// printing JSON lines).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';
import { evaluateModel } from '../../src/eval/evaluate.js';
import { generate } from '../../src/engine/generate.js';
import { loadModel } from '../../src/model/io.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { studentPrompt } from '../../src/tasks/arith.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { EvalQueue } from '../../ui/eval/runner.js';

let modelDir = '';
before(async () => {
  await useTestBackend();
  modelDir = saveTinyModel(3);
});

const problems = () => loadProblems('arith-test', { count: 5 });

test('metrics agree with the per-problem records and stay in range', async () => {
  const { model, tokenizer } = await loadModel(modelDir);
  const progress: string[] = [];
  const r = await evaluateModel(model, tokenizer!, problems(), {
    samples: 3,
    maxNewTokens: 12,
    batchPrompts: 2,
    onProgress: (d, t) => progress.push(`${d}/${t}`),
  });
  assert.deepEqual(progress, ['2/5', '4/5', '5/5']);
  assert.deepEqual(Object.keys(r.metrics), [
    'pass@1',
    'maj@3',
    'pass@3',
    'mean@3',
    'reflection_rate',
    'sampled_reflection_rate',
    'mean_length',
    'termination_rate',
    'n',
  ]);
  assert.equal(r.metrics.n, 5);
  for (const k of ['pass@1', 'maj@3', 'pass@3', 'mean@3', 'reflection_rate', 'sampled_reflection_rate', 'termination_rate']) {
    assert.ok(r.metrics[k] >= 0 && r.metrics[k] <= 1, `${k} = ${r.metrics[k]}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.equal(r.metrics.mean_length, mean(r.records.map((x) => x.length)));
  assert.equal(r.metrics.termination_rate, mean(r.records.map((x) => (x.terminated ? 1 : 0))));
  assert.equal(r.metrics['pass@1'], mean(r.records.map((x) => (x.correct ? 1 : 0))));
  assert.equal(r.metrics['mean@3'], mean(r.records.flatMap((x) => x.samples!.correct.map((c) => (c ? 1 : 0)))));
  assert.ok(r.metrics['pass@3'] >= r.metrics['mean@3'], 'one of three is right at least as often as one sample');
  for (const x of r.records) {
    assert.ok(x.length >= 1 && x.length <= 12);
    if (!x.terminated) assert.equal(x.length, 12, 'a response that did not end used the whole budget');
    assert.equal(x.samples!.responses.length, 3);
  }
  assert.deepEqual(
    r.records.map((x) => x.id),
    problems().map((p) => p.id),
  );
  model.dispose();
});

test("the greedy response is the model's continuation of studentPrompt(question) after BOS", async () => {
  const { model, tokenizer } = await loadModel(modelDir);
  const tok = tokenizer!;
  const [p] = problems();
  const r = await evaluateModel(model, tok, [p], { maxNewTokens: 10 });
  const ids = [tok.bosId!, ...tok.encode(studentPrompt(p.question))];
  const [g] = generate(model, [ids], { maxNewTokens: 10, numSamples: 1, stopTokens: [tok.eosId], temperature: 0, topP: 1, rng: Math.random });
  const body = g.finished ? g.tokens.slice(0, -1) : g.tokens;
  assert.equal(r.records[0].response, tok.decode(body, { skipSpecial: true }));
  assert.equal(r.records[0].length, g.tokens.length);
  model.dispose();
});

test('greedy results do not depend on the samples; samples repeat for a seed', async () => {
  const { model, tokenizer } = await loadModel(modelDir);
  const opts = { maxNewTokens: 8, batchPrompts: 3 };
  const greedy = await evaluateModel(model, tokenizer!, problems(), opts);
  const a = await evaluateModel(model, tokenizer!, problems(), { ...opts, samples: 2, seed: 7 });
  const b = await evaluateModel(model, tokenizer!, problems(), { ...opts, samples: 2, seed: 7 });
  const c = await evaluateModel(model, tokenizer!, problems(), { ...opts, samples: 2, seed: 8 });
  assert.deepEqual(
    a.records.map((x) => x.response),
    greedy.records.map((x) => x.response),
  );
  assert.deepEqual(
    a.records.map((x) => x.samples!.responses),
    b.records.map((x) => x.samples!.responses),
  );
  assert.notDeepEqual(
    a.records.map((x) => x.samples!.responses),
    c.records.map((x) => x.samples!.responses),
  );
  model.dispose();
});

test('a prompt longer than the model context is a one-line data error; bad options are refused', async () => {
  const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
  const model = CausalLM.init(presetConfig('tiny', tok.vocabSize, { max_position_embeddings: 64 }), 1);
  await assert.rejects(
    evaluateModel(model, tok, problems(), { maxNewTokens: 4 }),
    (e: Error) => e.name === 'DatasetError' && /only 64 positions/.test(e.message),
  );
  await assert.rejects(evaluateModel(model, tok, [], {}), /no problems/);
  await assert.rejects(evaluateModel(model, tok, problems(), { samples: 0 }), /samples must be a whole number >= 1/);
  model.dispose();
});

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const cli = (...args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 30_000 });

test('thinktune eval --json prints protocol lines: start, progress, then one result; --out has the records', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'thinktune-evalout-')), 'eval.json');
  const r = cli('eval', '--model', modelDir, '--data', 'arith-test', '--limit', '3', '--samples', '2', '--max-new-tokens', '10', '--json', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (const l of lines) assert.deepEqual([l.v, l.kind], [1, 'eval']);
  const events = lines.map((l) => l.event);
  assert.deepEqual(events.slice(0, -1), [
    { type: 'eval-start', id: 'eval', model: modelDir, data: 'arith-test', total: 3 },
    { type: 'eval-progress', id: 'eval', done: 3, total: 3 },
  ]);
  const last = { type: events.at(-1).type, metrics: events.at(-1).result };
  assert.equal(last.type, 'eval-result');
  assert.deepEqual(Object.keys(last.metrics), [
    'pass@1',
    'maj@2',
    'pass@2',
    'mean@2',
    'reflection_rate',
    'sampled_reflection_rate',
    'mean_length',
    'termination_rate',
    'n',
  ]);
  assert.equal(last.metrics.n, 3);
  const full = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(full.metrics, last.metrics);
  assert.equal(full.records.length, 3);
  assert.deepEqual(Object.keys(full.records[0]).slice(0, 7), ['id', 'question', 'answer', 'response', 'predicted', 'correct', 'reflected']);
});

test('thinktune eval without --json prints a table; bad input is one line', () => {
  const ok = cli('eval', '--model', modelDir, '--data', 'arith-validation', '--limit', '2', '--max-new-tokens', '6');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^metric\s+value\npass@1\s+0\.\d{3}\nreflection_rate\s+\S+\nmean_length\s+\S+\ntermination_rate\s+\S+\nn\s+2\n$/);

  const missing = cli('eval', '--model', join(tmpdir(), 'no-such-model-dir'), '--data', 'arith-test', '--json');
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr.trim().split('\n').pop()!, /^thinktune: checkpoint folder .*no-such-model-dir does not exist/);

  const bad = join(mkdtempSync(join(tmpdir(), 'thinktune-baddata-')), 'bad.jsonl');
  writeFileSync(bad, '{"question": "1+1?", "answer": "#### 2"}\nnot json\n');
  const badData = cli('eval', '--model', modelDir, '--data', bad, '--json');
  assert.equal(badData.status, 1);
  assert.match(badData.stderr.trim().split('\n').pop()!, /^thinktune: .*bad\.jsonl line 2: not valid JSON/);

  const badLimit = cli('eval', '--model', modelDir, '--data', 'arith-test', '--limit', 'x');
  assert.equal(badLimit.status, 1);
  assert.match(badLimit.stderr, /--limit must be a whole number >= 1/);
});

test("the dashboard eval queue reads the real command's output", { timeout: 30_000 }, async () => {
  const q = new EvalQueue({
    command: (s) => ({
      file: process.execPath,
      args: [
        ...CLI,
        'eval',
        '--model',
        s.model,
        '--data',
        s.data,
        '--json',
        '--limit',
        String(s.limit),
        '--samples',
        String(s.samples),
        '--max-new-tokens',
        '6',
        '--job-id',
        s.id,
      ],
    }),
  });
  q.enqueue({ model: modelDir, data: 'arith-test', limit: 2, samples: 2 });
  await q.idle();
  const [job] = q.jobs;
  assert.equal(job.status, 'done', job.error ?? '');
  assert.equal(job.done, 2);
  assert.equal(job.total, 2);
  assert.deepEqual(Object.keys(job.result!).sort(), [
    'maj@2',
    'mean@2',
    'mean_length',
    'n',
    'pass@1',
    'pass@2',
    'reflection_rate',
    'sampled_reflection_rate',
    'termination_rate',
  ]);
});

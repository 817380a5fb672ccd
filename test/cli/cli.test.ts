// The command-line contract other tools rely on: `score --json` keys and values, `bench --json` keys,
// one-line errors, and the backend line on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 240_000 });
const FIXTURE = join('test', 'fixtures', 'tiny-llama');

test('score --ids --json prints the reference log-probs with the documented keys', () => {
  const ref = JSON.parse(readFileSync(join(FIXTURE, 'reference.json'), 'utf8')).cases.find((c: { ids: number[] }) => c.ids.length === 7);
  const r = cli('score', '--model', FIXTURE, '--ids', ref.ids.join(','), '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^thinktune backend: \w+(?: \(\d+ threads?\))? — /m, 'the backend and the reason are printed (on stderr)');
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['ids', 'next_token_logprobs', 'last_logprobs']);
  assert.deepEqual(out.ids, ref.ids);
  out.next_token_logprobs.forEach((v: number, i: number) => assert.ok(Math.abs(v - ref.next_token_logprobs[i]) < 2e-4));
  assert.equal(out.last_logprobs.length, 50);
});

test('score errors are one line that says how to fix it', () => {
  const cases: [string[], RegExp][] = [
    [['score', '--model', 'no/such/dir', '--ids', '1'], /does not exist/],
    [['score', '--model', FIXTURE, '--ids', '1,x'], /--ids must be comma-separated/],
    [['score', '--model', FIXTURE, '--ids', '1,999'], /outside the model's vocabulary/],
    [['score', '--model', FIXTURE, '--text', 'hi'], /has no tokenizer\.json/],
    [['score', '--model', FIXTURE, '--ids', '1', '--backend', 'tensorflow-gpu'], /forced but cannot load/],
  ];
  for (const [args, why] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('thinktune: '));
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(errLines[0], why);
  }
});

test('bench --quick --json reports the documented keys', { timeout: 240_000 }, () => {
  const r = cli('bench', '--quick', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const k of ['backend', 'tf_version', 'wasm_threads', 'tfjs_version', 'matmul_gflops', 'sizes', 'pytorch', 'ratios']) assert.ok(k in out, k);
  const ref = out.sizes.reference;
  for (const k of ['train_tokens_per_s', 'generate_tokens_per_s', 'train_gflops']) assert.ok(ref[k] > 0, k);
  assert.ok(out.matmul_gflops > 0);
  if (out.backend === 'wasm') assert.ok(out.wasm_threads >= 1, 'wasm reports its threads');
  assert.equal(ref.num_tensors_flat, true);
});

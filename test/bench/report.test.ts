// `thinktune bench`'s report without timing or Python: the JSON shape, the ratio arithmetic thinktune /
// PyTorch, issue 15's targets per backend, the sizes' specs, and the one-line errors of --pytorch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SizeFigures } from '../../src/bench/bench.js';
import { trainStepFlops } from '../../src/bench/bench.js';
import { checkPytorch, parsePytorchOutput, PytorchError, type PytorchResult } from '../../src/bench/pytorch.js';
import { buildReport, formatReport, targetsFor } from '../../src/bench/report.js';
import { describeSpec, modelConfigOf, parseSizes, SIZES } from '../../src/bench/sizes.js';

function figures(size: 'reference' | 'large', train: number, gen: number): SizeFigures {
  return {
    size,
    train_tokens_per_s: train,
    train_step_ms: 1000,
    train_gflops: 10,
    generate_tokens_per_s: gen,
    num_tensors_flat: true,
    shapes: describeSpec(SIZES[size]),
  };
}

const pytorch: PytorchResult = {
  torch_version: '2.13.0+cpu',
  transformers_version: '5.18.0',
  threads: 2,
  sizes: {
    reference: { train_tokens_per_s: 4000, train_step_ms: 512, generate_tokens_per_s: 2000 },
    large: { train_tokens_per_s: 100, train_step_ms: 40960, generate_tokens_per_s: 300 },
  },
};

test('the report carries backend, versions, sizes, PyTorch and the ratios thinktune / PyTorch', () => {
  const r = buildReport({
    backend: 'tensorflow',
    tfVersion: '2.21.0',
    tfjsVersion: '4.22.0',
    matmulGflops: 40,
    sizes: [figures('reference', 3000, 5000), figures('large', 50, 450)],
    pytorch: [pytorch],
  });
  const json = JSON.parse(JSON.stringify(r));
  assert.deepEqual(Object.keys(json), [
    'backend',
    'tf_version',
    'wasm_threads',
    'tfjs_version',
    'matmul_gflops',
    'sizes',
    'pytorch',
    'pytorch_best',
    'ratios',
    'targets',
  ]);
  assert.equal(json.tf_version, '2.21.0');
  assert.deepEqual(Object.keys(json.sizes), ['reference', 'large']);
  assert.equal(json.sizes.reference.matmul_fraction, 10 / 40);
  assert.deepEqual(json.ratios, { reference: { train: 0.75, generate: 2.5 }, large: { train: 0.5, generate: 1.5 } });
  // tensorflow: train >= 0.5 at reference (0.75: met), >= 0.7 at large (0.5: not met); sampling > 1x at both.
  assert.deepEqual(
    json.targets.map((t: { size: string; figure: string; at_least: number; met: boolean }) => [t.size, t.figure, t.at_least, t.met]),
    [
      ['reference', 'train', 0.5, true],
      ['reference', 'generate', 1, true],
      ['large', 'train', 0.7, false],
      ['large', 'generate', 1, true],
    ],
  );
  const text = formatReport(r).join('\n');
  assert.match(text, /TensorFlow 2\.21\.0/);
  assert.match(text, /train tokens\/s.*3000\s+4000\s+0\.75x/);
  assert.match(text, /large train: 0\.50x >= 0\.7x\s+NOT met/);
});

test('without PyTorch there are no ratios or targets; wasm has a training target at the reference size only', () => {
  const r = buildReport({ backend: 'wasm', tfVersion: null, tfjsVersion: '4.22.0', matmulGflops: 20, sizes: [figures('reference', 1, 1)], pytorch: null });
  assert.equal(r.ratios, null);
  assert.equal(r.targets, null);
  assert.deepEqual(targetsFor('wasm', 'reference'), [
    { figure: 'train', at_least: 0.3 },
    { figure: 'generate', at_least: 1 },
  ]);
  assert.deepEqual(targetsFor('wasm', 'large'), [{ figure: 'generate', at_least: 1 }]);
  assert.deepEqual(targetsFor('cpu', 'reference'), []);
  const w = buildReport({
    backend: 'wasm',
    tfVersion: null,
    tfjsVersion: '4.22.0',
    matmulGflops: 20,
    sizes: [figures('reference', 1000, 1000)],
    pytorch: [pytorch],
  });
  assert.deepEqual(
    w.targets!.map((t) => [t.figure, t.ratio, t.met]),
    [
      ['train', 0.25, false],
      ['generate', 0.5, false],
    ],
  );
});

test('with several PyTorch runs (thread counts) each ratio is against the fastest of them', () => {
  const oneThread: PytorchResult = {
    ...pytorch,
    threads: 1,
    sizes: { reference: { train_tokens_per_s: 5000, train_step_ms: 410, generate_tokens_per_s: 1000 } },
  };
  const r = buildReport({
    backend: 'wasm',
    tfVersion: null,
    tfjsVersion: '4.22.0',
    matmulGflops: 20,
    sizes: [figures('reference', 2000, 4000)],
    pytorch: [pytorch, oneThread],
  });
  assert.deepEqual(r.pytorch_best, { reference: { train_tokens_per_s: 5000, train_threads: 1, generate_tokens_per_s: 2000, generate_threads: 2 } });
  assert.deepEqual(r.ratios, { reference: { train: 0.4, generate: 2 } });
  assert.match(formatReport(r).join('\n'), /PyTorch at 1 thread: train 5000, generate 1000/);
});

test('sampling exactly level with PyTorch is not "ahead"', () => {
  const r = buildReport({
    backend: 'wasm',
    tfVersion: null,
    tfjsVersion: '4.22.0',
    matmulGflops: 20,
    sizes: [figures('reference', 2000, 2000)],
    pytorch: [pytorch],
  });
  assert.deepEqual(
    r.targets!.map((t) => [t.figure, t.met]),
    [
      ['train', true],
      ['generate', false],
    ],
  );
});

test('sizes: the reference and the issue 15 large size, as thinktune model configs', () => {
  assert.deepEqual(
    parseSizes('all').map((s) => s.size),
    ['reference', 'large'],
  );
  assert.deepEqual(
    parseSizes('large,reference').map((s) => s.size),
    ['reference', 'large'],
  );
  assert.deepEqual(parseSizes(undefined), [SIZES.reference]);
  assert.deepEqual(
    parseSizes('all', true).map((s) => s.repeats),
    [
      { train_steps: 1, gen_runs: 1 },
      { train_steps: 1, gen_runs: 1 },
    ],
  );
  assert.throws(() => parseSizes('huge'), /--size must be reference, large or all/);
  const large = modelConfigOf(SIZES.large);
  assert.equal(large.hidden_size, 512);
  assert.equal(large.num_hidden_layers, 8);
  assert.equal(large.num_attention_heads, 8);
  assert.equal(large.intermediate_size, 2048);
  assert.equal(large.vocab_size, 32000);
  assert.equal(large.head_dim, 64);
  assert.equal(large.tie_word_embeddings, false);
  assert.deepEqual(large.rope, { type: 'default', theta: 10000 });
  assert.equal(SIZES.large.train.batch * SIZES.large.train.seq_len, 8 * 512);
  const ref = modelConfigOf(SIZES.reference);
  assert.deepEqual(
    [ref.hidden_size, ref.num_hidden_layers, ref.num_attention_heads, ref.intermediate_size, ref.vocab_size, ref.rms_norm_eps],
    [128, 4, 4, 512, 64, 1e-5],
  );
  // Forward 2 x params x tokens + attention, x3 for backward: (4 layers x (4 x 128^2 + 3 x 128 x 512) + 128 x 64) x 2 x 2048 + 4 x 16 x 4 x 4 x 128^2 x 32, x3 = 14.6 GFLOP.
  assert.ok(Math.abs(trainStepFlops(ref, 16, 128) / 1e9 - 14.596) < 0.001);
});

test('PyTorch output is checked: no JSON line, or a size missing, is a PytorchError', () => {
  const specs = parseSizes('all');
  assert.throws(() => parsePytorchOutput('Traceback...\n', specs), PytorchError);
  assert.throws(() => parsePytorchOutput(JSON.stringify({ ...pytorch, sizes: { reference: pytorch.sizes.reference } }), specs), /no figures for size "large"/);
  assert.equal(parsePytorchOutput(`progress\n${JSON.stringify(pytorch)}\n`, specs).threads, 2);
});

test('a missing python is one clear error, before any benchmarking', () => {
  assert.throws(() => checkPytorch('/no/such/python'), /--pytorch \/no\/such\/python: no such program; pass the path of a python/);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', '--pytorch', '/no/such/python', '--backend', 'cpu'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('thinktune: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /no such program/);
  assert.doesNotMatch(r.stderr, /matmul ceiling/, 'it fails before measuring anything');
});

test("scripts/bench_pytorch.py's built-in sizes are the bench's (it also takes them from --spec)", () => {
  const py = readFileSync(join('scripts', 'bench_pytorch.py'), 'utf8');
  const table = py.slice(py.indexOf('SIZES = {'), py.indexOf('\n}\n'));
  for (const [name, spec] of Object.entries(SIZES)) {
    const block = table.slice(table.indexOf(`"${name}": dict(`)).split(/\n {4}\),/)[0];
    const fields = new Map([...block.matchAll(/(\w+)=([\w.+-]+)/g)].map((m) => [m[1], m[2]]));
    const expected = { ...spec.model, ...spec.train, ...spec.generate, ...spec.repeats };
    for (const [key, value] of Object.entries(expected)) {
      const got = fields.get(key);
      assert.ok(got !== undefined, `${name}.${key} missing in the script`);
      assert.equal(typeof value === 'boolean' ? got === 'True' : Number(got), value, `${name}.${key}`);
    }
  }
});

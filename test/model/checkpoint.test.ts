import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseHfConfig, type ModelConfig } from '../../src/model/config.js';
import { CheckpointError, expectTensors, hfTensorShapes, loadCheckpoint, saveCheckpoint, type RawTensor } from '../../src/model/checkpoint.js';
import { numElements, writeSafetensors } from '../../src/io/safetensors.js';
import { roundToBf16 } from '../../src/io/half.js';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'thinktune-ckpt-'));

const qwenTied: ModelConfig = parseHfConfig({
  model_type: 'qwen2',
  vocab_size: 64,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  tie_word_embeddings: true,
  eos_token_id: 3,
});

const llamaUntied: ModelConfig = parseHfConfig({
  model_type: 'llama',
  vocab_size: 64,
  hidden_size: 128,
  intermediate_size: 256,
  num_hidden_layers: 3,
  num_attention_heads: 8,
  num_key_value_heads: 8,
  head_dim: 32, // explicit head_dim: q_proj is [8*32, 128] = [256, 128], not square
  tie_word_embeddings: false,
});

/** Distinct, deterministic values for every tensor of `config`, so mix-ups between tensors show. */
function fakeWeights(config: ModelConfig): Map<string, RawTensor> {
  const tensors = new Map<string, RawTensor>();
  let k = 0;
  for (const [name, shape] of hfTensorShapes(config)) {
    const data = new Float32Array(numElements(shape));
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(++k * 0.37) * 0.1;
    tensors.set(name, { shape, data });
  }
  return tensors;
}

function assertCheckpointError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message must be one line');
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should contain "${f}"`);
    return true;
  });
}

function assertSameTensors(got: Map<string, RawTensor>, want: Map<string, RawTensor>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, t] of want) {
    assert.deepEqual(got.get(name)!.shape, t.shape, name);
    assert.deepEqual(got.get(name)!.data, t.data, name);
  }
}

/** Names in `parent` that look like leftovers of a save (temp or old folders). */
const leftovers = (parent: string) => fs.readdirSync(parent).filter((f) => /\.(tmp|old)-/.test(f));

test('hfTensorShapes: tied Qwen2 (biases, no lm_head) vs untied Llama (lm_head, no biases)', () => {
  const q = hfTensorShapes(qwenTied);
  // embed + norm + per layer (2 norms + 4 attn weights + 3 biases + 3 mlp) = 2 + 2 * 12
  assert.equal(q.size, 26);
  assert.deepEqual(q.get('model.embed_tokens.weight'), [64, 32]);
  assert.equal(q.has('lm_head.weight'), false);
  assert.deepEqual(q.get('model.layers.1.self_attn.q_proj.weight'), [32, 32]); // [H*hd, d] = [4*8, 32]
  assert.deepEqual(q.get('model.layers.1.self_attn.k_proj.weight'), [16, 32]); // [Hkv*hd, d] = [2*8, 32]
  assert.deepEqual(q.get('model.layers.1.self_attn.v_proj.weight'), [16, 32]);
  assert.deepEqual(q.get('model.layers.1.self_attn.o_proj.weight'), [32, 32]);
  assert.deepEqual(q.get('model.layers.0.self_attn.q_proj.bias'), [32]);
  assert.deepEqual(q.get('model.layers.0.self_attn.k_proj.bias'), [16]);
  assert.deepEqual(q.get('model.layers.0.self_attn.v_proj.bias'), [16]);
  assert.equal(q.has('model.layers.0.self_attn.o_proj.bias'), false);
  assert.deepEqual(q.get('model.layers.0.mlp.gate_proj.weight'), [48, 32]);
  assert.deepEqual(q.get('model.layers.0.mlp.up_proj.weight'), [48, 32]);
  assert.deepEqual(q.get('model.layers.0.mlp.down_proj.weight'), [32, 48]);
  assert.deepEqual(q.get('model.layers.0.input_layernorm.weight'), [32]);
  assert.deepEqual(q.get('model.layers.0.post_attention_layernorm.weight'), [32]);
  assert.deepEqual(q.get('model.norm.weight'), [32]);
  assert.equal(q.has('model.layers.2.input_layernorm.weight'), false);

  const l = hfTensorShapes(llamaUntied);
  // embed + norm + lm_head + per layer (2 norms + 4 attn + 3 mlp) = 3 + 3 * 9
  assert.equal(l.size, 30);
  assert.deepEqual(l.get('lm_head.weight'), [64, 128]);
  assert.deepEqual(l.get('model.layers.2.self_attn.q_proj.weight'), [256, 128]);
  assert.deepEqual(l.get('model.layers.2.self_attn.k_proj.weight'), [256, 128]);
  assert.deepEqual(l.get('model.layers.2.self_attn.o_proj.weight'), [128, 256]);
  assert.deepEqual(l.get('model.layers.2.mlp.down_proj.weight'), [128, 256]);
  assert.equal(
    [...l.keys()].some((n) => n.endsWith('.bias')),
    false,
  );
  assert.equal([...l.keys()][0], 'model.embed_tokens.weight');
});

test('save then load round-trips config, tensors (bit-exact F32) and extra files, leaving no temp folders', () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'runs', 'step-10'); // parent folders are created
  const tensors = fakeWeights(qwenTied);
  saveCheckpoint(dir, qwenTied, tensors, { extraFiles: { 'tokenizer.json': '{"model": {}}', 'raw.bin': new Uint8Array([1, 2, 3]) } });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'raw.bin', 'tokenizer.json']);
  assert.deepEqual(leftovers(path.dirname(dir)), []);
  assert.equal(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'), '{"model": {}}');
  assert.deepEqual([...fs.readFileSync(path.join(dir, 'raw.bin'))], [1, 2, 3]);

  const loaded = loadCheckpoint(dir);
  // Same fields; the source is now what toHfConfig wrote: the original keys plus the HF markers and the dtype.
  assert.deepEqual({ ...loaded.config, source: null }, { ...qwenTied, source: null });
  assert.deepEqual(loaded.config.source, { ...qwenTied.source, architectures: ['Qwen2ForCausalLM'], hidden_act: 'silu', dtype: 'float32' });
  assert.deepEqual(loaded.rawConfig.architectures, ['Qwen2ForCausalLM']);
  assertSameTensors(loaded.tensors, tensors);
  expectTensors(loaded.tensors, hfTensorShapes(loaded.config), dir);
  fs.rmSync(parent, { recursive: true });
});

test('a BF16 save is half the size and loads as the bf16-rounded weights', () => {
  const parent = tmpDir();
  const tensors = fakeWeights(llamaUntied);
  saveCheckpoint(path.join(parent, 'f32'), llamaUntied, tensors);
  saveCheckpoint(path.join(parent, 'bf16'), llamaUntied, tensors, { dtype: 'BF16' });
  const size = (d: string) => fs.statSync(path.join(parent, d, 'model.safetensors')).size;
  assert.ok(size('bf16') < size('f32') * 0.51, `${size('bf16')} vs ${size('f32')}`);
  const loaded = loadCheckpoint(path.join(parent, 'bf16'));
  const rounded = new Map([...tensors].map(([n, t]) => [n, { shape: t.shape, data: roundToBf16(t.data) }]));
  assertSameTensors(loaded.tensors, rounded);
  fs.rmSync(parent, { recursive: true });
});

test('saving over an existing checkpoint replaces it and cleans up the old folder', () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  saveCheckpoint(dir, qwenTied, fakeWeights(qwenTied), { extraFiles: { 'stale.txt': 'old' } });
  const next = fakeWeights(qwenTied);
  next.get('model.norm.weight')!.data.fill(42);
  saveCheckpoint(dir, qwenTied, next);
  assert.deepEqual(fs.readdirSync(parent), ['ckpt']);
  assert.equal(fs.existsSync(path.join(dir, 'stale.txt')), false, 'the folder is replaced, not merged');
  assert.equal(loadCheckpoint(dir).tensors.get('model.norm.weight')!.data[0], 42);
  fs.rmSync(parent, { recursive: true });
});

test('a save that fails while writing (disk full) leaves the previous checkpoint untouched and no temp folder', (t) => {
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  const original = fakeWeights(qwenTied);
  saveCheckpoint(dir, qwenTied, original);
  const bytesBefore = fs.readFileSync(path.join(dir, 'model.safetensors'));

  let calls = 0;
  const realWrite = fs.writeSync;
  t.mock.method(fs, 'writeSync', (...args: Parameters<typeof fs.writeSync>) => {
    if (++calls === 5) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (realWrite as (...a: unknown[]) => number)(...args);
  });
  const changed = fakeWeights(qwenTied);
  changed.get('model.norm.weight')!.data.fill(7);
  assertCheckpointError(() => saveCheckpoint(dir, qwenTied, changed), `cannot save checkpoint to ${dir}`, 'disk is full', 'previous checkpoint is untouched');
  t.mock.restoreAll();

  assert.ok(calls >= 5, 'the injected failure was reached');
  assert.deepEqual(fs.readdirSync(parent), ['ckpt'], 'no temp or old folder left');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'model.safetensors')), bytesBefore);
  assertSameTensors(loadCheckpoint(dir).tensors, original);
  fs.rmSync(parent, { recursive: true });
});

test('a save whose final rename fails puts the previous checkpoint back', (t) => {
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  const original = fakeWeights(qwenTied);
  saveCheckpoint(dir, qwenTied, original);
  const realRename = fs.renameSync;
  t.mock.method(fs, 'renameSync', (from: fs.PathLike, to: fs.PathLike) => {
    if (String(from).includes('.tmp-') && String(to) === dir) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    return realRename(from, to);
  });
  assertCheckpointError(() => saveCheckpoint(dir, qwenTied, fakeWeights(qwenTied)), dir, 'read-only', 'previous checkpoint is untouched');
  t.mock.restoreAll();
  assert.deepEqual(fs.readdirSync(parent), ['ckpt']);
  assertSameTensors(loadCheckpoint(dir).tensors, original);
  fs.rmSync(parent, { recursive: true });
});

test('saving under a path whose parent is a file fails cleanly; a non-checkpoint folder is never replaced', () => {
  const parent = tmpDir();
  fs.writeFileSync(path.join(parent, 'afile'), 'x');
  assertCheckpointError(
    () => saveCheckpoint(path.join(parent, 'afile', 'ckpt'), qwenTied, fakeWeights(qwenTied)),
    'cannot save checkpoint',
    'nothing was written',
  );
  assert.deepEqual(fs.readdirSync(parent), ['afile']);

  const precious = path.join(parent, 'notes');
  fs.mkdirSync(precious);
  fs.writeFileSync(path.join(precious, 'todo.txt'), 'keep me');
  assertCheckpointError(() => saveCheckpoint(precious, qwenTied, fakeWeights(qwenTied)), precious, 'not a checkpoint');
  assert.equal(fs.readFileSync(path.join(precious, 'todo.txt'), 'utf8'), 'keep me');

  assertCheckpointError(() => saveCheckpoint(path.join(parent, 'c'), qwenTied, fakeWeights(qwenTied), { extraFiles: { 'config.json': '{}' } }), 'config.json');
  assertCheckpointError(() => saveCheckpoint(path.join(parent, 'c'), qwenTied, fakeWeights(qwenTied), { extraFiles: { '../evil': 'x' } }), 'plain file name');
  const bad = fakeWeights(qwenTied);
  bad.get('model.norm.weight')!.shape = [31];
  assertCheckpointError(() => saveCheckpoint(path.join(parent, 'c'), qwenTied, bad), "tensor 'model.norm.weight'", '[31]');
  assert.deepEqual(fs.readdirSync(parent).sort(), ['afile', 'notes']);
  fs.rmSync(parent, { recursive: true });
});

/** Write `tensors` as a two-shard HF checkpoint (shard split by layer), index in name order. */
function writeSharded(dir: string, config: ModelConfig, tensors: Map<string, RawTensor>): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const shards: [string, Map<string, RawTensor>][] = [
    ['model-00001-of-00002.safetensors', new Map()],
    ['model-00002-of-00002.safetensors', new Map()],
  ];
  const weightMap: Record<string, string> = {};
  for (const [name, t] of tensors) {
    const shard = name.startsWith('model.layers.1.') || name === 'model.norm.weight' ? shards[1] : shards[0];
    shard[1].set(name, t);
    weightMap[name] = shard[0];
  }
  for (const [file, part] of shards) writeSafetensors(path.join(dir, file), part, { dtype: 'F32' });
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return weightMap;
}

test('a sharded checkpoint loads every tensor from its shard, in weight_map order', () => {
  const dir = tmpDir();
  const tensors = fakeWeights(qwenTied);
  writeSharded(dir, qwenTied, tensors);
  const loaded = loadCheckpoint(dir);
  assertSameTensors(loaded.tensors, tensors);
  expectTensors(loaded.tensors, hfTensorShapes(loaded.config), dir);
  fs.rmSync(dir, { recursive: true });
});

test('sharded checkpoint problems: missing shard, tensor not in its shard, bad shard name', () => {
  const dir = tmpDir();
  const tensors = fakeWeights(qwenTied);
  const weightMap = writeSharded(dir, qwenTied, tensors);
  const index = path.join(dir, 'model.safetensors.index.json');

  fs.writeFileSync(index, JSON.stringify({ weight_map: { ...weightMap, 'lm_head.weight': 'model-00002-of-00002.safetensors' } }));
  assertCheckpointError(() => loadCheckpoint(dir), "tensor 'lm_head.weight'", 'not in this shard');

  fs.writeFileSync(index, JSON.stringify({ weight_map: { ...weightMap, extra: '../../etc/passwd' } }));
  assertCheckpointError(() => loadCheckpoint(dir), "tensor 'extra'", 'not a shard file name');

  fs.writeFileSync(index, JSON.stringify({ weight_map: weightMap }));
  fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
  assertCheckpointError(() => loadCheckpoint(dir), 'model-00002-of-00002.safetensors', 'missing', 're-download');

  fs.writeFileSync(index, '{"weight_map": ');
  assertCheckpointError(() => loadCheckpoint(dir), 'model.safetensors.index.json is not valid JSON');
  fs.rmSync(dir, { recursive: true });
});

test('loadCheckpoint explains a missing folder, config.json, weights, bad JSON and bad config values', () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  assertCheckpointError(() => loadCheckpoint(dir), `checkpoint folder ${dir} does not exist`);

  fs.mkdirSync(dir);
  assertCheckpointError(() => loadCheckpoint(dir), path.join(dir, 'config.json'), 'is missing');

  fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type": "llama",');
  assertCheckpointError(() => loadCheckpoint(dir), 'config.json is not valid JSON');

  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...qwenTied, hidden_size: 'big' }));
  assertCheckpointError(() => loadCheckpoint(dir), path.join(dir, 'config.json'), '"hidden_size" must be a number');

  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(qwenTied));
  assertCheckpointError(() => loadCheckpoint(dir), 'no model.safetensors or model.safetensors.index.json');
  fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'x');
  assertCheckpointError(() => loadCheckpoint(dir), 'pytorch_model.bin', 'safe_serialization=True');

  fs.writeFileSync(path.join(dir, 'model.safetensors'), new Uint8Array([1, 2, 3]));
  assertCheckpointError(() => loadCheckpoint(dir), path.join(dir, 'model.safetensors'), 'truncated');
  fs.rmSync(parent, { recursive: true });
});

test('an interrupted save (old folder left, final name missing) is pointed out on load', () => {
  const parent = tmpDir();
  const dir = path.join(parent, 'ckpt');
  saveCheckpoint(dir, qwenTied, fakeWeights(qwenTied));
  fs.renameSync(dir, `${dir}.old-123-abcdef`);
  assertCheckpointError(() => loadCheckpoint(dir), 'ckpt.old-123-abcdef', 'rename it to');
  fs.rmSync(parent, { recursive: true });
});

test('expectTensors names the missing or misshapen tensor with both shapes', () => {
  const expected = hfTensorShapes(llamaUntied);
  const tensors = fakeWeights(llamaUntied);
  expectTensors(tensors, expected, 'ok'); // complete: no throw
  tensors.set('rotary_emb.inv_freq', { shape: [16], data: new Float32Array(16) });
  expectTensors(tensors, expected, 'ok'); // extra tensors are allowed

  tensors.delete('lm_head.weight');
  assertCheckpointError(
    () => expectTensors(tensors, expected, 'ckpt'),
    "ckpt: missing tensor 'lm_head.weight' [64,128] — the checkpoint is from a different model or tie_word_embeddings is wrong",
  );

  const wrong = fakeWeights(llamaUntied);
  wrong.set('model.layers.0.mlp.up_proj.weight', { shape: [128, 256], data: new Float32Array(128 * 256) });
  wrong.delete('model.layers.2.input_layernorm.weight');
  assertCheckpointError(
    () => expectTensors(wrong, expected, 'ckpt'),
    "tensor 'model.layers.0.mlp.up_proj.weight' has shape [128,256] but [256,128] is expected",
    '(and 1 more problem)',
  );

  // A Llama checkpoint loaded with a Qwen2 config lacks the q/k/v biases.
  const llamaLike = fakeWeights({ ...qwenTied, model_type: 'llama', attention_bias: false });
  assertCheckpointError(() => expectTensors(llamaLike, hfTensorShapes(qwenTied), 'ckpt'), "'model.layers.0.self_attn.q_proj.bias' [32]", 'attention_bias');
});

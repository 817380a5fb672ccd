// parseHfConfig / toHfConfig: both config.json layouts (transformers 5 `rope_parameters`, v4 `rope_theta` +
// `rope_scaling`), rope precedence as transformers 5.18 standardizes it, errors for what thinktune does not
// compute, and writing the original back with only our fields and the dtype updated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseHfConfig, presetConfig, toHfConfig, type ModelConfig, type RopeSpec } from '../../src/model/config.js';

const BASE = {
  model_type: 'llama',
  vocab_size: 64,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 131072,
};
const L3 = { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 };
const LLAMA31: RopeSpec = { type: 'llama3', theta: 500000, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };

const rope = (raw: Record<string, unknown>) => parseHfConfig({ ...BASE, ...raw }).rope;
const fields = (c: ModelConfig) => ({ ...c, source: null });

function assertConfigError(raw: Record<string, unknown>, ...fragments: string[]): void {
  assert.throws(
    () => parseHfConfig({ ...BASE, ...raw }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.ok(!e.message.includes('\n'), 'one line');
      assert.ok(e.message.startsWith('config.json: '), e.message);
      for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should contain ${f}`);
      return true;
    },
  );
}

test('both layouts give the same rope spec (default, linear, llama3)', () => {
  // default: v5 dict, v4 top-level theta with rope_scaling null, and nothing at all (default_theta 10000)
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default', rope_theta: 500000.0 } }), { type: 'default', theta: 500000 });
  assert.deepEqual(rope({ rope_theta: 500000.0, rope_scaling: null }), { type: 'default', theta: 500000 });
  assert.deepEqual(rope({}), { type: 'default', theta: 10000 });
  // linear, including v4's legacy "type" key
  const linear = { type: 'linear', theta: 10000, factor: 2 };
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'linear', rope_theta: 10000.0, factor: 2.0 } }), linear);
  assert.deepEqual(rope({ rope_theta: 10000.0, rope_scaling: { type: 'linear', factor: 2.0 } }), linear);
  // llama3 as Llama 3.1 ships it (v4) and as transformers 5 saves it
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'llama3', rope_theta: 500000.0, ...L3 } }), LLAMA31);
  assert.deepEqual(rope({ rope_theta: 500000.0, rope_scaling: { rope_type: 'llama3', ...L3 } }), LLAMA31);
});

test('rope precedence follows transformers: rope_scaling over rope_parameters, top-level theta and original length as fallbacks', () => {
  // convert_rope_params_to_dict: a non-empty rope_scaling replaces rope_parameters; theta then comes from the top level.
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 }, rope_scaling: { rope_type: 'linear', factor: 2 }, rope_theta: 10000 }), {
    type: 'linear',
    theta: 10000,
    factor: 2,
  });
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default' }, rope_theta: 12345 }), { type: 'default', theta: 12345 });
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 }, rope_theta: 12345 }), { type: 'default', theta: 1e6 });
  // llama3's original_max_position_embeddings: a top-level one wins (standardize_rope_params), else the dict's, else max_position_embeddings.
  const l3 = { rope_type: 'llama3', rope_theta: 10000, factor: 8, low_freq_factor: 1, high_freq_factor: 4 };
  const original = (raw: Record<string, unknown>) =>
    (rope({ max_position_embeddings: 4096, ...raw }) as Extract<RopeSpec, { type: 'llama3' }>).originalMaxPositionEmbeddings;
  assert.equal(original({ rope_parameters: { ...l3, original_max_position_embeddings: 1024 }, original_max_position_embeddings: 512 }), 512);
  assert.equal(original({ rope_parameters: { ...l3, original_max_position_embeddings: 1024 } }), 1024);
  assert.equal(original({ rope_parameters: l3 }), 4096);
});

test("defaults are transformers' own: Qwen2 max_position_embeddings 32768 and num_key_value_heads 32", () => {
  const { max_position_embeddings: _, num_key_value_heads: __, ...rest } = BASE;
  const q = parseHfConfig({ ...rest, model_type: 'qwen2', num_attention_heads: 32, hidden_size: 2048 });
  assert.equal(q.max_position_embeddings, 32768);
  assert.equal(q.num_key_value_heads, 32);
  assert.equal(parseHfConfig({ ...rest, model_type: 'qwen2', num_key_value_heads: null }).num_key_value_heads, 4);
  assert.equal(q.attention_bias, true);
  const l = parseHfConfig({ ...rest });
  assert.equal(l.max_position_embeddings, 2048);
  assert.equal(l.num_key_value_heads, 4);
});

test('rope types and fields transformers needs but thinktune does not compute are errors naming the key', () => {
  for (const type of ['dynamic', 'yarn', 'longrope', 'proportional', 'ntk']) {
    assertConfigError({ rope_parameters: { rope_type: type, rope_theta: 1e4, factor: 2 } }, '"rope_parameters.rope_type"', `"${type}"`);
  }
  assertConfigError({ rope_theta: 1e4, rope_scaling: { type: 'dynamic', factor: 2 } }, '"rope_scaling.type"', '"dynamic"');
  assertConfigError(
    { rope_theta: 1e4, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } },
    '"rope_scaling.rope_type"',
    '"yarn"',
  );
  assertConfigError({ rope_parameters: { rope_type: 'linear', rope_theta: 1e4 } }, '"rope_parameters.factor"', 'missing');
  assertConfigError(
    { rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, factor: 8, high_freq_factor: 4 } },
    '"rope_parameters.low_freq_factor"',
    'missing',
  );
  assertConfigError({ rope_theta: 5e5, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1 } }, '"rope_scaling.high_freq_factor"', 'missing');
  assertConfigError(
    { rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, ...L3, high_freq_factor: 1 } },
    '"rope_parameters.high_freq_factor"',
    'greater than low_freq_factor',
  );
  assertConfigError({ rope_parameters: { rope_type: 'linear', rope_theta: 1e4, factor: 'two' } }, '"rope_parameters.factor"', 'number');
  assertConfigError({ rope_parameters: { rope_type: 'default', rope_theta: -1 } }, '"rope_parameters.rope_theta"', 'positive');
  assertConfigError({ rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e4 } } }, '"rope_parameters.full_attention"', 'per-layer');
  assertConfigError({ rope_scaling: 'linear' }, '"rope_scaling"', 'object');
  // partial rotary: transformers fails on it for linear / llama3 (inv_freq is shorter than the head) ...
  assertConfigError(
    { rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, ...L3, partial_rotary_factor: 0.5 } },
    '"rope_parameters.partial_rotary_factor"',
    '0.5',
  );
  assertConfigError({ partial_rotary_factor: 0.5, rope_theta: 1e4, rope_scaling: { type: 'linear', factor: 2 } }, '"partial_rotary_factor"', '0.5');
  // ... and LlamaRotaryEmbedding's default rope ignores it, so that is what we do.
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default', rope_theta: 1e4, partial_rotary_factor: 0.5 } }), { type: 'default', theta: 10000 });
});

test('model keys that change the maths are errors; keys transformers 5 ignores are ignored', () => {
  assertConfigError({ hidden_act: 'gelu' }, '"hidden_act"', '"gelu"');
  assertConfigError({ mlp_bias: true }, '"mlp_bias"', 'true');
  assertConfigError({ attention_bias: true }, '"attention_bias"', 'o_proj');
  assertConfigError({ attention_dropout: 0.1 }, '"attention_dropout"', '0.1');
  assertConfigError({ model_type: 'qwen2', num_hidden_layers: 3, use_sliding_window: true, max_window_layers: 2 }, '"use_sliding_window"', 'layers 2 to 2');
  assertConfigError({ model_type: 'qwen2', layer_types: ['full_attention', 'sliding_attention'] }, '"layer_types[1]"', '"sliding_attention"');
  assertConfigError({ model_type: 'mistral' }, 'model_type "mistral"');
  const ok = (raw: Record<string, unknown>) => assert.doesNotThrow(() => parseHfConfig({ ...BASE, ...raw }), JSON.stringify(raw));
  ok({ hidden_act: 'swish' }); // ACT2FN["swish"] is SiLU
  ok({ pretraining_tp: 2 }); // LlamaMLP in transformers 5 never reads it
  ok({ attention_dropout: 0.0, mlp_bias: false, attention_bias: false });
  ok({ use_sliding_window: true, layer_types: ['full_attention', 'sliding_attention'] }); // LlamaModel has no sliding window
  ok({ model_type: 'qwen2', mlp_bias: true, attention_bias: false }); // Qwen2MLP has no bias; Qwen2Attention always biases q/k/v
  ok({ model_type: 'qwen2', use_sliding_window: true, max_window_layers: 28 }); // every layer is below max_window_layers
  ok({ model_type: 'qwen2', use_sliding_window: true, sliding_window: null, max_window_layers: 0 }); // no window, no sliding layers
  ok({ model_type: 'qwen2', layer_types: ['full_attention', 'full_attention'], use_sliding_window: false, sliding_window: null });
});

test('toHfConfig writes the source back in its layout, keeping unknown keys, with the dtype that was saved', () => {
  // transformers 5 layout
  const v5 = {
    ...BASE,
    rope_parameters: { rope_type: 'llama3', rope_theta: 500000.0, ...L3 },
    dtype: 'bfloat16',
    transformers_version: '5.18.0',
    custom_key: { a: [1, 2] },
  };
  const out5 = toHfConfig(parseHfConfig(v5), { dtype: 'F32' });
  assert.deepEqual(out5, { ...v5, dtype: 'float32', architectures: ['LlamaForCausalLM'], hidden_act: 'silu' });
  assert.deepEqual(fields(parseHfConfig(out5)), fields(parseHfConfig(v5)));
  // v4 layout (Llama 3.1's own config.json shape) keeps rope_theta + rope_scaling and torch_dtype
  const v4 = {
    ...BASE,
    architectures: ['LlamaForCausalLM'],
    hidden_act: 'silu',
    rope_theta: 500000.0,
    rope_scaling: { rope_type: 'llama3', ...L3 },
    torch_dtype: 'bfloat16',
    pretraining_tp: 1,
  };
  const out4 = toHfConfig(parseHfConfig(v4), { dtype: 'F16' });
  assert.deepEqual(out4, { ...v4, torch_dtype: 'float16' });
  assert.equal('dtype' in out4, false);
  assert.equal('rope_parameters' in out4, false);
  // both dtype keys stay both
  assert.deepEqual(toHfConfig(parseHfConfig({ ...v4, dtype: 'bfloat16' }), { dtype: 'BF16' }), { ...v4, dtype: 'bfloat16', torch_dtype: 'bfloat16' });
  // the source is a copy: changing the parsed object later does not change what is written
  const raw = { ...v5 };
  const parsed = parseHfConfig(raw);
  raw.vocab_size = 1;
  assert.equal(toHfConfig(parsed, { dtype: 'F32' }).vocab_size, 64);
});

test("toHfConfig writes only what changed, a changed rope in the source's own layout", () => {
  const v4 = { ...BASE, rope_theta: 10000.0, rope_scaling: null, torch_dtype: 'float32', head_dim: 16 };
  const c = parseHfConfig(v4);
  const grown = toHfConfig({ ...c, vocab_size: 80, rope: { type: 'linear', theta: 20000, factor: 2 } }, { dtype: 'F32' });
  assert.equal(grown.vocab_size, 80);
  assert.equal(grown.rope_theta, 20000);
  assert.deepEqual(grown.rope_scaling, { rope_type: 'linear', factor: 2 });
  assert.equal('rope_parameters' in grown, false);
  const v5 = { ...BASE, rope_parameters: { rope_type: 'default', rope_theta: 10000.0, partial_rotary_factor: 1.0 } };
  const moved = toHfConfig({ ...parseHfConfig(v5), rope: LLAMA31 }, { dtype: 'F32' });
  assert.deepEqual(moved.rope_parameters, {
    rope_theta: 500000,
    rope_type: 'llama3',
    factor: 8,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
    partial_rotary_factor: 1.0,
  });
  assert.equal('rope_theta' in moved, false);
  assert.deepEqual(parseHfConfig(moved).rope, LLAMA31);
  // derived values the source left out stay left out (head_dim, Qwen2's attention_bias, null token ids)
  const qwen = { ...BASE, model_type: 'qwen2' };
  const outQ = toHfConfig(parseHfConfig(qwen), { dtype: 'BF16' });
  assert.deepEqual(outQ, { ...qwen, architectures: ['Qwen2ForCausalLM'], hidden_act: 'silu', dtype: 'bfloat16' });
});

test('presets have no source and save as transformers 5 would (rope_parameters, dtype)', () => {
  const p = presetConfig('tiny', 50);
  assert.equal(p.source, null);
  assert.deepEqual(p.rope, { type: 'default', theta: 10000 });
  assert.equal(p.head_dim, 8);
  const out = toHfConfig(p, { dtype: 'BF16' });
  assert.deepEqual(out.architectures, ['LlamaForCausalLM']);
  assert.deepEqual(out.rope_parameters, { rope_theta: 10000, rope_type: 'default' });
  assert.equal(out.dtype, 'bfloat16');
  for (const key of ['torch_dtype', 'rope_theta', 'rope_scaling', 'rope', 'source']) assert.equal(key in out, false, key);
  assert.deepEqual(fields(parseHfConfig(out)), p);
  // overrides, rope included, and a Qwen2 preset (q/k/v biases)
  const q = presetConfig('tiny', 50, { model_type: 'qwen2', rope: LLAMA31, max_position_embeddings: 64 });
  assert.equal(q.attention_bias, true);
  assert.deepEqual(q.rope, LLAMA31);
  assert.deepEqual(fields(parseHfConfig(toHfConfig(q, { dtype: 'F32' }))), q);
});

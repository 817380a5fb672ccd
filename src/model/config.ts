/**
 * Model configuration: the subset of a Hugging Face `config.json` that a Llama / Qwen2 decoder needs.
 *
 * Field names follow HF; `parseHfConfig` validates and fills defaults once at the boundary, the rest of the
 * engine trusts `ModelConfig`. It reads both layouts transformers has used: v5 (`rope_parameters`, `dtype`)
 * and v4 (top-level `rope_theta` + `rope_scaling`, `torch_dtype`). Every key that would make transformers
 * compute something thinktune does not (another rope type, another activation, sliding-window attention, ...)
 * is a ConfigError, never a silent default. `toHfConfig` writes the original object back, in its own layout,
 * with only the fields we own updated.
 */
export type RopeType = 'default' | 'linear' | 'llama3';

/** Rotary embedding parameters, one variant per transformers rope type thinktune implements (see rope.ts). */
export type RopeSpec =
  | { type: 'default'; theta: number }
  /** `_compute_linear_scaling_rope_parameters`: inv_freq / factor. */
  | { type: 'linear'; theta: number; factor: number }
  /** `_compute_llama3_parameters` (Llama 3.1 / 3.2). */
  | { type: 'llama3'; theta: number; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

export interface ModelConfig {
  /** "llama" or "qwen2" (HF `model_type`). Qwen2 implies q/k/v bias. */
  model_type: 'llama' | 'qwen2';
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  /** head_dim = hidden_size / num_attention_heads unless given (HF allows an explicit head_dim). */
  head_dim: number;
  rms_norm_eps: number;
  /** From `rope_parameters` (v5) or `rope_theta` + `rope_scaling` (v4), standardized as transformers does. */
  rope: RopeSpec;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2: always; Llama: never, see unsupportedKeys). */
  attention_bias: boolean;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  /** The config.json object this was parsed from (a copy), or null for a preset; toHfConfig writes it back. */
  source: Readonly<Json> | null;
}

/** On-disk weight dtypes, as safetensors names them. */
export type SavedDtype = 'F32' | 'BF16' | 'F16';

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function fail(key: string, problem: string): never {
  throw new ConfigError(`config.json: "${key}" ${problem}`);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(raw: Json, key: string, fallback?: number, label = key): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(label, `must be a number (got ${JSON.stringify(raw[key])}); set it to the model's value`);
  return v as number;
}

function posInt(raw: Json, key: string, fallback?: number, label = key): number {
  const v = num(raw, key, fallback, label);
  if (!Number.isInteger(v) || v <= 0) fail(label, `must be a positive integer (got ${v})`);
  return v;
}

function positive(raw: Json, key: string, label: string): number {
  if (raw[key] === undefined) fail(label, `is missing; transformers needs it for this rope type, so add the model's value`);
  const v = num(raw, key, undefined, label);
  if (v <= 0) fail(label, `must be positive (got ${v})`);
  return v;
}

/**
 * Where the rope parameters live, as transformers 5 reads them (`RotaryEmbeddingConfigMixin.convert_rope_params_to_dict`):
 * a non-empty v4 `rope_scaling` replaces `rope_parameters`, and `rope_theta` missing from the dict comes from the
 * top-level `rope_theta`, else 10000 (`default_theta`).
 */
function ropeDict(r: Json): { key: string; params: Json } {
  for (const key of ['rope_scaling', 'rope_parameters']) {
    const v = r[key];
    if (v === undefined || v === null) continue;
    if (!isObject(v)) fail(key, `must be an object or null (got ${JSON.stringify(v)}); copy config.json again from the original model`);
    if (key === 'rope_scaling' && Object.keys(v).length === 0) continue; // `rope_scaling or rope_parameters`
    return { key, params: v };
  }
  return { key: 'rope_parameters', params: {} };
}

/** The rope spec transformers 5.18 builds from a config (`standardize_rope_params`, then the type's compute function). */
function parseRope(r: Json, maxPositions: number): RopeSpec {
  const { key, params } = ropeDict(r);
  const label = (k: string) => `${key}.${k}`;
  // Per-layer-type rope (`{"full_attention": {...}, ...}`) is for models with mixed attention, not Llama / Qwen2.
  const nested = Object.keys(params).find((k) => isObject(params[k]));
  if (nested !== undefined) fail(label(nested), `is a per-layer rope dict, which thinktune does not implement; use a Llama or Qwen2 model with one rope`);
  const typeKey = params.rope_type !== undefined ? 'rope_type' : params.type !== undefined ? 'type' : null;
  const type = typeKey ? params[typeKey] : 'default';
  const theta = params.rope_theta !== undefined ? num(params, 'rope_theta', undefined, label('rope_theta')) : num(r, 'rope_theta', 10000);
  if (theta <= 0) fail(params.rope_theta !== undefined ? label('rope_theta') : 'rope_theta', `must be positive (got ${theta})`);
  if (type === 'default') return { type, theta };
  if (type !== 'linear' && type !== 'llama3') {
    return fail(
      label(typeKey!),
      `is ${JSON.stringify(type)}, which thinktune does not implement (it computes "default", "linear" and "llama3" rope exactly as transformers does); use a model without ${JSON.stringify(type)} rope scaling`,
    );
  }
  checkPartialRotary(r, params, label);
  const factor = positive(params, 'factor', label('factor'));
  if (type === 'linear') return { type, theta, factor };
  return parseLlama3(r, params, label, theta, factor, maxPositions);
}

/**
 * llama3 needs factor, low_freq_factor and high_freq_factor (transformers raises KeyError without them).
 * original_max_position_embeddings is taken as `standardize_rope_params` does: a top-level one wins, then the
 * dict's, then max_position_embeddings.
 */
function parseLlama3(r: Json, params: Json, label: (k: string) => string, theta: number, factor: number, maxPositions: number): RopeSpec {
  const lowFreqFactor = positive(params, 'low_freq_factor', label('low_freq_factor'));
  const highFreqFactor = positive(params, 'high_freq_factor', label('high_freq_factor'));
  if (highFreqFactor <= lowFreqFactor) {
    fail(
      label('high_freq_factor'),
      `(${highFreqFactor}) must be greater than low_freq_factor (${lowFreqFactor}), as transformers' _validate_llama3_rope_parameters requires; fix the values`,
    );
  }
  const originalMaxPositionEmbeddings =
    r.original_max_position_embeddings !== undefined
      ? posInt(r, 'original_max_position_embeddings')
      : params.original_max_position_embeddings !== undefined
        ? posInt(params, 'original_max_position_embeddings', undefined, label('original_max_position_embeddings'))
        : maxPositions;
  return { type: 'llama3', theta, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings };
}

/**
 * partial_rotary_factor (in the rope dict or top-level). LlamaRotaryEmbedding's default rope ignores it (it uses
 * the whole head_dim), so do we; linear and llama3 compute inv_freq for int(head_dim * factor) dims, which
 * apply_rotary_pos_emb then cannot broadcast over the head: an error in transformers, an error here.
 */
function checkPartialRotary(r: Json, params: Json, label: (k: string) => string): void {
  const [key, value] =
    params.partial_rotary_factor !== undefined
      ? [label('partial_rotary_factor'), params.partial_rotary_factor]
      : ['partial_rotary_factor', r.partial_rotary_factor];
  if (value === undefined || value === null || value === 1) return;
  fail(
    key,
    `is ${JSON.stringify(value)}; partial rotary embeddings are not implemented (transformers fails on them for linear / llama3 rope too); set it to 1.0 or remove it`,
  );
}

/**
 * Keys that change what transformers' LlamaForCausalLM / Qwen2ForCausalLM compute and that thinktune does not
 * implement. Keys the 5.18 modeling code never reads are ignored: pretraining_tp (LlamaMLP no longer splits its
 * matmuls), mlp_bias and attention_bias for Qwen2 (Qwen2MLP has no bias, Qwen2Attention always biases q/k/v),
 * use_sliding_window / layer_types for Llama.
 */
function unsupportedKeys(r: Json, modelType: 'llama' | 'qwen2', layers: number): void {
  const act = r.hidden_act ?? 'silu';
  // ACT2FN maps both "silu" and "swish" to SiLU.
  if (act !== 'silu' && act !== 'swish')
    fail('hidden_act', `is ${JSON.stringify(act)}; thinktune's MLP is SwiGLU with SiLU only, so use a model with hidden_act "silu"`);
  const dropout = r.attention_dropout ?? 0;
  if (dropout !== 0)
    fail(
      'attention_dropout',
      `is ${JSON.stringify(dropout)}; thinktune has no attention dropout, so it would train this model unlike transformers; set it to 0.0 to accept that`,
    );
  if (modelType === 'llama') {
    if (r.mlp_bias != null && r.mlp_bias !== false)
      fail('mlp_bias', `is ${JSON.stringify(r.mlp_bias)}; thinktune's MLP has no biases, so use a model with mlp_bias false`);
    // LlamaAttention gives o_proj a bias too when attention_bias is set; thinktune has q/k/v biases only.
    if (r.attention_bias != null && r.attention_bias !== false) {
      fail(
        'attention_bias',
        `is ${JSON.stringify(r.attention_bias)}; transformers' Llama then has an o_proj bias, which thinktune does not implement; use a model with attention_bias false (or a Qwen2 model for q/k/v biases)`,
      );
    }
  } else {
    qwen2LayerTypes(r, layers);
  }
}

/** Qwen2's layer types as Qwen2Config.__post_init__ derives them; every layer must be full attention. */
function qwen2LayerTypes(r: Json, layers: number): void {
  if (r.layer_types !== undefined && r.layer_types !== null) {
    if (!Array.isArray(r.layer_types)) fail('layer_types', `must be a list (got ${JSON.stringify(r.layer_types)})`);
    const i = (r.layer_types as unknown[]).findIndex((t) => t !== 'full_attention');
    if (i >= 0)
      fail(
        `layer_types[${i}]`,
        `is ${JSON.stringify((r.layer_types as unknown[])[i])}; thinktune implements only "full_attention" layers, so use a model without sliding-window layers`,
      );
    return;
  }
  if (r.use_sliding_window !== true) return;
  const window = r.sliding_window === undefined ? 4096 : r.sliding_window;
  const maxWindowLayers = r.max_window_layers ?? 28;
  if (window !== null && typeof maxWindowLayers === 'number' && layers > maxWindowLayers) {
    fail(
      'use_sliding_window',
      `is true, so layers ${maxWindowLayers} to ${layers - 1} use sliding-window attention (max_window_layers ${maxWindowLayers}), which thinktune does not implement; set use_sliding_window to false or use another model`,
    );
  }
}

/** Validate a parsed HF config.json (either layout) and fill the defaults transformers itself uses. */
export function parseHfConfig(raw: unknown): ModelConfig {
  if (!isObject(raw)) throw new ConfigError('config.json: expected a JSON object');
  const r = raw;
  const modelType = (r.model_type ?? 'llama') as string;
  if (modelType !== 'llama' && modelType !== 'qwen2') {
    throw new ConfigError(`config.json: model_type "${modelType}" is not supported; thinktune loads "llama" and "qwen2" layouts`);
  }
  const hidden = posInt(r, 'hidden_size');
  const heads = posInt(r, 'num_attention_heads');
  // A missing num_key_value_heads is 32 in Qwen2Config (its dataclass default) and num_attention_heads in
  // LlamaConfig; an explicit null is num_attention_heads in both (their __post_init__).
  const kvHeads = posInt(r, 'num_key_value_heads', modelType === 'qwen2' && !('num_key_value_heads' in r) ? 32 : heads);
  if (heads % kvHeads !== 0) {
    throw new ConfigError(`config.json: num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads})`);
  }
  const headDim = posInt(r, 'head_dim', hidden / heads);
  if (headDim % 2 !== 0) throw new ConfigError(`config.json: head_dim (${headDim}) must be even for rotary embeddings`);
  const layers = posInt(r, 'num_hidden_layers');
  const maxPositions = posInt(r, 'max_position_embeddings', modelType === 'qwen2' ? 32768 : 2048);
  unsupportedKeys(r, modelType, layers);
  return {
    model_type: modelType,
    vocab_size: posInt(r, 'vocab_size'),
    hidden_size: hidden,
    intermediate_size: posInt(r, 'intermediate_size'),
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    rms_norm_eps: num(r, 'rms_norm_eps', 1e-6),
    rope: parseRope(r, maxPositions),
    max_position_embeddings: maxPositions,
    tie_word_embeddings: Boolean(r.tie_word_embeddings ?? false),
    attention_bias: modelType === 'qwen2',
    bos_token_id: (r.bos_token_id as number | null | undefined) ?? null,
    eos_token_id: (r.eos_token_id as number | number[] | null | undefined) ?? null,
    source: structuredClone(r),
  };
}

const DTYPE_NAMES: Record<SavedDtype, string> = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' };

/** Fields of ModelConfig that are plain config.json keys; toHfConfig updates them when they changed. */
const OWNED_KEYS = [
  'model_type',
  'vocab_size',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'rms_norm_eps',
  'max_position_embeddings',
  'tie_word_embeddings',
  'bos_token_id',
  'eos_token_id',
] as const;

const architecture = (c: ModelConfig) => (c.model_type === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM');

/** The rope dict in transformers' key names: `rope_parameters` (v5) or, without rope_theta, `rope_scaling` (v4). */
function ropeKeys(rope: RopeSpec): Json {
  switch (rope.type) {
    case 'default':
      return { rope_type: 'default' };
    case 'linear':
      return { rope_type: 'linear', factor: rope.factor };
    case 'llama3':
      return {
        rope_type: 'llama3',
        factor: rope.factor,
        low_freq_factor: rope.lowFreqFactor,
        high_freq_factor: rope.highFreqFactor,
        original_max_position_embeddings: rope.originalMaxPositionEmbeddings,
      };
  }
}

const ROPE_DICT_KEYS = ['rope_type', 'type', 'rope_theta', 'factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'];

/** A rope dict with our keys replaced and any others (e.g. partial_rotary_factor 1.0) kept. */
function mergedRopeDict(old: unknown, fresh: Json): Json {
  const kept = isObject(old) ? Object.fromEntries(Object.entries(old).filter(([k]) => !ROPE_DICT_KEYS.includes(k))) : {};
  return { ...fresh, ...kept };
}

/** Write a changed rope into `out` in the layout the source used (v4 when it put rope anywhere but rope_parameters). */
function writeRope(out: Json, source: Readonly<Json>, rope: RopeSpec): void {
  const fromScaling = ropeDict(source as Json).key === 'rope_scaling';
  const v4 = fromScaling || (!('rope_parameters' in source) && ('rope_theta' in source || 'rope_scaling' in source));
  if (v4) {
    out.rope_theta = rope.theta;
    out.rope_scaling = rope.type === 'default' && !isObject(source.rope_scaling) ? null : mergedRopeDict(source.rope_scaling, ropeKeys(rope));
  } else {
    out.rope_parameters = mergedRopeDict(source.rope_parameters, { rope_theta: rope.theta, ...ropeKeys(rope) });
    if ('rope_theta' in source) out.rope_theta = rope.theta; // stale for v5 readers, wrong for v4 ones
  }
  // A top-level original_max_position_embeddings overrides the dict's in standardize_rope_params.
  if ('original_max_position_embeddings' in source && rope.type === 'llama3') out.original_max_position_embeddings = rope.originalMaxPositionEmbeddings;
}

const sameRope = (a: RopeSpec, b: RopeSpec) => JSON.stringify(ropeKeys(a)) === JSON.stringify(ropeKeys(b)) && a.theta === b.theta;

/** transformers 5 writes `dtype`; v4 wrote `torch_dtype`. Keep the source's key (both if it had both). */
function writeDtype(out: Json, source: Readonly<Json> | null, dtype: SavedDtype): void {
  const name = DTYPE_NAMES[dtype];
  const v4Only = source !== null && 'torch_dtype' in source && !('dtype' in source);
  if (!v4Only) out.dtype = name;
  if (source !== null && 'torch_dtype' in source) out.torch_dtype = name;
}

/** The source config.json with only what differs from `c` rewritten, so unknown keys and the layout survive. */
function updatedSource(c: ModelConfig, source: Readonly<Json>): Json {
  const out = structuredClone(source) as Json;
  const was = parseHfConfig(source);
  for (const key of OWNED_KEYS) {
    if (JSON.stringify(c[key]) !== JSON.stringify(was[key])) out[key] = structuredClone(c[key]);
  }
  if (c.model_type !== was.model_type || !('architectures' in out)) out.architectures = [architecture(c)];
  if (!('hidden_act' in out)) out.hidden_act = 'silu';
  if (!sameRope(c.rope, was.rope)) writeRope(out, source, c.rope);
  return out;
}

/** A config.json for a config with no source (a preset), as transformers 5 would write it. */
function freshHfConfig(c: ModelConfig): Json {
  return {
    architectures: [architecture(c)],
    model_type: c.model_type,
    vocab_size: c.vocab_size,
    hidden_size: c.hidden_size,
    intermediate_size: c.intermediate_size,
    num_hidden_layers: c.num_hidden_layers,
    num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads,
    head_dim: c.head_dim,
    hidden_act: 'silu',
    rms_norm_eps: c.rms_norm_eps,
    rope_parameters: { rope_theta: c.rope.theta, ...ropeKeys(c.rope) },
    max_position_embeddings: c.max_position_embeddings,
    tie_word_embeddings: c.tie_word_embeddings,
    ...(c.model_type === 'llama' ? { attention_bias: false, mlp_bias: false } : {}),
    bos_token_id: c.bos_token_id,
    eos_token_id: c.eos_token_id,
  };
}

/**
 * The config.json to save next to weights written as `opts.dtype`: the source config with our fields updated
 * (same layout, unknown keys kept) or, for a preset, a transformers 5 style one. The dtype key says what was saved.
 */
export function toHfConfig(c: ModelConfig, opts: { dtype: SavedDtype }): Json {
  const out = c.source ? updatedSource(c, c.source) : freshHfConfig(c);
  writeDtype(out, c.source, opts.dtype);
  return out;
}

/** Built-in sizes. `reference` is the size `thinktune bench` measures (issue: Foundation). */
export const PRESETS = {
  tiny: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 },
  small: { hidden_size: 96, intermediate_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4 },
  reference: { hidden_size: 128, intermediate_size: 512, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4 },
} as const;
export type PresetName = keyof typeof PRESETS;

/** A preset as a Llama config with default rope (theta 10000) unless overridden; it has no source. */
export function presetConfig(name: PresetName, vocabSize: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const { rope = { type: 'default', theta: 10000 }, source = null, ...fields } = overrides;
  const config = parseHfConfig({
    model_type: 'llama',
    vocab_size: vocabSize,
    rms_norm_eps: 1e-5,
    max_position_embeddings: 1024,
    tie_word_embeddings: false,
    ...PRESETS[name],
    ...fields,
    rope_parameters: { rope_theta: rope.theta, ...ropeKeys(rope) },
  });
  return { ...config, source };
}

/**
 * Model configuration: the subset of a Hugging Face `config.json` that a Llama / Qwen2 decoder needs.
 *
 * Field names follow HF so a `config.json` round-trips; `parseHfConfig` validates and fills defaults once
 * at the boundary, the rest of the engine trusts `ModelConfig`.
 */
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
  rope_theta: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2: true; Llama: `attention_bias`, default false). */
  attention_bias: boolean;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
}

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function num(raw: Json, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ConfigError(`config.json: "${key}" must be a number (got ${JSON.stringify(raw[key])}); set it to the model's value`);
  }
  return v;
}

function posInt(raw: Json, key: string, fallback?: number): number {
  const v = num(raw, key, fallback);
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`config.json: "${key}" must be a positive integer (got ${v})`);
  return v;
}

/** Validate a parsed HF config.json and fill the defaults HF itself uses. */
export function parseHfConfig(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null) throw new ConfigError('config.json: expected a JSON object');
  const r = raw as Json;
  const modelType = (r.model_type ?? 'llama') as string;
  if (modelType !== 'llama' && modelType !== 'qwen2') {
    throw new ConfigError(`config.json: model_type "${modelType}" is not supported; thinktune loads "llama" and "qwen2" layouts`);
  }
  const hidden = posInt(r, 'hidden_size');
  const heads = posInt(r, 'num_attention_heads');
  const kvHeads = posInt(r, 'num_key_value_heads', heads);
  if (heads % kvHeads !== 0) {
    throw new ConfigError(`config.json: num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads})`);
  }
  const headDim = posInt(r, 'head_dim', hidden / heads);
  if (headDim % 2 !== 0) throw new ConfigError(`config.json: head_dim (${headDim}) must be even for rotary embeddings`);
  const ropeScaling = r.rope_scaling as Json | null | undefined;
  if (ropeScaling && ropeScaling.rope_type !== 'default' && ropeScaling.type !== 'default') {
    throw new ConfigError(`config.json: rope_scaling ${JSON.stringify(ropeScaling)} is not supported; remove it or use a model without rope scaling`);
  }
  return {
    model_type: modelType,
    vocab_size: posInt(r, 'vocab_size'),
    hidden_size: hidden,
    intermediate_size: posInt(r, 'intermediate_size'),
    num_hidden_layers: posInt(r, 'num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: headDim,
    rms_norm_eps: num(r, 'rms_norm_eps', 1e-6),
    rope_theta: num(r, 'rope_theta', 10000),
    max_position_embeddings: posInt(r, 'max_position_embeddings', 2048),
    tie_word_embeddings: Boolean(r.tie_word_embeddings ?? false),
    attention_bias: modelType === 'qwen2' ? true : Boolean(r.attention_bias ?? false),
    bos_token_id: (r.bos_token_id as number | null | undefined) ?? null,
    eos_token_id: (r.eos_token_id as number | number[] | null | undefined) ?? null,
  };
}

/** The HF config.json we write: our fields plus the architecture markers HF tools look for. */
export function toHfConfig(c: ModelConfig): Json {
  return {
    architectures: [c.model_type === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    hidden_act: 'silu',
    torch_dtype: 'float32',
    ...c,
  };
}

/** Built-in sizes. `reference` is the size `thinktune bench` measures (issue: Foundation). */
export const PRESETS = {
  tiny: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 },
  small: { hidden_size: 96, intermediate_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4 },
  reference: { hidden_size: 128, intermediate_size: 512, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 4 },
} as const;
export type PresetName = keyof typeof PRESETS;

export function presetConfig(name: PresetName, vocabSize: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const p = PRESETS[name];
  return parseHfConfig({
    model_type: 'llama',
    vocab_size: vocabSize,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: 1024,
    tie_word_embeddings: false,
    ...p,
    ...overrides,
  });
}

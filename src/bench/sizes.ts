/**
 * The sizes `thinktune bench` measures, as plain data: the same object is handed to
 * scripts/bench_pytorch.py (`--spec`), so the PyTorch model, batch and sampling shapes are the ones
 * measured here by construction. Field names follow HF's config.json and torch.optim.AdamW.
 *
 * - reference: the Foundation issue's size (a model the built-in world trains in minutes);
 * - large: issue 15's size, where per-op overhead matters less. Its 8 x 512 training tokens run as 4
 *   micro-batches of 2 x 512 with the gradients summed (as the trainer's micro-batches do): one
 *   [4096, 32000] logits tensor and its gradient alone would take ~2 GB of the wasm backend's 4 GiB.
 */
import { presetConfig, type ModelConfig } from '../model/config.js';

export const BENCH_SIZES = ['reference', 'large'] as const;
export type BenchSizeName = (typeof BENCH_SIZES)[number];

export interface BenchSpec {
  size: BenchSizeName;
  /** The model's config.json fields (ModelConfig's names; default RoPE, so its theta alone). */
  model: Pick<
    ModelConfig,
    | 'vocab_size'
    | 'hidden_size'
    | 'intermediate_size'
    | 'num_hidden_layers'
    | 'num_attention_heads'
    | 'num_key_value_heads'
    | 'head_dim'
    | 'rms_norm_eps'
    | 'max_position_embeddings'
    | 'tie_word_embeddings'
  > & { rope_theta: number };
  /** One optimizer step on batch x seq_len next-token targets, split into micro_batches (rows). */
  train: {
    batch: number;
    seq_len: number;
    micro_batches: number;
    lr: number;
    max_grad_norm: number;
    beta1: number;
    beta2: number;
    eps: number;
    weight_decay: number;
  };
  /** `prompts` random prompts of prompt_len tokens, `samples` each, every row new_tokens long. */
  generate: { prompts: number; samples: number; prompt_len: number; new_tokens: number };
  /** Timed repetitions after the warm-up (`--quick`: 1 each): fewer at the large size, whose step takes minutes on wasm. */
  repeats: { train_steps: number; gen_runs: number };
}

/** thinktune's AdamW defaults (src/train/optim.ts) and the bench's lr and clipping. */
const TRAIN_DEFAULTS = { lr: 1e-4, max_grad_norm: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01 };

/** Llama preset defaults (src/model/config.ts presetConfig): untied embeddings, rope theta 10000, eps 1e-5. */
const MODEL_DEFAULTS = { rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false };

export const SIZES: Record<BenchSizeName, BenchSpec> = {
  reference: {
    size: 'reference',
    model: {
      ...MODEL_DEFAULTS,
      vocab_size: 64,
      hidden_size: 128,
      intermediate_size: 512,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 4,
      head_dim: 32,
      max_position_embeddings: 256,
    },
    train: { ...TRAIN_DEFAULTS, batch: 16, seq_len: 128, micro_batches: 1 },
    generate: { prompts: 8, samples: 5, prompt_len: 32, new_tokens: 128 },
    repeats: { train_steps: 5, gen_runs: 3 },
  },
  large: {
    size: 'large',
    model: {
      ...MODEL_DEFAULTS,
      vocab_size: 32000,
      hidden_size: 512,
      intermediate_size: 2048,
      num_hidden_layers: 8,
      num_attention_heads: 8,
      num_key_value_heads: 8,
      head_dim: 64,
      max_position_embeddings: 1024,
    },
    train: { ...TRAIN_DEFAULTS, batch: 8, seq_len: 512, micro_batches: 4 },
    generate: { prompts: 4, samples: 4, prompt_len: 64, new_tokens: 128 },
    repeats: { train_steps: 1, gen_runs: 1 },
  },
};

/** `--size reference|large|all` (or a comma list) -> the specs, in BENCH_SIZES order; `quick` sets every repeat to 1. */
export function parseSizes(raw: string | undefined, quick = false): BenchSpec[] {
  const names = (raw ?? 'reference')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const picked = new Set<BenchSizeName>();
  for (const n of names) {
    if (n === 'all') BENCH_SIZES.forEach((s) => picked.add(s));
    else if ((BENCH_SIZES as readonly string[]).includes(n)) picked.add(n as BenchSizeName);
    else throw new Error(`--size must be ${BENCH_SIZES.join(', ')} or all (a comma list works too), not "${n}"`);
  }
  if (picked.size === 0) throw new Error(`--size must name a size: ${BENCH_SIZES.join(', ')} or all`);
  return BENCH_SIZES.filter((s) => picked.has(s)).map((s) => (quick ? { ...SIZES[s], repeats: { train_steps: 1, gen_runs: 1 } } : SIZES[s]));
}

/** The thinktune model config of a spec (a Llama preset with the spec's sizes). */
export function modelConfigOf(spec: BenchSpec): ModelConfig {
  const m = spec.model;
  return presetConfig('reference', m.vocab_size, {
    hidden_size: m.hidden_size,
    intermediate_size: m.intermediate_size,
    num_hidden_layers: m.num_hidden_layers,
    num_attention_heads: m.num_attention_heads,
    num_key_value_heads: m.num_key_value_heads,
    head_dim: m.head_dim,
    rms_norm_eps: m.rms_norm_eps,
    rope: { type: 'default', theta: m.rope_theta },
    max_position_embeddings: m.max_position_embeddings,
    tie_word_embeddings: m.tie_word_embeddings,
  });
}

/** One line describing a spec's shapes, for the human output and the JSON. */
export function describeSpec(spec: BenchSpec): { train: string; generate: string } {
  const { model: m, train: t, generate: g } = spec;
  const micro = t.micro_batches > 1 ? ` (${t.micro_batches} micro-batches of ${t.batch / t.micro_batches} x ${t.seq_len})` : '';
  return {
    train: `${t.batch} x ${t.seq_len} tokens${micro}, hidden ${m.hidden_size}, ${m.num_hidden_layers} layers, ${m.num_attention_heads} heads, intermediate ${m.intermediate_size}, vocab ${m.vocab_size}`,
    generate: `${g.prompts} prompts x ${g.samples} samples, ${g.prompt_len}-token prompts, ${g.new_tokens} new tokens`,
  };
}

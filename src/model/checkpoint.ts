/**
 * A Hugging Face checkpoint as the model reads it: config.json parsed into a ModelConfig, the tensors a
 * Llama / Qwen2 decoder of that config needs (HF names, HF layout: linear weights [out, in]) checked by
 * name and shape, and the way back. The files themselves (folders, shards, atomic saves) are
 * src/io/model-folder.ts; converting to the engine's parameter layout is params.ts.
 */
import path from 'node:path';
import {
  CONFIG_FILE,
  CheckpointError,
  readModelConfigJson,
  readModelWeights,
  writeModelFolder,
  type RawTensor,
  type SaveCheckpointOptions,
} from '../io/model-folder.js';
import { ConfigError, parseHfConfig, toHfConfig, type ModelConfig } from './config.js';

export { CheckpointError } from '../io/model-folder.js';
export type { RawTensor, SaveCheckpointOptions } from '../io/model-folder.js';

export interface LoadedCheckpoint {
  config: ModelConfig;
  /** HF names -> HF-layout tensors, in file (or weight_map) order. */
  tensors: Map<string, RawTensor>;
  /** config.json as parsed, including fields ModelConfig does not keep. */
  rawConfig: Record<string, unknown>;
}

const fmtShape = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** HF tensor names and HF shapes ([out, in] for linear weights) of a Llama / Qwen2 decoder. */
export function hfTensorShapes(c: ModelConfig): Map<string, number[]> {
  const d = c.hidden_size;
  const qDim = c.num_attention_heads * c.head_dim;
  const kvDim = c.num_key_value_heads * c.head_dim;
  const I = c.intermediate_size;
  const shapes = new Map<string, number[]>();
  shapes.set('model.embed_tokens.weight', [c.vocab_size, d]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(p + 'input_layernorm.weight', [d]);
    shapes.set(p + 'self_attn.q_proj.weight', [qDim, d]);
    shapes.set(p + 'self_attn.k_proj.weight', [kvDim, d]);
    shapes.set(p + 'self_attn.v_proj.weight', [kvDim, d]);
    if (c.attention_bias) {
      shapes.set(p + 'self_attn.q_proj.bias', [qDim]);
      shapes.set(p + 'self_attn.k_proj.bias', [kvDim]);
      shapes.set(p + 'self_attn.v_proj.bias', [kvDim]);
    }
    shapes.set(p + 'self_attn.o_proj.weight', [d, qDim]);
    shapes.set(p + 'post_attention_layernorm.weight', [d]);
    shapes.set(p + 'mlp.gate_proj.weight', [I, d]);
    shapes.set(p + 'mlp.up_proj.weight', [I, d]);
    shapes.set(p + 'mlp.down_proj.weight', [d, I]);
  }
  shapes.set('model.norm.weight', [d]);
  if (!c.tie_word_embeddings) shapes.set('lm_head.weight', [c.vocab_size, d]);
  return shapes;
}

/** Why an expected tensor can be missing, in terms of the config field most likely wrong. */
function missingHint(name: string): string {
  if (name === 'lm_head.weight') return 'the checkpoint is from a different model or tie_word_embeddings is wrong';
  if (name.endsWith('_proj.bias')) return 'the checkpoint is from a different model or attention_bias / model_type is wrong';
  if (name.startsWith('model.layers.')) return 'the checkpoint is from a different model or num_hidden_layers is wrong';
  return 'the checkpoint is from a different model';
}

/**
 * Check that every expected tensor is present with exactly the expected shape. Extra tensors are
 * allowed (HF checkpoints sometimes carry e.g. a tied lm_head). Throws one line for the first problem.
 */
export function expectTensors(tensors: Map<string, RawTensor>, expected: Map<string, number[]>, source: string): void {
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) {
      problems.push(`missing tensor '${name}' ${fmtShape(shape)} — ${missingHint(name)}`);
    } else if (t.shape.length !== shape.length || t.shape.some((dim, i) => dim !== shape[i])) {
      problems.push(`tensor '${name}' has shape ${fmtShape(t.shape)} but ${fmtShape(shape)} is expected — config.json does not match the weights`);
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new CheckpointError(`${source}: ${problems[0]}${more}`);
  }
}

/** Load config.json and all weights of an HF checkpoint folder (config first: its errors come first). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const rawConfig = readModelConfigJson(dir);
  let config: ModelConfig;
  try {
    config = parseHfConfig(rawConfig);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new CheckpointError(`${path.join(dir, CONFIG_FILE)}: ${e.message.replace(/^config\.json: /, '')}`, { cause: e });
  }
  return { config, tensors: readModelWeights(dir), rawConfig };
}

/** Write config.json (via toHfConfig, which records the saved dtype), the weights and extra files, all or nothing. */
export function saveCheckpoint(dir: string, config: ModelConfig, tensors: Map<string, RawTensor>, opts: SaveCheckpointOptions = {}): void {
  writeModelFolder(dir, toHfConfig(config, { dtype: opts.dtype ?? 'F32' }) as Record<string, unknown>, tensors, opts);
}

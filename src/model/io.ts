/**
 * A model folder on disk <-> a CausalLM (+ its tokenizer and generation config): HF `config.json`,
 * `model.safetensors` (or shards), `tokenizer.json` (+ `tokenizer_config.json`, chat template),
 * `generation_config.json`. The checkpoint layer validates bytes and shapes; this layer converts to our
 * parameter layout. Everything a folder held that transformers or vLLM read is written back on save.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectTensors, hfTensorShapes, loadCheckpoint, saveCheckpoint, CheckpointError } from './checkpoint.js';
import { loadTokenizer, tokenizerFiles, TOKENIZER_FILE } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { GENERATION_CONFIG_FILE, readGenerationConfig, type GenerationConfig } from './generation-config.js';
import { CausalLM } from './model.js';
import { paramsFromHf, paramsToHf } from './params.js';

export interface LoadedModel {
  model: CausalLM;
  /** null when the folder has no tokenizer.json (score with --ids then). */
  tokenizer: Tokenizer | null;
  /** End-of-sequence ids and the raw generation_config.json (raw null when the folder has none). */
  generation: GenerationConfig;
  dir: string;
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const ck = loadCheckpoint(dir);
  expectTensors(ck.tensors, hfTensorShapes(ck.config), dir);
  const model = new CausalLM(ck.config, paramsFromHf(ck.config, ck.tensors));
  const tokenizer = existsSync(join(dir, TOKENIZER_FILE)) ? await loadTokenizer(dir) : null;
  const generation = readGenerationConfig(dir, ck.config.eos_token_id);
  return { model, tokenizer, generation, dir };
}

export interface SaveModelOptions {
  dtype?: 'F32' | 'BF16';
  tokenizer?: Tokenizer | null;
  /** Written as generation_config.json, unchanged (the stop ids transformers and vLLM use). */
  generation?: GenerationConfig | null;
  /** More files to place in the folder atomically with the weights (optimizer state, run state...). */
  extraFiles?: Record<string, string | Uint8Array>;
}

/** Write the model (and tokenizer) as an HF-layout folder; atomic: a crash leaves the old folder intact. */
export function saveModel(dir: string, model: CausalLM, opts: SaveModelOptions = {}): void {
  const generation: Record<string, string> = opts.generation?.raw ? { [GENERATION_CONFIG_FILE]: JSON.stringify(opts.generation.raw, null, 2) + '\n' } : {};
  const extra = { ...(opts.tokenizer ? tokenizerFiles(opts.tokenizer) : {}), ...generation, ...(opts.extraFiles ?? {}) };
  saveCheckpoint(dir, model.config, paramsToHf(model.config, model.params), { dtype: opts.dtype ?? 'F32', extraFiles: extra });
}

export { CheckpointError };

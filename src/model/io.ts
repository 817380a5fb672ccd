/**
 * A model folder on disk <-> a CausalLM (+ its tokenizer): HF `config.json`, `model.safetensors`
 * (or shards), `tokenizer.json`. The checkpoint layer validates bytes and shapes; this layer converts
 * to our parameter layout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectTensors, hfTensorShapes, loadCheckpoint, saveCheckpoint, CheckpointError } from '../io/checkpoint.js';
import { loadTokenizer, tokenizerFiles, TOKENIZER_FILE } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { CausalLM } from './model.js';
import { paramsFromHf, paramsToHf } from './params.js';

export interface LoadedModel {
  model: CausalLM;
  /** null when the folder has no tokenizer.json (score with --ids then). */
  tokenizer: Tokenizer | null;
  dir: string;
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const ck = loadCheckpoint(dir);
  expectTensors(ck.tensors, hfTensorShapes(ck.config), dir);
  const model = new CausalLM(ck.config, paramsFromHf(ck.config, ck.tensors));
  const tokenizer = existsSync(join(dir, TOKENIZER_FILE)) ? await loadTokenizer(dir) : null;
  return { model, tokenizer, dir };
}

export interface SaveModelOptions {
  dtype?: 'F32' | 'BF16';
  tokenizer?: Tokenizer | null;
  /** More files to place in the folder atomically with the weights (optimizer state, run state...). */
  extraFiles?: Record<string, string | Uint8Array>;
}

/** Write the model (and tokenizer) as an HF-layout folder; atomic: a crash leaves the old folder intact. */
export function saveModel(dir: string, model: CausalLM, opts: SaveModelOptions = {}): void {
  const extra = { ...(opts.tokenizer ? tokenizerFiles(opts.tokenizer) : {}), ...(opts.extraFiles ?? {}) };
  saveCheckpoint(dir, model.config, paramsToHf(model.config, model.params), { dtype: opts.dtype ?? 'F32', extraFiles: extra });
}

export { CheckpointError };

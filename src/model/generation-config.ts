/**
 * `generation_config.json`: what transformers' `generate` and vLLM read besides the weights. thinktune
 * takes only the end-of-sequence ids from it (Llama-3-Instruct ends a reply with `<|eot_id|>`, which is
 * not the tokenizer's eos_token, so a decoder that ignores this file never stops) and carries the file
 * unchanged into every checkpoint. Sampling defaults in it (temperature, top_p) are not used: the run's
 * config sets those explicitly, as TRL does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, errnoCode } from '../io/errors.js';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

export interface GenerationConfig {
  /** Ids that end a generation (generation_config.json's eos_token_id, one id or a list). */
  eosTokenIds: number[];
  /** The file as read, written back unchanged into checkpoints; null when the folder has none. */
  raw: Record<string, unknown> | null;
}

function idList(value: unknown, file: string): number[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  for (const id of list) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new CheckpointError(
        `${file}: "eos_token_id" must be a token id or a list of ids (got ${JSON.stringify(value)}); fix it or copy the model's original`,
      );
    }
  }
  return list as number[];
}

/**
 * The generation settings of a model folder. Without generation_config.json, transformers derives one
 * from config.json (`GenerationConfig.from_model_config`), so `modelEos` (config.json's eos_token_id)
 * stands in.
 */
export function readGenerationConfig(dir: string, modelEos: number | number[] | null): GenerationConfig {
  const file = join(dir, GENERATION_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { eosTokenIds: idList(modelEos, join(dir, 'config.json')), raw: null };
    throw new CheckpointError(`cannot read ${file} (${errnoCode(e) ?? (e as Error).message}); check that it is a readable file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message}); fix it or copy the model's original`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CheckpointError(`${file} must hold a JSON object; fix it or copy the model's original`);
  }
  const r = raw as Record<string, unknown>;
  return { eosTokenIds: idList(r.eos_token_id ?? modelEos, file), raw: r };
}

/** The ids that stop a generation: the generation config's, then the tokenizer's eos, without repeats. */
export function stopTokenIds(gen: GenerationConfig | null, tokenizerEos: number): number[] {
  return [...new Set([...(gen?.eosTokenIds ?? []), tokenizerEos])];
}

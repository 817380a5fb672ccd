/**
 * `tokenizer.json` next to the model, whichever kind it is: ours (`{"thinktune_tokenizer": "char", ...}`)
 * or a Hugging Face one (`{"model": {...}, ...}` plus `tokenizer_config.json`). The file's own keys pick the
 * class, so a checkpoint folder is self-describing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CharTokenizer } from './char.js';
import { TokenizerError } from './errors.js';
import { HfTokenizer } from './hf.js';
import { WordTokenizer } from './word.js';
import type { Tokenizer } from './types.js';

export const TOKENIZER_FILE = 'tokenizer.json';
const HF_CONFIG_FILE = 'tokenizer_config.json';
const HF_SPECIAL_MAP_FILE = 'special_tokens_map.json';
const HF_TEMPLATE_FILE = 'chat_template.jinja';

const FIX_NO_TOKENIZER = "save one with saveTokenizer, or copy the model's tokenizer.json and tokenizer_config.json from its Hugging Face repo";

/** Load the tokenizer saved in `dir` (a model or checkpoint folder). Throws `TokenizerError` with the fix. */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const file = join(dir, TOKENIZER_FILE);
  const json = await readJson(file, FIX_NO_TOKENIZER);
  if (isObject(json) && json.thinktune_tokenizer === 'word') return WordTokenizer.fromJSON(json, file);
  if (isObject(json) && 'thinktune_tokenizer' in json) return CharTokenizer.fromJSON(json, file);
  if (isObject(json) && 'model' in json) return loadHf(dir, json);
  throw new TokenizerError(
    `${file} is neither a thinktune tokenizer (no "thinktune_tokenizer" key) nor a Hugging Face one (no "model" key); ${FIX_NO_TOKENIZER}`,
  );
}

/** The files that hold `tok`, by name, as text (what `loadTokenizer` reads back). */
export function tokenizerFiles(tok: Tokenizer): Record<string, string> {
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  if (tok instanceof CharTokenizer || tok instanceof WordTokenizer) return { [TOKENIZER_FILE]: json(tok.toJSON()) };
  if (tok instanceof HfTokenizer) {
    const { tokenizer, config, specialTokensMap, chatTemplate } = tok.files;
    const files: Record<string, string> = { [TOKENIZER_FILE]: json(tokenizer), [HF_CONFIG_FILE]: json(config) };
    if (specialTokensMap) files[HF_SPECIAL_MAP_FILE] = json(specialTokensMap);
    if (chatTemplate !== undefined) files[HF_TEMPLATE_FILE] = chatTemplate;
    return files;
  }
  throw new TokenizerError(`saveTokenizer: cannot save a ${tok.constructor.name}; pass a CharTokenizer, WordTokenizer or HfTokenizer`);
}

/** Write `tok` into `dir` (created if needed) so `loadTokenizer(dir)` gives it back. */
export async function saveTokenizer(tok: Tokenizer, dir: string): Promise<void> {
  const files = tokenizerFiles(tok);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

async function loadHf(dir: string, tokenizer: Record<string, unknown>): Promise<HfTokenizer> {
  const configFile = join(dir, HF_CONFIG_FILE);
  const config = await readJson(
    configFile,
    `copy it from the model's Hugging Face repo next to ${TOKENIZER_FILE} (it names the bos/eos/pad tokens and the chat template)`,
  );
  if (!isObject(config)) throw new TokenizerError(`${configFile} must hold a JSON object; copy the model's original`);
  const specialTokensMap = await readJson(join(dir, HF_SPECIAL_MAP_FILE), null);
  const chatTemplate = await readText(join(dir, HF_TEMPLATE_FILE), null);
  return new HfTokenizer(
    {
      tokenizer,
      config,
      ...(isObject(specialTokensMap) ? { specialTokensMap } : {}),
      ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    },
    dir,
  );
}

/** File text; `undefined` when missing and optional (`fixIfMissing` null), else a one-line `TokenizerError`. */
async function readText(file: string, fixIfMissing: string | null): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && fixIfMissing === null) return undefined;
    if (code === 'ENOENT') throw new TokenizerError(`${file} is missing; ${fixIfMissing}`);
    throw new TokenizerError(`${file} cannot be read (${code ?? (e as Error).message}); check that it is a readable file`);
  }
}

async function readJson(file: string, fixIfMissing: string | null): Promise<unknown> {
  const text = await readText(file, fixIfMissing);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(`${file} is not valid JSON (${(e as Error).message}); re-save the tokenizer or copy the model's original file`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Hugging Face tokenizers (Llama 3, Qwen2, ...) from a model folder's `tokenizer.json` +
 * `tokenizer_config.json`, encoded and decoded by `@huggingface/tokenizers` (pure JS, no network) and with
 * the chat template rendered by `@huggingface/jinja`, the same engine transformers.js uses.
 *
 * Conventions follow transformers' `PreTrainedTokenizer`:
 * - bos/eos/pad/unk come from `tokenizer_config.json`, then `special_tokens_map.json`; no pad means pad = eos.
 * - `encode` adds special tokens only when asked (`{addSpecialTokens: true}`, transformers'
 *   `tokenizer(text)`), and then exactly what `tokenizer.json`'s post-processor adds (Llama 3 prepends
 *   BOS, Qwen2 adds nothing): never a BOS of our own. A rendered chat template is encoded without them,
 *   as `apply_chat_template` does, since the template already writes what the model wants.
 * - `decode` cleans up tokenization spaces only when the config says so (the transformers default is now
 *   false), so Qwen2 text round-trips exactly.
 * - A template in `chat_template.jinja` (newer transformers save it there) wins over the config's.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer as HfCoreTokenizer } from '@huggingface/tokenizers';
import { join } from 'node:path';
import { TokenizerError } from './errors.js';
import type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, Tokenizer } from './types.js';

type Json = Record<string, unknown>;

/** The parsed files a HF tokenizer is built from, kept so `saveTokenizer` can write them back. */
export interface HfTokenizerFiles {
  /** `tokenizer.json`: normalizer, pre-tokenizer, model (BPE/WordPiece/Unigram), decoder, added tokens. */
  tokenizer: Json;
  /** `tokenizer_config.json`: special tokens, `chat_template`, decode options. */
  config: Json;
  /** `special_tokens_map.json`, when the folder has one: fallback for special tokens the config leaves out. */
  specialTokensMap?: Json;
  /** `chat_template.jinja`, when the folder has one. */
  chatTemplate?: string;
}

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'pad_token', 'unk_token'] as const;
type SpecialKey = (typeof SPECIAL_KEYS)[number];

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly bosId: number | null;
  readonly padId: number;
  /** Defined only when the files carry a chat template. */
  readonly applyChatTemplate?: (messages: ChatMessage[], opts?: ChatTemplateOptions) => string;
  readonly files: HfTokenizerFiles;
  private readonly core: HfCoreTokenizer;
  /** Special-token strings by config key, for the template and for `skipSpecial`. */
  private readonly specialTokens: Partial<Record<SpecialKey, string>>;
  private readonly cleanUpSpaces: boolean;

  /** `dir` only names the files in error messages. */
  constructor(files: HfTokenizerFiles, dir = '.') {
    this.files = files;
    const configFile = join(dir, 'tokenizer_config.json');
    this.specialTokens = {};
    for (const key of SPECIAL_KEYS) {
      const token = tokenContent(files.config[key]) ?? tokenContent(files.specialTokensMap?.[key]);
      if (token !== null) this.specialTokens[key] = token;
    }
    this.core = buildCore(files, { ...files.config, ...this.specialTokens }, join(dir, 'tokenizer.json'));
    this.cleanUpSpaces = files.config.clean_up_tokenization_spaces === true;

    let maxId = -1;
    for (const id of this.core.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const idOf = (key: SpecialKey): number | null => {
      const token = this.specialTokens[key];
      if (token === undefined) return null;
      const id = this.core.token_to_id(token);
      if (id === undefined) {
        throw new TokenizerError(`${configFile}: ${key} ${JSON.stringify(token)} is not in tokenizer.json; use both files from the same model`);
      }
      return id;
    };
    const eosId = idOf('eos_token');
    if (eosId === null) {
      throw new TokenizerError(`${configFile}: no "eos_token"; add "eos_token": "<the token that ends a reply>" (e.g. "<|im_end|>")`);
    }
    this.eosId = eosId;
    this.bosId = idOf('bos_token');
    this.padId = idOf('pad_token') ?? eosId;

    const source = chatTemplateSource(files, dir);
    if (source !== null) {
      const template = compileTemplate(source.text, source.file);
      this.applyChatTemplate = (messages, opts = {}) => this.renderChat(template, source.file, messages, opts);
    }
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecial = opts.addSpecialTokens ?? false;
    if (text.length === 0 && !addSpecial) return [];
    return this.core.encode(text, { add_special_tokens: addSpecial }).ids;
  }

  decode(ids: number[], opts: DecodeOptions = {}): string {
    const controlIds = new Set([this.bosId, this.eosId, this.padId]);
    // Ids past the vocabulary (a padded embedding's spare rows) have no text; HF's Rust decoder skips them too.
    const kept = ids.filter((id) => this.core.id_to_token(id) !== undefined && !(opts.skipSpecial && controlIds.has(id)));
    if (kept.length === 0) return ''; // the library throws on an empty list
    return this.core.decode(kept, {
      skip_special_tokens: opts.skipSpecial ?? false,
      clean_up_tokenization_spaces: this.cleanUpSpaces,
    });
  }

  tokenToString(id: number): string {
    if (this.core.id_to_token(id) === undefined) return '';
    return this.core.decode([id], { clean_up_tokenization_spaces: false });
  }

  private renderChat(template: Template, file: string, messages: ChatMessage[], opts: ChatTemplateOptions): string {
    try {
      return template.render({
        messages,
        add_generation_prompt: opts.addGenerationPrompt ?? false,
        ...this.specialTokens,
      });
    } catch (e) {
      throw new TokenizerError(`${file}: chat template failed on these messages: ${oneLine(e)}; check the roles and order of the messages`);
    }
  }
}

/** A special token in tokenizer_config.json is a string, or an AddedToken object `{content, ...}`. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Json).content === 'string') {
    return (value as Json).content as string;
  }
  return null;
}

function buildCore(files: HfTokenizerFiles, config: Json, file: string): HfCoreTokenizer {
  try {
    // The library requires these keys (null is fine) and iterates added_tokens; real files always have them.
    const json = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...files.tokenizer };
    return new HfCoreTokenizer(json, config);
  } catch (e) {
    throw new TokenizerError(`${file}: @huggingface/tokenizers cannot build it (${oneLine(e)}); use the model's own tokenizer.json`);
  }
}

/** The template text and the file it came from, or null when the model has none (base models often don't). */
function chatTemplateSource(files: HfTokenizerFiles, dir: string): { text: string; file: string } | null {
  if (files.chatTemplate !== undefined) return { text: files.chatTemplate, file: join(dir, 'chat_template.jinja') };
  const file = join(dir, 'tokenizer_config.json');
  const raw = files.config.chat_template;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return { text: raw, file };
  // Older configs hold several named templates: [{name, template}, ...]; transformers uses "default".
  const named = Array.isArray(raw) ? (raw as Json[]).find((t) => t?.name === 'default')?.template : (raw as Json).default;
  if (typeof named !== 'string') {
    throw new TokenizerError(`${file}: "chat_template" has no "default" template; make it a string or add one named "default"`);
  }
  return { text: named, file };
}

function compileTemplate(text: string, file: string): Template {
  try {
    return new Template(text);
  } catch (e) {
    throw new TokenizerError(`${file}: the chat template does not parse (${oneLine(e)}); fix it or copy the model's original`);
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
}

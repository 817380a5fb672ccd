/**
 * Hand-built Hugging Face tokenizer folders for tests (no network): a tiny byte-level BPE in the layout
 * Llama 3 and Qwen2 use (ByteLevel pre-tokenizer and decoder, GPT-2 byte alphabet, a few merges), with
 * each family's special tokens, tokenizer_config.json and real chat template.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** GPT-2's byte -> printable character table (bytes_to_unicode): byte-level BPE vocabularies are written in it. */
function byteAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(printable(b) ? b : 256 + shifted++));
  return table;
}

/**
 * Merges in rank order (lower merges first); "Ġ" is the byte-level space. Each result joins the vocabulary,
 * so "hello the 12" encodes as ["hello", "Ġthe", "Ġ", "12"].
 */
const MERGES = ['t h', 'th e', 'Ġ the', 'h e', 'l l', 'he ll', 'hell o', '1 2'];

function tinyBpe(added: string[], postProcessor: unknown) {
  const vocab: Record<string, number> = {};
  for (const c of byteAlphabet()) vocab[c] = Object.keys(vocab).length;
  for (const m of MERGES) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const base = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map((content, i) => ({
      id: base + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: postProcessor,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: MERGES,
    },
  };
}

/** 256 byte tokens + one per merge: the first added token's id. */
export const FIRST_ADDED_ID = 256 + MERGES.length;

// Meta-Llama-3-8B-Instruct's chat_template, verbatim.
export const LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

// Qwen2-0.5B-Instruct's chat_template (ChatML), verbatim.
export const QWEN2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

export const LLAMA3_ADDED = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];
export const QWEN2_ADDED = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

export function llama3Files() {
  const bos = LLAMA3_ADDED[0];
  const tokenizer = tinyBpe(LLAMA3_ADDED, {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [bos]: { id: bos, ids: [FIRST_ADDED_ID], tokens: [bos] } },
  });
  const config = {
    // Older configs write special tokens as AddedToken objects; Llama 3 has no pad token.
    bos_token: { __type: 'AddedToken', content: bos, lstrip: false, normalized: false, rstrip: false, single_word: false },
    eos_token: '<|eot_id|>',
    clean_up_tokenization_spaces: true,
    model_max_length: 8192,
    tokenizer_class: 'PreTrainedTokenizerFast',
    chat_template: LLAMA3_TEMPLATE,
  };
  return { tokenizer, config };
}

export function qwen2Files() {
  const tokenizer = tinyBpe(QWEN2_ADDED, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false });
  const config = {
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    clean_up_tokenization_spaces: false,
    model_max_length: 32768,
    tokenizer_class: 'Qwen2Tokenizer',
    chat_template: QWEN2_TEMPLATE,
  };
  return { tokenizer, config };
}

const madeDirs: string[] = [];

/** A fresh temp folder holding `files` (name -> JSON value, or text for non-.json names). */
export async function writeModelDir(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'thinktune-tok-'));
  madeDirs.push(dir);
  for (const [name, value] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

/** Delete every folder `writeModelDir` made; register with `after(removeModelDirs)`. */
export async function removeModelDirs(): Promise<void> {
  await Promise.all(madeDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

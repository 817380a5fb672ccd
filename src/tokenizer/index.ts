/** The tokenizer room: one interface, two implementations, one loader. */
export type { ChatMessage, ChatTemplateOptions, DecodeOptions, EncodeOptions, Tokenizer } from './types.js';
export { TokenizerError } from './errors.js';
export { CharTokenizer, DEFAULT_ALPHABET, SPECIAL_TOKENS, type CharTokenizerJson } from './char.js';
export { HfTokenizer, type HfTokenizerFiles } from './hf.js';
export { loadTokenizer, saveTokenizer, TOKENIZER_FILE } from './load.js';

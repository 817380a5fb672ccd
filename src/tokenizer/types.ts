/**
 * The one interface the engine, the RL loop and the UI use for text <-> token ids, whether the ids come
 * from our built-in character vocabulary (`char.ts`) or a Hugging Face `tokenizer.json` (`hf.ts`).
 */

export interface ChatMessage {
  /** "system" | "user" | "assistant" (any string the chat template understands). */
  role: string;
  content: string;
}

export interface EncodeOptions {
  /**
   * Add the special tokens the tokenizer adds to a plain text, as transformers' `tokenizer(text)` does
   * (`add_special_tokens=True`): for a Hugging Face tokenizer whatever its post-processor adds (Llama 3:
   * BOS; Qwen2: nothing); for the built-in tokenizers, BOS. Default false, as `apply_chat_template` encodes
   * a rendered template: it already holds the special tokens the model wants.
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop pad/bos/eos and other control tokens from the text. Default false. */
  skipSpecial?: boolean;
}

export interface ChatTemplateOptions {
  /** End with the header that opens the assistant's turn, so the model continues as the assistant. */
  addGenerationPrompt?: boolean;
}

export interface Tokenizer {
  /** One more than the largest token id (ids are 0 .. vocabSize-1); the model's embedding may be larger. */
  readonly vocabSize: number;
  /** Token that ends a completion; sampling stops on it. */
  readonly eosId: number;
  /** Token that starts a sequence, or null when the model has none (Qwen2). */
  readonly bosId: number | null;
  /** Token used to fill ragged batches (masked out of the loss); falls back to eos when the model has none. */
  readonly padId: number;
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids with no vocabulary entry (e.g. a padded embedding's spare rows) decode to nothing, as in HF tokenizers. */
  decode(ids: number[], opts?: DecodeOptions): string;
  /** The text of one token for display (special tokens in their literal form, e.g. `<eos>`). */
  tokenToString(id: number): string;
  /** Present only when the tokenizer carries a chat template. */
  applyChatTemplate?(messages: ChatMessage[], opts?: ChatTemplateOptions): string;
}

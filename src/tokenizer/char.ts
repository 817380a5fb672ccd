/**
 * Character-level tokenizer for the built-in arithmetic tasks: one token per Unicode code point, after
 * four fixed special tokens. A tiny vocabulary (100 with `DEFAULT_ALPHABET`) keeps the embedding and the
 * LM head of a from-scratch model small, and every digit is its own token, so the model sees numbers the
 * same way a reward function reads them.
 *
 * Ids: 0 `<pad>`, 1 `<bos>`, 2 `<eos>`, 3 `<unk>`, then the characters in vocabulary order.
 * Saved as `tokenizer.json` in our own format (see `CharTokenizerJson`), never mistaken for a HF file.
 */
import { TokenizerError } from './errors.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';

/** Special tokens, in id order. They are names, not text: encode never produces them from the input. */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
const PAD_ID = 0;
const BOS_ID = 1;
const EOS_ID = 2;
const UNK_ID = 3;

/**
 * Newline plus printable ASCII (space .. `~`): digits, both letter cases, and all 32 punctuation marks
 * (`\ { } < > / = + - * ( ) . , : ; ? ! ' "` and the rest), enough for English arithmetic word problems
 * and their reasoning. 96 characters, so a vocabulary of 100 with the special tokens.
 */
export const DEFAULT_ALPHABET: string = '\n' + Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

/** On-disk form, written as `tokenizer.json`. The `thinktune_tokenizer` key is what `loadTokenizer` looks for. */
export interface CharTokenizerJson {
  thinktune_tokenizer: 'char';
  version: 1;
  /** Every token in id order: the four special tokens, then one character per entry. */
  vocab: string[];
  /** Ids of the special tokens (always 0..3; stored so the file explains itself). */
  special: { pad: number; bos: number; eos: number; unk: number };
}

export class CharTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId = EOS_ID;
  readonly bosId = BOS_ID;
  readonly padId = PAD_ID;
  readonly unkId = UNK_ID;
  /** Token strings in id order (specials first). */
  readonly vocab: readonly string[];
  private readonly idOfChar: Map<string, number>;

  private constructor(chars: readonly string[]) {
    this.vocab = [...SPECIAL_TOKENS, ...chars];
    this.vocabSize = this.vocab.length;
    this.idOfChar = new Map(chars.map((c, i) => [c, SPECIAL_TOKENS.length + i]));
  }

  /** A vocabulary of exactly these characters, in this order (a string is split into code points). */
  static fromAlphabet(chars: string | readonly string[]): CharTokenizer {
    const list = typeof chars === 'string' ? Array.from(chars) : [...chars];
    const problem = alphabetProblem(list);
    if (problem) throw new TokenizerError(`CharTokenizer alphabet: ${problem}; pass each character once (e.g. DEFAULT_ALPHABET)`);
    return new CharTokenizer(list);
  }

  /**
   * The characters that occur in `texts`. With `maxVocab` (special tokens included) only the most frequent
   * characters are kept (ties go to the lower code point) and the rest become `<unk>`. The kept characters
   * are ordered by code point, so the same corpus always gives the same ids.
   */
  static fromCorpus(texts: Iterable<string>, opts: { maxVocab?: number } = {}): CharTokenizer {
    const { maxVocab } = opts;
    if (maxVocab !== undefined && (!Number.isInteger(maxVocab) || maxVocab <= SPECIAL_TOKENS.length)) {
      throw new TokenizerError(`CharTokenizer maxVocab must be an integer above ${SPECIAL_TOKENS.length} (the special tokens); got ${maxVocab}`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    if (counts.size === 0) throw new TokenizerError('CharTokenizer.fromCorpus got no characters; pass the training texts');
    const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;
    let chars = [...counts.keys()];
    const room = maxVocab === undefined ? chars.length : maxVocab - SPECIAL_TOKENS.length;
    if (chars.length > room) {
      chars = chars.sort((a, b) => counts.get(b)! - counts.get(a)! || byCodePoint(a, b)).slice(0, room);
    }
    return new CharTokenizer(chars.sort(byCodePoint));
  }

  /** Rebuild from a parsed `tokenizer.json`; `file` names it in errors. */
  static fromJSON(raw: unknown, file = 'tokenizer.json'): CharTokenizer {
    const bad = (why: string) => new TokenizerError(`${file}: ${why}; re-save it with saveTokenizer or delete it to rebuild the vocabulary`);
    if (typeof raw !== 'object' || raw === null) throw bad('expected a JSON object');
    const r = raw as Partial<CharTokenizerJson>;
    checkTokenizerFile(r, 'char', bad);
    if (!Array.isArray(r.vocab) || !r.vocab.every((t) => typeof t === 'string')) throw bad('"vocab" must be an array of strings');
    SPECIAL_TOKENS.forEach((name, id) => {
      if (r.vocab![id] !== name) throw bad(`vocab[${id}] must be "${name}" (got ${JSON.stringify(r.vocab![id])})`);
    });
    const chars = r.vocab.slice(SPECIAL_TOKENS.length);
    const problem = alphabetProblem(chars);
    if (problem) throw bad(`"vocab" after the special tokens: ${problem}`);
    return new CharTokenizer(chars);
  }

  toJSON(): CharTokenizerJson {
    return {
      thinktune_tokenizer: 'char',
      version: 1,
      vocab: [...this.vocab],
      special: { pad: PAD_ID, bos: BOS_ID, eos: EOS_ID, unk: UNK_ID },
    };
  }

  /** One id per code point; characters outside the vocabulary (and so `<eos>` typed as text) map char by char. */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids = opts.addSpecialTokens ? [BOS_ID] : [];
    for (const c of text) ids.push(this.idOfChar.get(c) ?? UNK_ID);
    return ids;
  }

  /**
   * Special tokens appear by name (`<eos>`). With `skipSpecial`, pad/bos/eos are dropped and `<unk>` becomes
   * U+FFFD, so a character we could not represent still takes a place and cannot silently join its
   * neighbours (e.g. "1<unk>2" must not read as the answer "12").
   */
  decode(ids: number[], opts: DecodeOptions = {}): string {
    return decodeWithVocab(this.vocab, ids, opts);
  }

  tokenToString(id: number): string {
    return this.vocab[id] ?? '';
  }
}

/**
 * Decoding shared by the tokenizers whose vocabulary starts with SPECIAL_TOKENS (char and word): each id
 * is its vocabulary string; with `skipSpecial`, pad/bos/eos are dropped and `<unk>` becomes U+FFFD.
 */
export function decodeWithVocab(vocab: readonly string[], ids: number[], opts: DecodeOptions = {}): string {
  let text = '';
  for (const id of ids) {
    if (opts.skipSpecial && id < SPECIAL_TOKENS.length) {
      if (id === UNK_ID) text += '\uFFFD';
      continue;
    }
    text += vocab[id] ?? '';
  }
  return text;
}

/** Why `chars` cannot be a vocabulary (a clause; the caller adds the fix), or null when it can. */
function alphabetProblem(chars: readonly string[]): string | null {
  if (chars.length === 0) return 'it has no characters';
  const seen = new Set<string>();
  for (const c of chars) {
    if (Array.from(c).length !== 1) return `entry ${JSON.stringify(c)} is not one character`;
    if (seen.has(c)) return `${JSON.stringify(c)} appears twice`;
    seen.add(c);
  }
  return null;
}

/**
 * The checks every thinktune tokenizer file shares (`char` and `word` kinds): its kind, version 1, and
 * the four special ids 0..3 in `special`. Throws `bad(why)`, the caller's one-line error for its file.
 */
export function checkTokenizerFile(
  r: { thinktune_tokenizer?: unknown; version?: unknown; special?: { pad: number; bos: number; eos: number; unk: number } },
  kind: 'char' | 'word',
  bad: (why: string) => Error,
): void {
  if (r.thinktune_tokenizer !== kind) throw bad(`"thinktune_tokenizer" is ${JSON.stringify(r.thinktune_tokenizer)}, expected "${kind}"`);
  if (r.version !== 1) throw bad(`version ${JSON.stringify(r.version)} is not supported (this thinktune reads version 1)`);
  const s = r.special;
  if (!s || s.pad !== PAD_ID || s.bos !== BOS_ID || s.eos !== EOS_ID || s.unk !== UNK_ID) {
    throw bad(`"special" must be {"pad":0,"bos":1,"eos":2,"unk":3} (got ${JSON.stringify(s)})`);
  }
}

/**
 * Word-level tokenizer for the built-in world: a word (with its leading space), a whole number up to
 * 999, or a punctuation mark is one token, and anything else is spelled with the character vocabulary,
 * so every ASCII text encodes and decodes back exactly.
 *
 * Why not characters: a from-scratch model has to copy the question's numbers into its solution. With
 * one token per character, a number like "12" sits behind "has " as one of many identical digit and
 * space tokens, and a 1M-parameter model did not learn to find it in ~1000 steps; with words and
 * numbers as tokens the copy is one hop ("the token after ' has'") and a document is ~3x shorter, so the
 * same CPU time sees ~3x more problems. Numbers never absorb the space before them, so "12" in the
 * question and "12" in the solution are the same token.
 *
 * Pieces (in this order):  ` ?[A-Za-z]+`  a word   |  `\d+`  a digit run  |  ` ?[^A-Za-z\d\s]`  a mark  |  `\s`
 * A digit run is one token when it is a number 0..999 without leading zeros, else one token per digit.
 *
 * Ids: 0 `<pad>`, 1 `<bos>`, 2 `<eos>`, 3 `<unk>`, the 96 characters of DEFAULT_ALPHABET (so the
 * digits are the numbers 0..9), the numbers 10..999, then the words and marks of the corpus it was built from. Saved as `tokenizer.json`
 * (`{"thinktune_tokenizer": "word", ...}`), so a checkpoint carries its own vocabulary.
 */
import { DEFAULT_ALPHABET, SPECIAL_TOKENS, checkTokenizerFile, decodeWithVocab } from './char.js';
import { TokenizerError } from './errors.js';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './types.js';

const PIECE = / ?[A-Za-z]+|\d+| ?[^A-Za-z\d\s]|\s/g;
const UNK_ID = 3;
export const MAX_NUMBER_TOKEN = 999;

/** On-disk form, written as `tokenizer.json`. */
export interface WordTokenizerJson {
  thinktune_tokenizer: 'word';
  version: 1;
  /** Every token in id order: special tokens, characters, numbers 10..999, words and marks. */
  vocab: string[];
  special: { pad: number; bos: number; eos: number; unk: number };
}

/** The fixed head of every word vocabulary: specials, characters (digits 0-9 among them), numbers 10..999. */
function baseVocab(): string[] {
  return [...SPECIAL_TOKENS, ...Array.from(DEFAULT_ALPHABET), ...Array.from({ length: MAX_NUMBER_TOKEN - 9 }, (_, n) => String(n + 10))];
}

export class WordTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId = 2;
  readonly bosId = 1;
  readonly padId = 0;
  readonly unkId = UNK_ID;
  readonly vocab: readonly string[];
  private readonly idOf: Map<string, number>;

  private constructor(vocab: string[]) {
    this.vocab = vocab;
    this.vocabSize = vocab.length;
    this.idOf = new Map(vocab.map((t, i) => [t, i]));
  }

  /**
   * Words and marks that occur at least `minCount` times in `texts` (default 2, so one-off typos stay
   * spelled out), most frequent first (ties alphabetical), after the fixed characters and numbers.
   */
  static fromCorpus(texts: Iterable<string>, opts: { minCount?: number } = {}): WordTokenizer {
    const minCount = opts.minCount ?? 2;
    const base = baseVocab();
    const known = new Set(base);
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const m of text.matchAll(PIECE)) {
        const piece = m[0];
        if (!known.has(piece) && !/^\d/.test(piece) && piece.length > 1) counts.set(piece, (counts.get(piece) ?? 0) + 1);
      }
    }
    const words = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([w]) => w);
    return new WordTokenizer([...base, ...words]);
  }

  /** Rebuild from a parsed `tokenizer.json`; `file` names it in errors. */
  static fromJSON(raw: unknown, file = 'tokenizer.json'): WordTokenizer {
    const bad = (why: string) => new TokenizerError(`${file}: ${why}; re-save it with saveTokenizer, or copy the model's original tokenizer.json back`);
    if (typeof raw !== 'object' || raw === null) throw bad('expected a JSON object');
    const r = raw as Partial<WordTokenizerJson>;
    checkTokenizerFile(r, 'word', bad);
    if (!Array.isArray(r.vocab) || !r.vocab.every((t) => typeof t === 'string' && t.length > 0)) throw bad('"vocab" must be an array of non-empty strings');
    const base = baseVocab();
    const at = base.findIndex((t, i) => r.vocab![i] !== t);
    if (at >= 0) throw bad(`vocab[${at}] must be ${JSON.stringify(base[at])} (got ${JSON.stringify(r.vocab[at])}): the first ${base.length} entries are fixed`);
    if (new Set(r.vocab).size !== r.vocab.length) throw bad('"vocab" has a repeated entry');
    return new WordTokenizer([...r.vocab]);
  }

  toJSON(): WordTokenizerJson {
    return { thinktune_tokenizer: 'word', version: 1, vocab: [...this.vocab], special: { pad: 0, bos: 1, eos: 2, unk: UNK_ID } };
  }

  /** One id per piece in the vocabulary; other pieces character by character (`<unk>` outside ASCII). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids = opts.addSpecialTokens ? [this.bosId] : [];
    for (const m of text.matchAll(PIECE)) {
      const piece = m[0];
      const id = /^\d/.test(piece) && piece.length > 1 && piece[0] === '0' ? undefined : this.idOf.get(piece);
      if (id !== undefined) ids.push(id);
      else for (const c of piece) ids.push(this.idOf.get(c) ?? UNK_ID);
    }
    return ids;
  }

  /** As CharTokenizer.decode: specials by name, or with `skipSpecial` dropped (`<unk>` becomes U+FFFD). */
  decode(ids: number[], opts: DecodeOptions = {}): string {
    return decodeWithVocab(this.vocab, ids, opts);
  }

  tokenToString(id: number): string {
    return this.vocab[id] ?? '';
  }
}

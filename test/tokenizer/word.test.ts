import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WordTokenizer, MAX_NUMBER_TOKEN } from '../../src/tokenizer/word.js';
import { loadTokenizer, saveTokenizer } from '../../src/tokenizer/load.js';
import { TokenizerError } from '../../src/tokenizer/errors.js';

const CORPUS = [
  'Question: Tom has 12 apples. He buys 3 more. How many apples does he have now?\nAnswer: 12 + 3 = 15\nThe answer is \\boxed{15}.',
  'Question: Mia has 7 coins. She loses 2 coins. How many coins does she have now?\nAnswer: 7 - 2 = 5\nThe answer is \\boxed{5}.',
];

describe('WordTokenizer', () => {
  const tok = WordTokenizer.fromCorpus(CORPUS, { minCount: 1 });

  it('makes words (with their leading space), numbers up to 999 and marks single tokens', () => {
    const ids = tok.encode(' Tom has 12 apples.');
    assert.deepEqual(
      ids.map((i) => tok.tokenToString(i)),
      [' Tom', ' has', ' ', '12', ' apples', '.'],
    );
    assert.equal(tok.encode(String(MAX_NUMBER_TOKEN)).length, 1);
    // The same number is the same token wherever it stands (the model copies ids from the question).
    assert.equal(tok.encode(' 12')[1], tok.encode('12 + 3')[0]);
  });

  it('spells unknown words, big numbers and leading zeros character by character, and decodes exactly', () => {
    for (const text of ['Zyx owns 1234 pens, 007 of them red!\ntab {x} <tag>', 'The answer is \\boxed{15}.', '  double  spaces ']) {
      const ids = tok.encode(text);
      assert.equal(tok.decode(ids), text);
      assert.ok(!ids.includes(tok.unkId));
    }
    assert.deepEqual(
      tok.encode('1234').map((i) => tok.tokenToString(i)),
      ['1', '2', '3', '4'],
    );
    assert.deepEqual(
      tok.encode('007').map((i) => tok.tokenToString(i)),
      ['0', '0', '7'],
    );
    // Outside ASCII: <unk>, shown as U+FFFD when special tokens are skipped, never merged away.
    assert.equal(tok.decode(tok.encode('1é2'), { skipSpecial: true }), '1\uFFFD2');
  });

  it('is far shorter than characters on a world document', () => {
    assert.ok(tok.encode(CORPUS[0]).length < CORPUS[0].length / 2.5, `${tok.encode(CORPUS[0]).length} tokens`);
  });

  it('keeps one-off words out of the vocabulary and orders the rest deterministically', () => {
    const twice = WordTokenizer.fromCorpus(CORPUS);
    assert.deepEqual(WordTokenizer.fromCorpus([...CORPUS].reverse()).vocab, twice.vocab);
    assert.ok(twice.vocab.includes(' apples') && !twice.vocab.includes(' loses'), 'apples twice, loses once');
    assert.deepEqual(tok.vocab.slice(0, 4), ['<pad>', '<bos>', '<eos>', '<unk>']);
    assert.deepEqual([tok.padId, tok.bosId, tok.eosId, tok.unkId], [0, 1, 2, 3]);
  });

  it('round-trips through tokenizer.json and rejects a tampered file with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tt-word-'));
    await saveTokenizer(tok, dir);
    const back = await loadTokenizer(dir);
    assert.ok(back instanceof WordTokenizer);
    assert.deepEqual(back.encode(CORPUS[1]), tok.encode(CORPUS[1]));
    const json = tok.toJSON();
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, vocab: json.vocab.filter((v) => v !== '7') }));
    await assert.rejects(loadTokenizer(dir), (e: Error) => e instanceof TokenizerError && /vocab\[\d+\] must be "7".*re-save it/.test(e.message));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ ...json, vocab: [...json.vocab, ' apples'] }));
    await assert.rejects(loadTokenizer(dir), /repeated entry/);
    assert.throws(() => WordTokenizer.fromJSON({ ...json, special: { pad: 0, bos: 1, eos: 3, unk: 2 } }), /"special" must be/);
    assert.throws(() => WordTokenizer.fromJSON({ ...json, version: 2 }), /version 2 is not supported/);
    assert.throws(() => WordTokenizer.fromJSON({ ...json, thinktune_tokenizer: 'char' }), /expected "word"/);
  });
});

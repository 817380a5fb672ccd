import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CharTokenizer, DEFAULT_ALPHABET, SPECIAL_TOKENS } from '../../src/tokenizer/char.js';
import { TokenizerError } from '../../src/tokenizer/errors.js';

const PROBLEM =
  'Q: Tom has 12 apples, eats 3 and buys 7 more. How many now?\n' +
  '<think>12 - 3 = 9; 9 + 7 = 16. Check: (12-3)+7 = 16 \\checkmark {ok} [x*2/4 % 5] a^2 _ #1 & @ ~ | `q` $5 \'it\' "ok" ! ;</think>\n' +
  'Answer: \\boxed{16}';

describe('CharTokenizer', () => {
  const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);

  it('puts the four special tokens first, in a fixed order', () => {
    assert.deepEqual(tok.vocab.slice(0, 4), ['<pad>', '<bos>', '<eos>', '<unk>']);
    assert.deepEqual(SPECIAL_TOKENS, ['<pad>', '<bos>', '<eos>', '<unk>']);
    assert.deepEqual([tok.padId, tok.bosId, tok.eosId, tok.unkId], [0, 1, 2, 3]);
    assert.equal(tok.tokenToString(tok.eosId), '<eos>');
  });

  it('DEFAULT_ALPHABET covers arithmetic word problems in a vocabulary of at most 128', () => {
    assert.ok(tok.vocabSize <= 128, `vocab ${tok.vocabSize}`);
    assert.ok(tok.vocabSize >= 90, `vocab ${tok.vocabSize} is far from ~100`);
    for (const c of '0123456789abcxyzABCXYZ \n\\{}<>/=+-*x().,:;?!\'"[]%^_') {
      assert.ok(DEFAULT_ALPHABET.includes(c), `missing ${JSON.stringify(c)}`);
    }
    assert.equal(new Set(DEFAULT_ALPHABET).size, DEFAULT_ALPHABET.length, 'no duplicates');
  });

  it('round-trips arithmetic reasoning text, one id per character', () => {
    const ids = tok.encode(PROBLEM);
    assert.equal(ids.length, PROBLEM.length);
    assert.ok(!ids.includes(tok.unkId), 'every character of the problem is in the default alphabet');
    assert.equal(tok.decode(ids), PROBLEM);
    assert.deepEqual(ids.map((id) => tok.tokenToString(id)).join(''), PROBLEM);
  });

  it('prepends bos only when asked', () => {
    assert.deepEqual(tok.encode('1+1'), tok.encode('1+1', { addSpecialTokens: false }));
    assert.deepEqual(tok.encode('1+1', { addSpecialTokens: true }), [tok.bosId, ...tok.encode('1+1')]);
    assert.deepEqual(tok.encode(''), []);
  });

  it('maps unknown characters to <unk> and never reads special-token names out of the text', () => {
    const ids = tok.encode('7×8é<eos>');
    assert.equal(ids[1], tok.unkId);
    assert.equal(ids[3], tok.unkId);
    assert.equal(ids.length, 4 + 5, "'<eos>' typed as text is five characters, not the eos token");
    assert.ok(!ids.includes(tok.eosId));
    assert.equal(tok.decode(ids), '7<unk>8<unk><eos>');
    // Astral characters are one code point, so one <unk>, not two.
    assert.deepEqual(tok.encode('😀'), [tok.unkId]);
  });

  it('skipSpecial drops control tokens and keeps a placeholder for <unk>', () => {
    const ids = [tok.bosId, ...tok.encode('1'), tok.unkId, ...tok.encode('2'), tok.eosId, tok.padId, tok.padId];
    assert.equal(tok.decode(ids), '<bos>1<unk>2<eos><pad><pad>');
    assert.equal(tok.decode(ids, { skipSpecial: true }), '1\uFFFD2');
  });

  it('decodes ids past the vocabulary to nothing', () => {
    assert.equal(tok.decode([...tok.encode('ab'), tok.vocabSize, tok.vocabSize + 5]), 'ab');
    assert.equal(tok.tokenToString(tok.vocabSize), '');
  });

  it('fromCorpus keeps the characters seen, ordered by code point', () => {
    const t = CharTokenizer.fromCorpus(['b+a=c', 'a+a=b']);
    assert.deepEqual(t.vocab.slice(4), ['+', '=', 'a', 'b', 'c']);
    assert.equal(t.decode(t.encode('c=a+b')), 'c=a+b');
  });

  it('fromCorpus with maxVocab keeps the most frequent characters', () => {
    // counts: a 4, b 3, c 2, d 1 -> with room for 2 characters keep a and b.
    const t = CharTokenizer.fromCorpus(['aaaa', 'bbb', 'cc', 'd'], { maxVocab: 6 });
    assert.equal(t.vocabSize, 6);
    assert.deepEqual(t.vocab.slice(4), ['a', 'b']);
    assert.deepEqual(t.encode('abcd'), [4, 5, t.unkId, t.unkId]);
  });

  it('rejects bad alphabets and sizes with one clear line', () => {
    assert.throws(() => CharTokenizer.fromAlphabet('abca'), { name: 'TokenizerError', message: /"a" appears twice/ });
    assert.throws(() => CharTokenizer.fromAlphabet(['a', 'bc']), /"bc" is not one character/);
    assert.throws(() => CharTokenizer.fromAlphabet(''), TokenizerError);
    assert.throws(() => CharTokenizer.fromCorpus(['abc'], { maxVocab: 4 }), /maxVocab must be an integer above 4/);
    assert.throws(() => CharTokenizer.fromCorpus([]), /no characters/);
  });

  it('serialises to the thinktune format and back', () => {
    const json = tok.toJSON();
    assert.equal(json.thinktune_tokenizer, 'char');
    assert.equal(json.version, 1);
    assert.deepEqual(json.special, { pad: 0, bos: 1, eos: 2, unk: 3 });
    const back = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(back.vocab, tok.vocab);
    assert.deepEqual(back.encode(PROBLEM), tok.encode(PROBLEM));
  });

  it('fromJSON names the file and the problem', () => {
    const json = tok.toJSON();
    assert.throws(() => CharTokenizer.fromJSON({ ...json, version: 2 }, 'ck/tokenizer.json'), {
      name: 'TokenizerError',
      message: /^ck\/tokenizer\.json: version 2 is not supported/,
    });
    assert.throws(() => CharTokenizer.fromJSON({ ...json, vocab: ['<bos>', ...json.vocab.slice(1)] }), /vocab\[0\] must be "<pad>"/);
    assert.throws(() => CharTokenizer.fromJSON({ ...json, vocab: [...json.vocab, ';'] }), /";" appears twice/);
    assert.throws(() => CharTokenizer.fromJSON({ ...json, special: { pad: 1, bos: 0, eos: 2, unk: 3 } }), /"special" must be/);
    assert.throws(() => CharTokenizer.fromJSON(null), /expected a JSON object/);
  });
});

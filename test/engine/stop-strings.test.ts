import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../src/tokenizer/char.js';
import { cutAtStopString, stopStringTest } from '../../src/engine/stop-strings.js';

describe('stop strings', () => {
  it('cuts the text before the first stop string, as vLLM returns it', () => {
    assert.equal(cutAtStopString('12 + 3 = 15\nQuestion: next', ['Question:', '\n\n']), '12 + 3 = 15\n');
    assert.equal(cutAtStopString('a\n\nb Question:', ['Question:', '\n\n']), 'a');
    assert.equal(cutAtStopString('no stop here', ['Question:']), null);
  });

  it('tests the decoded tail of the tokens so far', () => {
    const tok = CharTokenizer.fromCorpus(['abc Question: xyz']);
    const test = stopStringTest(tok, ['Question:'])!;
    assert.equal(test(tok.encode('abc Quest')), false);
    assert.equal(test(tok.encode('abc Question:')), true);
    assert.equal(test(tok.encode('x'.repeat(200) + 'Question: abc')), true, 'found in the tail of a long row');
    assert.equal(stopStringTest(tok, []), null);
  });
});

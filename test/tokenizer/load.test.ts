import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { HfTokenizer } from '../../src/tokenizer/hf.js';
import { loadTokenizer, saveTokenizer } from '../../src/tokenizer/load.js';
import type { Tokenizer } from '../../src/tokenizer/types.js';
import { qwen2Files, removeModelDirs, writeModelDir } from './hf-fixture.js';

const TEXT = 'Q: 3*(4+5) = ?\nA: 4+5 = 9; 3*9 = 27. \\boxed{27}';

/** The error `loadTokenizer(dir)` throws, checked to be a one-line TokenizerError. */
async function loadError(dir: string): Promise<string> {
  const err = await loadTokenizer(dir).then(
    () => assert.fail('expected loadTokenizer to throw'),
    (e: Error) => e,
  );
  assert.equal(err.name, 'TokenizerError');
  assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
  return err.message;
}

after(removeModelDirs);

describe('saveTokenizer / loadTokenizer', () => {
  it('round-trips a CharTokenizer through tokenizer.json in the thinktune format', async () => {
    const tok = CharTokenizer.fromCorpus([TEXT, 'abc xyz']);
    const dir = join(await writeModelDir({}), 'nested', 'ckpt');
    await saveTokenizer(tok, dir);
    const onDisk = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    assert.equal(onDisk.thinktune_tokenizer, 'char');
    assert.equal(onDisk.version, 1);
    assert.deepEqual(onDisk.special, { pad: 0, bos: 1, eos: 2, unk: 3 });
    const back = (await loadTokenizer(dir)) as CharTokenizer;
    assert.ok(back instanceof CharTokenizer);
    assert.deepEqual(back.vocab, tok.vocab);
    assert.deepEqual(back.encode(TEXT), tok.encode(TEXT));
    assert.equal(back.decode(back.encode(TEXT)), TEXT);
  });

  it('round-trips a Hugging Face tokenizer with its config and chat template', async () => {
    const f = qwen2Files();
    const tok = await loadTokenizer(
      await writeModelDir({
        'tokenizer.json': f.tokenizer,
        'tokenizer_config.json': f.config,
        'special_tokens_map.json': { eos_token: '<|im_end|>' },
        'chat_template.jinja': '{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}',
      }),
    );
    const dir = await writeModelDir({});
    await saveTokenizer(tok, dir);
    const back = await loadTokenizer(dir);
    assert.ok(back instanceof HfTokenizer);
    assert.deepEqual([back.vocabSize, back.eosId, back.bosId, back.padId], [tok.vocabSize, tok.eosId, tok.bosId, tok.padId]);
    assert.deepEqual(back.encode(TEXT), tok.encode(TEXT));
    const messages = [{ role: 'user', content: '2+2' }];
    assert.equal(back.applyChatTemplate!(messages), '<user>2+2');
  });

  it('takes special tokens missing from the config from special_tokens_map.json', async () => {
    const f = qwen2Files();
    const { eos_token: _, ...config } = f.config;
    const tok = await loadTokenizer(
      await writeModelDir({
        'tokenizer.json': f.tokenizer,
        'tokenizer_config.json': config,
        'special_tokens_map.json': { eos_token: { content: '<|im_end|>', special: true } },
      }),
    );
    assert.equal(tok.tokenToString(tok.eosId), '<|im_end|>');
  });

  it('names the folder and the fix when tokenizer.json is missing', async () => {
    const dir = await writeModelDir({});
    const msg = await loadError(dir);
    assert.match(msg, new RegExp(`^${join(dir, 'tokenizer.json')} is missing; save one with saveTokenizer`));
  });

  it('reports a corrupt tokenizer.json as invalid JSON, naming the file', async () => {
    const dir = await writeModelDir({ 'tokenizer.json': '{"thinktune_tokenizer": "char", "vocab": ["<pad>", ' });
    const msg = await loadError(dir);
    assert.match(msg, new RegExp(`^${join(dir, 'tokenizer.json')} is not valid JSON \\(.+\\); re-save the tokenizer`));
  });

  it('rejects a tokenizer.json that is neither ours nor Hugging Face', async () => {
    assert.match(await loadError(await writeModelDir({ 'tokenizer.json': { vocab: ['a'] } })), /is neither a thinktune tokenizer/);
    assert.match(await loadError(await writeModelDir({ 'tokenizer.json': [1, 2] })), /is neither a thinktune tokenizer/);
    assert.match(
      await loadError(await writeModelDir({ 'tokenizer.json': { thinktune_tokenizer: 'bpe', version: 1 } })),
      /"thinktune_tokenizer" is "bpe", expected "char"/,
    );
  });

  it('asks for tokenizer_config.json next to a Hugging Face tokenizer.json', async () => {
    const dir = await writeModelDir({ 'tokenizer.json': qwen2Files().tokenizer });
    const msg = await loadError(dir);
    assert.match(msg, new RegExp(`^${join(dir, 'tokenizer_config.json')} is missing; copy it from the model's Hugging Face repo`));
  });

  it('reports a Hugging Face tokenizer.json the library cannot build', async () => {
    const dir = await writeModelDir({
      'tokenizer.json': { ...qwen2Files().tokenizer, model: { type: 'NoSuchModel' } },
      'tokenizer_config.json': qwen2Files().config,
    });
    assert.match(await loadError(dir), /tokenizer\.json: @huggingface\/tokenizers cannot build it \(.*NoSuchModel.*\); use the model's own/);
  });

  it('refuses to save a tokenizer class it does not know', async () => {
    const base = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
    // Another Tokenizer implementation: same behaviour, but nothing saveTokenizer knows how to write.
    class AlienTokenizer implements Tokenizer {
      vocabSize = base.vocabSize;
      eosId = base.eosId;
      bosId = base.bosId;
      padId = base.padId;
      encode = (t: string) => base.encode(t);
      decode = (ids: number[]) => base.decode(ids);
      tokenToString = (id: number) => base.tokenToString(id);
    }
    const alien = new AlienTokenizer();
    await assert.rejects(saveTokenizer(alien, await writeModelDir({})), /cannot save a AlienTokenizer/);
  });
});

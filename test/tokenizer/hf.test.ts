import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HfTokenizer } from '../../src/tokenizer/hf.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import { FIRST_ADDED_ID, LLAMA3_ADDED, QWEN2_ADDED, llama3Files, qwen2Files, removeModelDirs, writeModelDir } from './hf-fixture.js';

const llamaId = (token: string) => FIRST_ADDED_ID + LLAMA3_ADDED.indexOf(token);
const qwenId = (token: string) => FIRST_ADDED_ID + QWEN2_ADDED.indexOf(token);

async function loadLlama() {
  const f = llama3Files();
  return loadTokenizer(await writeModelDir({ 'tokenizer.json': f.tokenizer, 'tokenizer_config.json': f.config }));
}
async function loadQwen() {
  const f = qwen2Files();
  return loadTokenizer(await writeModelDir({ 'tokenizer.json': f.tokenizer, 'tokenizer_config.json': f.config }));
}

after(removeModelDirs);

describe('HfTokenizer (byte-level BPE, Llama 3 layout)', () => {
  it('loads as HfTokenizer with bos/eos from tokenizer_config.json and pad falling back to eos', async () => {
    const tok = await loadLlama();
    assert.ok(tok instanceof HfTokenizer);
    assert.equal(tok.vocabSize, FIRST_ADDED_ID + LLAMA3_ADDED.length);
    assert.equal(tok.bosId, llamaId('<|begin_of_text|>'), 'bos given as an AddedToken object');
    assert.equal(tok.eosId, llamaId('<|eot_id|>'));
    assert.equal(tok.padId, tok.eosId, 'Llama 3 has no pad token');
  });

  it('encodes with the BPE merges and round-trips text', async () => {
    const tok = await loadLlama();
    const text = 'hello the 12+3 = 15, ok?';
    const ids = tok.encode(text);
    assert.deepEqual(
      ids.slice(0, 4).map((id) => tok.tokenToString(id)),
      ['hello', ' the', ' ', '12'],
    );
    assert.equal(tok.decode(ids), text);
    assert.equal(ids.map((id) => tok.tokenToString(id)).join(''), text);
    assert.deepEqual(tok.encode(''), []);
    assert.equal(tok.decode([]), '');
  });

  it('adds special tokens only when asked, and then what the post-processor adds (bos for Llama 3)', async () => {
    const tok = await loadLlama();
    const plain = tok.encode('hello');
    assert.ok(!plain.includes(tok.bosId!));
    assert.deepEqual(tok.encode('hello', { addSpecialTokens: true }), [tok.bosId, ...plain]);
  });

  it('follows clean_up_tokenization_spaces from the config (true for Llama 3)', async () => {
    const tok = await loadLlama();
    assert.equal(tok.decode(tok.encode('1 , 2')), '1, 2');
  });

  it('renders the Llama 3 chat template exactly and encodes its special tokens as single ids', async () => {
    const tok = await loadLlama();
    const messages = [
      { role: 'system', content: 'You add numbers.' },
      { role: 'user', content: 'What is 2+3?  ' },
    ];
    const prompt = tok.applyChatTemplate!(messages, { addGenerationPrompt: true });
    assert.equal(
      prompt,
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou add numbers.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+3?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    assert.ok(!tok.applyChatTemplate!(messages).endsWith('assistant<|end_header_id|>\n\n'));
    const ids = tok.encode(prompt);
    assert.equal(ids[0], tok.bosId);
    assert.equal(ids[1], llamaId('<|start_header_id|>'));
    assert.equal(ids.filter((id) => id === tok.eosId).length, 2);
    assert.equal(tok.decode(ids), prompt);
    assert.equal(tok.decode(ids, { skipSpecial: true }), 'system\n\nYou add numbers.user\n\nWhat is 2+3?assistant\n\n');
  });

  it('decodes ids past the vocabulary (padded embedding rows) to nothing', async () => {
    const tok = await loadLlama();
    assert.equal(tok.decode([...tok.encode('hello'), tok.vocabSize, tok.vocabSize + 100]), 'hello');
    assert.equal(tok.tokenToString(tok.vocabSize), '');
  });
});

describe('HfTokenizer (Qwen2 layout, ChatML)', () => {
  it('has no bos, eos <|im_end|>, pad <|endoftext|>', async () => {
    const tok = await loadQwen();
    assert.equal(tok.bosId, null);
    assert.equal(tok.eosId, qwenId('<|im_end|>'));
    assert.equal(tok.padId, qwenId('<|endoftext|>'));
    assert.deepEqual(tok.encode('hi', { addSpecialTokens: true }), tok.encode('hi'), 'its post-processor adds nothing');
  });

  it('round-trips text exactly (no clean-up of spaces)', async () => {
    const tok = await loadQwen();
    for (const text of ['1 , 2', 'hello the 12+3 = 15.\n\nDone !', ' leading and trailing ']) {
      assert.equal(tok.decode(tok.encode(text)), text);
    }
  });

  it('renders the Qwen2 chat template exactly, with its default system prompt', async () => {
    const tok = await loadQwen();
    const prompt = tok.applyChatTemplate!([{ role: 'user', content: 'What is 2+3?' }], { addGenerationPrompt: true });
    assert.equal(prompt, '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n');
    const ids = tok.encode(prompt);
    assert.equal(ids[0], qwenId('<|im_start|>'));
    assert.equal(ids.filter((id) => id === qwenId('<|im_start|>')).length, 3);
    assert.equal(tok.decode(ids), prompt);
  });

  it('skipSpecial drops eos, pad and the additional special tokens', async () => {
    const tok = await loadQwen();
    const ids = [qwenId('<|im_start|>'), ...tok.encode('hello'), tok.eosId, tok.padId, tok.padId];
    assert.equal(tok.decode(ids, { skipSpecial: true }), 'hello');
    assert.equal(tok.decode(ids), '<|im_start|>hello<|im_end|><|endoftext|><|endoftext|>');
  });

  it('prefers chat_template.jinja over the config template', async () => {
    const f = qwen2Files();
    const dir = await writeModelDir({
      'tokenizer.json': f.tokenizer,
      'tokenizer_config.json': f.config,
      'chat_template.jinja': '{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}',
    });
    const tok = await loadTokenizer(dir);
    assert.equal(tok.applyChatTemplate!([{ role: 'user', content: '1+1' }]), '[user]1+1<|im_end|>');
  });

  it('picks the "default" template from a list of named templates', () => {
    const f = qwen2Files();
    const tok = new HfTokenizer({
      tokenizer: f.tokenizer,
      config: {
        ...f.config,
        chat_template: [
          { name: 'tool_use', template: 'T' },
          { name: 'default', template: 'D' },
        ],
      },
    });
    assert.equal(tok.applyChatTemplate!([]), 'D');
  });

  it('has no applyChatTemplate when the model has no template', () => {
    const f = qwen2Files();
    const { chat_template: _, ...config } = f.config;
    assert.equal(new HfTokenizer({ tokenizer: f.tokenizer, config }).applyChatTemplate, undefined);
  });

  it('reports template and special-token problems as one line naming the file', () => {
    const f = qwen2Files();
    const make = (config: Record<string, unknown>) => () => new HfTokenizer({ tokenizer: f.tokenizer, config }, 'models/q');
    assert.throws(make({ ...f.config, eos_token: undefined }), {
      name: 'TokenizerError',
      message: /^models\/q\/tokenizer_config\.json: no "eos_token"; add/,
    });
    assert.throws(make({ ...f.config, pad_token: '<|nope|>' }), /pad_token "<\|nope\|>" is not in tokenizer\.json/);
    assert.throws(make({ ...f.config, chat_template: '{% for m in messages %}' }), /chat template does not parse/);
    const strict = new HfTokenizer({
      tokenizer: f.tokenizer,
      config: { ...f.config, chat_template: "{{ raise_exception('Conversation roles must alternate') }}" },
    });
    assert.throws(
      () => strict.applyChatTemplate!([]),
      (e: Error) => e.name === 'TokenizerError' && /chat template failed.*Conversation roles must alternate/.test(e.message) && !e.message.includes('\n'),
    );
  });
});

// Tokenizers saved by transformers 5 (test/fixtures/hf): ids with and without special tokens, decoding,
// and chat templates, each equal to what transformers gave (tokenizer_expected.json).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import type { ChatMessage } from '../../src/tokenizer/types.js';

const HF = join(import.meta.dirname, '..', 'fixtures', 'hf');
interface TextCase {
  text: string;
  ids: number[];
  ids_no_special: number[];
  decoded: string;
  decoded_skip_special: string;
}
interface ChatCase {
  messages: ChatMessage[];
  add_generation_prompt: boolean;
  text: string;
  ids: number[];
}
interface Expected {
  texts: TextCase[];
  chats: ChatCase[];
  special_tokens: Record<string, { id: number } | null>;
}

for (const name of ['llama3', 'qwen2-bf16', 'llama-linear']) {
  describe(`${name} tokenizer (saved by transformers)`, () => {
    const expected = JSON.parse(readFileSync(join(HF, name, 'tokenizer_expected.json'), 'utf8')) as Expected;

    it('encodes as tokenizer(text) does, special tokens added only by the post-processor', async () => {
      const tok = await loadTokenizer(join(HF, name));
      for (const c of expected.texts) {
        assert.deepEqual(tok.encode(c.text, { addSpecialTokens: true }), c.ids, c.text);
        assert.deepEqual(tok.encode(c.text), c.ids_no_special, c.text);
      }
      assert.equal(tok.bosId, expected.special_tokens.bos_token?.id ?? null);
      assert.equal(tok.eosId, expected.special_tokens.eos_token!.id);
    });

    it('decodes as tokenizer.decode does, with and without special tokens', async () => {
      const tok = await loadTokenizer(join(HF, name));
      for (const c of expected.texts) {
        assert.equal(tok.decode(c.ids), c.decoded, c.text);
        assert.equal(tok.decode(c.ids, { skipSpecial: true }), c.decoded_skip_special, c.text);
      }
    });

    it('renders and encodes chats as apply_chat_template does', async () => {
      const tok = await loadTokenizer(join(HF, name));
      for (const c of expected.chats) {
        const text = tok.applyChatTemplate!(c.messages, { addGenerationPrompt: c.add_generation_prompt });
        assert.equal(text, c.text);
        assert.deepEqual(tok.encode(text), c.ids);
      }
    });
  });
}

#!/usr/bin/env node
// Checks that @huggingface/tokenizers and @huggingface/jinja (the libraries thinktune uses) reproduce what
// transformers recorded in test/fixtures/hf/*/tokenizer_expected.json (written by scripts/make_hf_fixtures.py):
// encode with and without special tokens, decode with and without skip_special_tokens, chat-template text and ids.
// Folders without their own tokenizer_expected.json are checked against the folder whose tokenizer files they
// share byte for byte. Run from the repo root:  node scripts/check_hf_tokenizer.mjs [FIXTURES_DIR]
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'test/fixtures/hf';
const read = (dir, f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : null);
const filesOf = (dir) => ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja'].map((f) => read(dir, f)).join('\0');
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const content = (t) => (t && typeof t === 'object' ? t.content : t ?? undefined);

const dirs = readdirSync(root).filter((d) => existsSync(join(root, d, 'tokenizer.json'))).sort();
const references = dirs.filter((d) => existsSync(join(root, d, 'tokenizer_expected.json')));
let failures = 0;
let checks = 0;
const fail = (msg) => {
  failures++;
  console.log(`FAIL ${msg}`);
};
const expect = (label, got, want) => {
  checks++;
  if (!same(got, want)) fail(`${label}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
};

for (const d of dirs) {
  const dir = join(root, d);
  const ref = references.find((r) => filesOf(join(root, r)) === filesOf(dir));
  if (!ref) {
    fail(`${d}: no tokenizer_expected.json here or in a folder with the same tokenizer files`);
    continue;
  }
  const expected = JSON.parse(read(join(root, ref), 'tokenizer_expected.json'));
  const config = JSON.parse(read(dir, 'tokenizer_config.json'));
  const tok = new Tokenizer(JSON.parse(read(dir, 'tokenizer.json')), config);
  const before = failures;
  for (const row of expected.texts) {
    const t = JSON.stringify(row.text);
    expect(`${d} encode ${t}`, tok.encode(row.text, { add_special_tokens: true }).ids, row.ids);
    expect(`${d} encode ${t} add_special_tokens=false`, tok.encode(row.text, { add_special_tokens: false }).ids, row.ids_no_special);
    expect(`${d} decode ${t}`, tok.decode(row.ids, { skip_special_tokens: false }), row.decoded);
    expect(`${d} decode ${t} skip_special_tokens`, tok.decode(row.ids, { skip_special_tokens: true }), row.decoded_skip_special);
  }
  const source = read(dir, 'chat_template.jinja') ?? config.chat_template;
  const template = new Template(source);
  const specials = Object.fromEntries(
    ['bos_token', 'eos_token', 'pad_token', 'unk_token'].map((k) => [k, content(config[k])]).filter(([, v]) => v != null),
  );
  for (const chat of expected.chats) {
    const label = `${d} chat [${chat.messages.map((m) => m.role).join(',')}] add_generation_prompt=${chat.add_generation_prompt}`;
    const text = template.render({ messages: chat.messages, add_generation_prompt: chat.add_generation_prompt, ...specials });
    expect(`${label} text`, text, chat.text);
    expect(`${label} ids`, tok.encode(chat.text, { add_special_tokens: false }).ids, chat.ids);
  }
  for (const [key, sp] of Object.entries(expected.special_tokens)) {
    if (sp) expect(`${d} ${key} id`, tok.token_to_id(sp.token), sp.id);
  }
  console.log(`${failures === before ? 'ok  ' : 'FAIL'} ${d} (expected values from ${ref}/tokenizer_expected.json)`);
}
console.log(`${checks} checks, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);

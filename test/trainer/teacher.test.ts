// Teachers (src/trainer/teacher.ts): how a local model and an OpenAI-compatible server are prompted, and
// where a local teacher stops.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend/select.js';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { generate } from '../../src/engine/generate.js';
import { STYLE_NAMES, loadTemplates, renderTeacherChat, renderTeacherPrompt, type TeacherPromptInput } from '../../src/prompts/templates.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { HfTokenizer } from '../../src/tokenizer/hf.js';
import type { Tokenizer } from '../../src/tokenizer/types.js';
import { LocalTeacher, OpenAITeacher, encodeTeacherPrompt, isBuiltinWorldTokenizer, teacherPromptText } from '../../src/trainer/teacher.js';
import { FIRST_ADDED_ID, llama3Files, qwen2Files } from '../tokenizer/hf-fixture.js';

before(async () => {
  await selectBackend('wasm');
});

const templates = loadTemplates('prompts');
const llama3 = () => new HfTokenizer(llama3Files());
const qwen2 = () => new HfTokenizer(qwen2Files());
const chars = () => CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
const LLAMA3_BOS = FIRST_ADDED_ID; // <|begin_of_text|>

const request = (styles = [...STYLE_NAMES]): TeacherPromptInput => ({
  question: 'Ann has 3 pens and buys 2 more. How many pens?',
  response: '3 + 2 = 6\nThe answer is \\boxed{6}.',
  styles,
});

function tinyModel(tok: Tokenizer, positions: number, seed = 3): CausalLM {
  return CausalLM.init(presetConfig('tiny', tok.vocabSize, { max_position_embeddings: positions }), seed);
}

test("only thinktune's own tokenizers mark the built-in world's model", () => {
  assert.equal(isBuiltinWorldTokenizer(chars()), true);
  assert.equal(isBuiltinWorldTokenizer(llama3()), false);
});

test('a tokenizer with a chat template gets system = instruction, user = the rest of the layout, then the assistant header', () => {
  const tok = llama3();
  const req = request();
  const prompt = teacherPromptText(tok, templates, req, 'paper');
  const { system, user } = renderTeacherChat(templates, req, { layout: 'paper' });
  assert.equal(prompt.chat, true);
  assert.equal(
    prompt.text,
    tok.applyChatTemplate!(
      [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      { addGenerationPrompt: true },
    ),
  );
  assert.ok(prompt.text.startsWith(`<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n${templates.instruction.text}<|eot_id|>`));
  assert.ok(prompt.text.endsWith('Feedback:<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n'));
  for (const s of STYLE_NAMES) assert.ok(prompt.text.includes(templates.styles[s].text), `${s} example in the user turn`);
});

test('a rendered chat template is encoded without a second BOS; a plain prompt gets its BOS', () => {
  const tok = llama3();
  const chat = encodeTeacherPrompt(tok, teacherPromptText(tok, templates, request(), 'paper'));
  assert.equal(chat[0], LLAMA3_BOS);
  assert.equal(chat.filter((id) => id === LLAMA3_BOS).length, 1, "one BOS, the template's");
  const plain = encodeTeacherPrompt(tok, { text: 'Question: 1 + 1?', chat: false });
  assert.equal(plain[0], LLAMA3_BOS);
  // Qwen2 has no BOS at all: the ChatML text starts with <|im_start|>.
  const q = qwen2();
  const ids = encodeTeacherPrompt(q, teacherPromptText(q, templates, request(), 'paper'));
  assert.equal(q.decode(ids.slice(0, 1)), '<|im_start|>');
});

test('a tokenizer without a chat template gets the layout as one text, BOS first', () => {
  const tok = chars();
  const prompt = teacherPromptText(tok, templates, request(['self-agreement']), 'short');
  assert.deepEqual(prompt, { text: renderTeacherPrompt(templates, request(['self-agreement'])), chat: false });
  assert.equal(encodeTeacherPrompt(tok, prompt)[0], tok.bosId);
});

test("the layout of a local teacher: short for the built-in tokenizers, the paper's otherwise, unless given", () => {
  const tok = llama3();
  const model = tinyModel(tok, 64);
  const c = chars();
  const charModel = tinyModel(c, 64);
  try {
    assert.equal(new LocalTeacher(model, tok, 4, 'hf').layout, 'paper');
    assert.equal(new LocalTeacher(charModel, c, 4, 'builtin').layout, 'short');
    assert.equal(new LocalTeacher(model, tok, 4, 'hf', { layout: 'short' }).layout, 'short');
    assert.throws(() => new LocalTeacher(model, tok, 4, 'hf', { stopIds: [] }), /stopIds is empty; pass at least/);
  } finally {
    model.dispose();
    charModel.dispose();
  }
});

test('a local teacher stops at any of its stop ids and drops that id from the text', async () => {
  const tok = llama3();
  const model = tinyModel(tok, 1024, 5);
  try {
    const req = request(['self-conflict']);
    const ids = encodeTeacherPrompt(tok, teacherPromptText(tok, templates, req, 'short'));
    // What greedy decoding writes when nothing stops it: the stop id is taken from there.
    const free = generate(model, [ids], { maxNewTokens: 8, numSamples: 1, stopTokens: [], temperature: 0, topP: 1, rng: Math.random })[0].tokens;
    const j = Math.max(...free.map((t, i) => (free.indexOf(t) === i ? i : 0)));
    const stop = free[j]; // its first appearance is at j
    assert.ok(j > 0, `the model writes something before the stop id: ${free}`);
    const unused = [...Array(tok.vocabSize).keys()].find((id) => !free.includes(id))!;
    const teacher = new LocalTeacher(model, tok, 8, 'hf', { layout: 'short', stopIds: [unused, stop] });
    const [reply] = await teacher.feedback(templates, [req]);
    assert.deepEqual(reply, { ok: true, text: tok.decode(free.slice(0, j), { skipSpecial: true }) });
    // Stopped by none of its ids, it runs to maxNewTokens and keeps every token.
    const open = new LocalTeacher(model, tok, 8, 'hf', { layout: 'short', stopIds: [unused] });
    assert.deepEqual(await open.feedback(templates, [req]), [{ ok: true, text: tok.decode(free, { skipSpecial: true }) }]);
  } finally {
    model.dispose();
  }
});

test("a prompt too long for the model is one answer's error naming the layout and the fix", async () => {
  const tok = llama3();
  const model = tinyModel(tok, 256);
  try {
    const [reply] = await new LocalTeacher(model, tok, 16, 'hf').feedback(templates, [request()]);
    assert.equal(reply.ok, false);
    assert.match(
      !reply.ok ? reply.error : '',
      /^teacher prompt \(paper layout\) is \d+ tokens; with 16 new tokens it exceeds the model's 256 positions; lower teacher\.maxNewTokens or shorten the templates in prompts$/,
    );
  } finally {
    model.dispose();
  }
});

test('the OpenAI teacher sends the paper layout as system + user by default', async () => {
  const bodies: { messages: { role: string; content: string }[] }[] = [];
  const fetchImpl = (async (_url: unknown, init?: { body?: unknown }) => {
    bodies.push(JSON.parse(String(init?.body)));
    return new Response(JSON.stringify({ choices: [{ message: { content: 'ok' } }] }), { headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const o = { url: 'http://teacher.test/v1', model: 'm', timeoutMs: 1000, retries: 0, concurrency: 1, maxNewTokens: 50, fetchImpl };
  const paper = new OpenAITeacher(o);
  assert.equal(paper.layout, 'paper');
  assert.deepEqual(await paper.feedback(templates, [request()]), [{ ok: true, text: 'ok' }]);
  const want = renderTeacherChat(templates, request(), { layout: 'paper' });
  assert.deepEqual(bodies[0].messages, [
    { role: 'system', content: want.system },
    { role: 'user', content: want.user },
  ]);
  for (const s of STYLE_NAMES) assert.ok(bodies[0].messages[1].content.includes(templates.styles[s].text), s);
  await new OpenAITeacher({ ...o, layout: 'short' }).feedback(templates, [request(['self-critique'])]);
  assert.ok(bodies[1].messages[1].content.startsWith('Style: self-critique.'));
});

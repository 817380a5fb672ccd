// The student prompt: the built-in world's plain prompt unchanged; an Instruct model's through its chat
// template with the task's instruction, encoded without a second BOS; settings that switch it off.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../src/tokenizer/char.js';
import { loadTokenizer } from '../../src/tokenizer/load.js';
import { studentPromptFor, resolveInstruction } from '../../src/tasks/student-prompt.js';
import { studentPrompt } from '../../src/tasks/arith.js';
import { BOXED_INSTRUCTION } from '../../src/tasks/task.js';
import { llama3Files, qwen2Files, removeModelDirs, writeModelDir } from '../tokenizer/hf-fixture.js';

after(removeModelDirs);

/** A tokenizer folder from the hand-built HF tokenizer files. */
async function hfTokenizer(files: { tokenizer: unknown; config: unknown }) {
  return loadTokenizer(await writeModelDir({ 'tokenizer.json': files.tokenizer, 'tokenizer_config.json': files.config }));
}

describe('studentPromptFor', () => {
  it('gives the built-in world its pretraining prompt, with BOS, and no instruction', () => {
    const tok = CharTokenizer.fromCorpus(['Question: 1 + 2?\nAnswer: 3']);
    const p = studentPromptFor(tok, 'arith', { instruction: 'auto', chatTemplate: 'auto' })('1 + 2?');
    assert.equal(p.text, studentPrompt('1 + 2?'));
    assert.deepEqual(p.ids, [tok.bosId, ...tok.encode(studentPrompt('1 + 2?'))]);
  });

  it('puts the gsm8k instruction after the question in a plain prompt', () => {
    const tok = CharTokenizer.fromCorpus(['abc']);
    const p = studentPromptFor(tok, 'gsm8k', { instruction: 'auto', chatTemplate: 'auto' })('Q?');
    assert.equal(p.text, `Question: Q?\n${BOXED_INSTRUCTION}\nAnswer: `);
  });

  it('renders an Instruct model prompt through its chat template, one BOS, generation prompt open', async () => {
    const tok = await hfTokenizer(llama3Files());
    const p = studentPromptFor(tok, 'gsm8k', { instruction: 'auto', chatTemplate: 'auto' })('What is 2+3?');
    const expected = tok.applyChatTemplate!([{ role: 'user', content: `What is 2+3?\n${BOXED_INSTRUCTION}` }], { addGenerationPrompt: true });
    assert.equal(p.text, expected);
    assert.ok(p.text.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n'));
    assert.equal(p.ids.filter((id) => id === tok.bosId).length, 1, 'the template writes BOS; encoding adds none');
    assert.equal(p.ids[0], tok.bosId);
    assert.deepEqual(p.ids, tok.encode(expected));
  });

  it('sends a system message when one is set, and none otherwise (the template may add its own)', async () => {
    const tok = await hfTokenizer(qwen2Files());
    const withSystem = studentPromptFor(tok, 'math', { system: 'Be brief.', instruction: '', chatTemplate: 'auto' })('1+1?');
    assert.equal(
      withSystem.text,
      tok.applyChatTemplate!(
        [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: '1+1?' },
        ],
        { addGenerationPrompt: true },
      ),
    );
    const without = studentPromptFor(tok, 'math', { instruction: '', chatTemplate: 'auto' })('1+1?');
    assert.equal(without.text, tok.applyChatTemplate!([{ role: 'user', content: '1+1?' }], { addGenerationPrompt: true }));
    assert.notEqual(withSystem.text, without.text);
  });

  it("uses the plain prompt with chatTemplate 'off', adding what the tokenizer's post-processor adds", async () => {
    const tok = await hfTokenizer(llama3Files());
    const p = studentPromptFor(tok, 'arith', { instruction: 'auto', chatTemplate: 'off' })('1 + 2?');
    assert.equal(p.text, studentPrompt('1 + 2?'));
    assert.deepEqual(p.ids, tok.encode(p.text, { addSpecialTokens: true }));
  });

  it("resolves 'auto' to the task's instruction and '' to none", () => {
    assert.equal(resolveInstruction('gsm8k', { instruction: 'auto', chatTemplate: 'auto' }), BOXED_INSTRUCTION);
    assert.equal(resolveInstruction('arith', { instruction: 'auto', chatTemplate: 'auto' }), null);
    assert.equal(resolveInstruction('math', { instruction: '', chatTemplate: 'auto' }), null);
    assert.equal(resolveInstruction('math', { instruction: 'Box it.', chatTemplate: 'auto' }), 'Box it.');
  });
});

// An Instruct-style model as a user brings it (test/fixtures/hf/chat-tuned: a tiny Llama fine-tuned on
// its chat format; transformers' greedy answers committed): thinktune prompts it through the chat template
// and stops on generation_config.json's <|eot_id|>, so it gives transformers' answers token for token.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { loadModel } from '../../src/model/io.js';
import { stopTokenIds } from '../../src/model/generation-config.js';
import { evaluateModel } from '../../src/eval/evaluate.js';
import { loadTaskProblems } from '../../src/tasks/task.js';
import { studentPromptFor } from '../../src/tasks/student-prompt.js';

before(useTestBackend);

const DIR = join(import.meta.dirname, '..', 'fixtures', 'hf', 'chat-tuned');
const PROBLEMS = join(DIR, 'problems.jsonl');
interface Item {
  prompt_ids: number[];
  generated_ids: number[];
  text: string;
  correct: boolean;
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected_answers.json'), 'utf8')) as { score: number; items: Item[] };

test("the chat-tuned fixture's greedy answers equal transformers', token for token", async () => {
  const { model, tokenizer, generation } = await loadModel(DIR);
  try {
    const prompt = studentPromptFor(tokenizer!, 'gsm8k', { instruction: 'auto', chatTemplate: 'auto' });
    const problems = loadTaskProblems({ task: 'gsm8k', file: PROBLEMS });
    problems.forEach((p, i) => assert.deepEqual(prompt(p.question).ids, expected.items[i].prompt_ids, `prompt ${i}`));
    const stopIds = stopTokenIds(generation, tokenizer!.eosId);
    const { metrics, records } = await evaluateModel(model, tokenizer!, problems, { prompt, stopIds, maxNewTokens: 64 });
    assert.equal(expected.score, 20);
    assert.equal(metrics['pass@1'], 1);
    assert.equal(metrics.termination_rate, 1);
    records.forEach((r, i) => assert.equal(r.response, expected.items[i].text, `answer ${i}`));
  } finally {
    model.dispose();
  }
});

test("without generation_config.json's ids it never stops (what thinktune did before), so the check can fail", async () => {
  const { model, tokenizer } = await loadModel(DIR);
  try {
    const prompt = studentPromptFor(tokenizer!, 'gsm8k', { instruction: 'auto', chatTemplate: 'auto' });
    const problems = loadTaskProblems({ task: 'gsm8k', file: PROBLEMS }).slice(0, 3);
    const { metrics } = await evaluateModel(model, tokenizer!, problems, { prompt, stopIds: [tokenizer!.eosId], maxNewTokens: 24 });
    assert.equal(metrics.termination_rate, 0);
    assert.equal(metrics['pass@1'], 0);
  } finally {
    model.dispose();
  }
});

test('thinktune eval of the chat-tuned folder on its GSM8K file: 20/20, as in transformers', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'eval', '--model', DIR, '--data', PROBLEMS, '--max-new-tokens', '64', '--json'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const { event } = JSON.parse(r.stdout.trim().split('\n').pop()!); // the eval-result protocol line
  assert.equal(event.type, 'eval-result');
  assert.equal(event.result['pass@1'], 1);
  assert.equal(event.result.n, 20);
});

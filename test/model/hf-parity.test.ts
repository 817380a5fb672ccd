// Models saved by transformers 5 (scripts/make_hf_fixtures.py, fixtures in test/fixtures/hf) against
// transformers' own numbers: log-probs of the same ids (both config layouts, llama3 and linear rope
// scaling, BF16 weights, shards), the decoder both as a whole-sequence forward and as the KV-cached
// generator, and the tokenizer (special tokens as its post-processor adds them, chat template ids).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { loadModel } from '../../src/model/io.js';
import { scoreSequence } from '../../src/model/score.js';
import { generate } from '../../src/engine/generate.js';
import { mulberry32 } from '../../src/rl/rng.js';

before(useTestBackend);

const HF_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hf');
interface RefCase {
  ids: number[];
  next_token_logprobs: number[];
  last_logprobs: number[];
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Max |ours - transformers| over every case's next-token and last-row log-probs. */
async function worstLogprobDiff(name: string): Promise<{ worst: number; cases: number; longest: number }> {
  const dir = join(HF_FIXTURES, name);
  const ref = readJson<{ cases: RefCase[] }>(join(dir, 'expected.json'));
  const { model } = await loadModel(dir);
  let worst = 0;
  try {
    for (const c of ref.cases) {
      const got = scoreSequence(model, c.ids);
      assert.equal(got.nextTokenLogprobs.length, c.next_token_logprobs.length);
      got.nextTokenLogprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.next_token_logprobs[i]))));
      got.lastLogprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.last_logprobs[i]))));
    }
  } finally {
    model.dispose();
  }
  return { worst, cases: ref.cases.length, longest: Math.max(...ref.cases.map((c) => c.ids.length)) };
}

const CASES: [string, string][] = [
  ['llama3', 'transformers 5 layout: rope_parameters with llama3 scaling'],
  ['llama3-legacy', 'transformers 4 layout: top-level rope_theta + rope_scaling llama3'],
  ['llama-linear', 'rope_parameters with linear scaling'],
  ['qwen2-bf16', 'Qwen2: q/k/v biases, tied embeddings, BF16 weights'],
  ['llama-sharded', 'three safetensors shards and an index'],
  ['chat-tuned', 'the fine-tuned chat model'],
];
for (const [name, what] of CASES) {
  test(`${name} (${what}): log-probs match transformers to 1e-4`, async () => {
    const { worst, longest } = await worstLogprobDiff(name);
    assert.ok(worst < 1e-4, `max |logprob diff| ${worst}`);
    if (name.startsWith('llama3')) assert.ok(longest > 64, 'a case runs past original_max_position_embeddings');
  });
}

test('the llama3 fixture would catch a default-rope decoder (its scaling moves log-probs by > 0.01)', () => {
  const ref = readJson<{ max_abs_diff_vs_default_rope: number }>(join(HF_FIXTURES, 'llama3', 'expected.json'));
  assert.ok(ref.max_abs_diff_vs_default_rope > 0.01, String(ref.max_abs_diff_vs_default_rope));
});

test('the KV-cached generator scores what the whole-sequence forward scores (llama3 scaling, past 64 positions)', async () => {
  const dir = join(HF_FIXTURES, 'llama3');
  const ref = readJson<{ cases: RefCase[] }>(join(dir, 'expected.json'));
  const longest = ref.cases.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
  const { model } = await loadModel(dir);
  try {
    // Sample 100 tokens with the KV cache (its own rope tables), then teacher-force the same tokens through
    // the whole-sequence forward: the sampler's log-probs must agree with the forward's.
    const prompt = longest.ids.slice(0, 8);
    const [g] = generate(model, [prompt], { maxNewTokens: 100, numSamples: 1, stopTokens: [], temperature: 1, topP: 1, rng: mulberry32(3) });
    const forced = scoreSequence(model, [...prompt, ...g.tokens]).nextTokenLogprobs.slice(prompt.length - 1);
    let worst = 0;
    g.logprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - forced[i]))));
    assert.equal(g.tokens.length, 100);
    assert.ok(worst < 1e-4, `decode vs forward ${worst}`);
  } finally {
    model.dispose();
  }
});

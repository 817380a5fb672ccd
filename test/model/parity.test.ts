// Forward parity against an independent PyTorch implementation (scripts/make_parity_fixtures.py):
// a GQA Llama with F32 weights and a tied, biased Qwen2 with BF16 weights.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { loadModel } from '../../src/model/io.js';
import { scoreSequence, sequenceLogprobs } from '../../src/model/score.js';

before(useTestBackend);

interface RefCase {
  ids: number[];
  next_token_logprobs: number[];
  last_logprobs: number[];
}
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

for (const name of ['tiny-llama', 'tiny-qwen2']) {
  test(`${name}: log-probs match the PyTorch reference`, async () => {
    const dir = join(FIXTURES, name);
    const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as { cases: RefCase[] };
    const { model } = await loadModel(dir);
    let worst = 0;
    for (const c of ref.cases) {
      const got = scoreSequence(model, c.ids);
      assert.equal(got.nextTokenLogprobs.length, c.next_token_logprobs.length);
      got.nextTokenLogprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.next_token_logprobs[i]))));
      got.lastLogprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.last_logprobs[i]))));
    }
    // float32 vs float64 reference: the fixture script measured ~1e-5 between torch f32 and f64.
    assert.ok(worst < 2e-4, `max |logprob diff| ${worst}`);
    // Batched teacher forcing (right padding) gives the same numbers as one-at-a-time scoring.
    const multi = ref.cases.filter((c) => c.ids.length > 1);
    const batched = sequenceLogprobs(
      model,
      multi.map((c) => c.ids),
    );
    multi.forEach((c, b) => batched[b].forEach((v, i) => assert.ok(Math.abs(v - c.next_token_logprobs[i]) < 2e-4)));
    model.dispose();
  });
}

test('tiny-qwen2 is tied and biased, tiny-llama uses GQA (the fixtures cover what they claim)', async () => {
  const q = await loadModel(join(FIXTURES, 'tiny-qwen2'));
  assert.equal(q.model.config.tie_word_embeddings, true);
  assert.equal(q.model.config.attention_bias, true);
  assert.equal(q.model.params['lm_head.weight'], undefined);
  const l = await loadModel(join(FIXTURES, 'tiny-llama'));
  assert.ok(l.model.config.num_key_value_heads < l.model.config.num_attention_heads);
  q.model.dispose();
  l.model.dispose();
  assert.ok(tf.memory().numTensors < 50);
});

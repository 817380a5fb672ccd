// Pretraining of the built-in world's base model: one whole document per row, similar lengths batched
// (padding masked), and a micro run of `pretrain` that leaves a loadable checkpoint with its model card.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { pretrain } from '../../src/world/pretrain.js';
import { documentBatches, type EncodedDocument } from '../../src/world/document-batches.js';
import { loadModel } from '../../src/model/io.js';
import { mulberry32 } from '../../src/rl/rng.js';

before(useTestBackend);

/**
 * Documents shaped like the corpus: [1 (bos), 10 + i, prompt..., completion..., 2 (eos)], prompt tokens
 * in 3..7 and completion tokens in 200.., so a test can tell them apart.
 */
function fakeDocs(n: number, rng: () => number): EncodedDocument[] {
  return Array.from({ length: n }, (_, i) => {
    const prompt = Array.from({ length: 1 + Math.floor(rng() * 6) }, () => 3 + Math.floor(rng() * 5));
    const completion = Array.from({ length: 1 + Math.floor(rng() * 6) }, () => 200 + Math.floor(rng() * 5));
    return { ids: [1, 10 + i, ...prompt, ...completion, 2], completionStart: 2 + prompt.length };
  });
}

test('documentBatches: one whole document per row, similar lengths together, at most batchTokens, each once per epoch', () => {
  const docs = fakeDocs(300, mulberry32(8));
  const total = docs.reduce((n, d) => n + d.ids.length - 1, 0);
  const batches = documentBatches(docs, 60, mulberry32(1));
  const seen = new Map<number, number>();
  let tokens = 0;
  while (tokens < 2 * total) {
    const b = batches.next().value!;
    assert.ok(b.B * b.T <= 60, `batch of ${b.B} x ${b.T}`);
    for (let r = 0; r < b.B; r++) {
      const id = b.inputs[r * b.T + 1] - 10;
      const doc = docs[id].ids;
      // The row is exactly the document (inputs = ids[0..n-2], targets = ids[1..n-1]), then masked padding.
      for (let t = 0; t < b.T; t++) {
        const inDoc = t + 1 < doc.length;
        assert.equal(b.mask[r * b.T + t], inDoc ? 1 : 0);
        if (inDoc) {
          assert.equal(b.inputs[r * b.T + t], doc[t]);
          assert.equal(b.targets[r * b.T + t], doc[t + 1]);
        }
      }
      assert.ok(doc.length - 1 === b.T || b.mask[r * b.T + b.T - 1] === 0);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      tokens += doc.length - 1;
    }
  }
  const counts = [...seen.values()];
  assert.equal(seen.size, 300);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, 'each epoch shows every document once');
  // Sorting by length keeps padding small: under a quarter of the positions.
  const b = batches.next().value!;
  assert.ok(b.mask.reduce((a: number, m: number) => a + m, 0) >= 0.75 * b.B * b.T);
});

test('documentBatches with completionOnly trains the completion and end token only', () => {
  const b = documentBatches(fakeDocs(50, mulberry32(4)), 80, mulberry32(2), true).next().value!;
  for (let t = 0; t < b.targets.length; t++) {
    const isCompletion = b.targets[t] >= 200 || b.targets[t] === 2;
    assert.equal(b.mask[t], isCompletion ? 1 : 0);
  }
});

test('documentBatches refuses a document longer than a batch, saying which --batch-tokens fits', () => {
  const batches = documentBatches([{ ids: [1, 5, 5, 5, 5, 5, 2], completionStart: 3 }], 4, mulberry32(1));
  assert.throws(() => batches.next(), /raise --batch-tokens to at least 6/);
});

test('a micro pretrain run saves a loadable model with its model card and settings', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tt-pretrain-')), 'model');
  const lines: string[] = [];
  const r = await pretrain({
    out,
    promptsDir: 'prompts',
    seed: 1,
    docs: 40,
    slipRate: 0.3,
    teacherFraction: 0.25,
    batchTokens: 1600,
    steps: 3,
    lr: 3e-3,
    warmupSteps: 1,
    timeLimitMin: 0,
    evalEvery: 3,
    evalProblems: 2,
    hidden: 32,
    layers: 1,
    intermediate: 64,
    onLog: (l) => lines.push(l),
    command: 'thinktune pretrain --docs 40 --steps 3',
  });
  assert.equal(r.steps, 3);
  assert.ok(Number.isFinite(r.finalLoss) && r.finalLoss > 0);
  assert.ok(r.probe && r.probe.n === 2);
  assert.ok(lines.some((l) => l.startsWith('probe @3:')));
  const card = readFileSync(join(out, 'README.md'), 'utf8');
  assert.match(card, /thinktune pretrain --docs 40 --steps 3/);
  const saved = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8'));
  assert.equal(saved.options.batchTokens, 1600);
  assert.equal(saved.result.steps, 3);
  assert.ok(existsSync(join(out, 'tokenizer.json')));
  const { model } = await loadModel(out);
  assert.equal(model.config.hidden_size, 32);
  model.dispose();
});

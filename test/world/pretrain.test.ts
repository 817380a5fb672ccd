// Pretraining of the built-in world's base model: whole-document rows (no document is ever cut, padding
// is masked) and a micro run of `pretrain` that leaves a loadable checkpoint with its model card.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { documentRows, pretrain, type EncodedDocument } from '../../src/world/pretrain.js';
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

test('documentRows packs whole documents, masks only the padding, and shows each document once per epoch', () => {
  const rng = mulberry32(3);
  const docs = fakeDocs(40, rng);
  const T = 24;
  const rows = documentRows(docs, T, 2, mulberry32(9));
  const seen = new Map<number, number>();
  let trained = 0;
  // Two epochs' worth of rows (an epoch is at most 40 rows: every row holds at least one document).
  for (let k = 0; k < 40; k++) {
    const b = rows.next().value!;
    assert.equal(b.inputs.length, 2 * T);
    for (let r = 0; r < 2; r++) {
      // The row's length: the last position with a target (every document ends in eos = 2, trained).
      let len = T;
      while (len > 0 && b.mask[r * T + len - 1] === 0) len--;
      const row = [...b.inputs.subarray(r * T, r * T + len), b.targets[r * T + len - 1]];
      // Trained: every target but a document's BOS (a new document is not predictable from the last).
      for (let t = 0; t < T; t++) assert.equal(b.mask[r * T + t], t < len && b.targets[r * T + t] !== 1 ? 1 : 0);
      trained += len;
      // The row is a concatenation of whole documents: split at each BOS and match a document exactly.
      let start = 0;
      for (let t = 1; t <= row.length; t++) {
        if (t === row.length || row[t] === 1) {
          const piece = row.slice(start, t);
          const id = piece[1] - 10;
          assert.deepEqual(piece, docs[id].ids, 'a row holds whole documents only');
          seen.set(id, (seen.get(id) ?? 0) + 1);
          start = t;
        }
      }
      // Targets are inputs shifted by one.
      for (let t = 0; t + 1 < len; t++) assert.equal(b.targets[r * T + t], b.inputs[r * T + t + 1]);
    }
  }
  assert.ok(trained > 0);
  // Each epoch shows every document once, so after several epochs the counts differ by at most one.
  assert.equal(seen.size, 40);
  const counts = [...seen.values()];
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${Math.min(...counts)}..${Math.max(...counts)}`);
  assert.ok(Math.min(...counts) >= 2, 'the 80 rows span more than one epoch');
});

test('documentRows with completionOnly trains exactly the completion tokens and end tokens', () => {
  const docs = fakeDocs(30, mulberry32(4));
  const rows = documentRows(docs, 32, 3, mulberry32(2), true);
  let trained = 0;
  for (let k = 0; k < 10; k++) {
    const b = rows.next().value!;
    for (let t = 0; t < b.targets.length; t++) {
      const isCompletion = b.targets[t] >= 200 || (b.targets[t] === 2 && b.mask[t] === 1);
      assert.equal(b.mask[t], isCompletion ? 1 : 0, `position ${t} target ${b.targets[t]}`);
      trained += b.mask[t];
    }
  }
  assert.ok(trained > 0);
});

test('documentRows refuses a document longer than a row, saying which --seq-len fits', () => {
  const rows = documentRows([{ ids: [1, 5, 5, 5, 5, 5, 2], completionStart: 3 }], 4, 1, mulberry32(1));
  assert.throws(() => rows.next(), /raise --seq-len to at least 6/);
});

test('a micro pretrain run saves a loadable model with its model card and settings', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'tt-pretrain-')), 'model');
  const lines: string[] = [];
  const r = await pretrain({
    out, promptsDir: 'prompts', seed: 1, docs: 40, slipRate: 0.3, teacherFraction: 0.25, seqLen: 800, batchSeqs: 2, steps: 3,
    lr: 3e-3, warmupSteps: 1, timeLimitMin: 0, evalEvery: 3, evalProblems: 2, hidden: 32, layers: 1, intermediate: 64,
    onLog: (l) => lines.push(l), command: 'thinktune pretrain --docs 40 --steps 3',
  });
  assert.equal(r.steps, 3);
  assert.ok(Number.isFinite(r.finalLoss) && r.finalLoss > 0);
  assert.ok(r.probe && r.probe.n === 2);
  assert.ok(lines.some((l) => l.startsWith('probe @3:')));
  const card = readFileSync(join(out, 'README.md'), 'utf8');
  assert.match(card, /thinktune pretrain --docs 40 --steps 3/);
  const saved = JSON.parse(readFileSync(join(out, 'pretrain.json'), 'utf8'));
  assert.equal(saved.options.seqLen, 800);
  assert.equal(saved.result.steps, 3);
  assert.ok(existsSync(join(out, 'tokenizer.json')));
  const { model } = await loadModel(out);
  assert.equal(model.config.hidden_size, 32);
  model.dispose();
});

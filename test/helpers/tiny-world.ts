/**
 * A tiny model of the built-in world for tests: a few dozen steps of pretraining on student solutions,
 * enough that it writes short answers and ends them with the end token. Built once per process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { saveModel } from '../../src/model/io.js';
import { packSequences } from '../../src/model/score.js';
import { AdamW } from '../../src/train/optim.js';
import { crossEntropyLoss, trainStep } from '../../src/train/step.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { arithDataset, solution, studentPrompt } from '../../src/tasks/arith.js';

let cached: string | null = null;

export function tinyWorldModel(steps = 60): string {
  if (cached) return cached;
  const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
  const model = CausalLM.init(presetConfig('tiny', tok.vocabSize, { max_position_embeddings: 1024 }), 5);
  const opt = new AdamW({ weightDecay: 0 });
  const problems = arithDataset('train', { count: 64, seed: 2, difficulty: 'easy' });
  for (let i = 0; i < steps; i++) {
    const seqs = problems.slice((i * 8) % 64, ((i * 8) % 64) + 8).map((p) => [tok.bosId!, ...tok.encode(studentPrompt(p.question) + solution(p)), tok.eosId]);
    const batch = packSequences(seqs, tok.padId);
    trainStep(model, opt, batch, crossEntropyLoss(batch.mask), { lr: 1e-2, maxGradNorm: 1 });
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'tt-tiny-world-')), 'model');
  saveModel(dir, model, { tokenizer: tok });
  opt.dispose();
  model.dispose();
  cached = dir;
  return dir;
}

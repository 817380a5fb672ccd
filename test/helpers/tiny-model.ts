/** A throwaway tiny char-level model folder (random weights) for tests that need any model on disk. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '../../src/model/config.js';
import { CausalLM } from '../../src/model/model.js';
import { saveModel } from '../../src/model/io.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';

/** Saves `CausalLM.init(tiny preset, seed)` with the default CharTokenizer into `<parent or a fresh temp folder>/model`. */
export function saveTinyModel(seed = 1, parent?: string): string {
  const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
  const model = CausalLM.init(presetConfig('tiny', tok.vocabSize, { max_position_embeddings: 1024 }), seed);
  const dir = join(parent ?? mkdtempSync(join(tmpdir(), 'thinktune-model-')), 'model');
  saveModel(dir, model, { tokenizer: tok });
  model.dispose();
  return dir;
}

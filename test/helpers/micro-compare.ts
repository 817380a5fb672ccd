/** The micro comparison config of the compare tests: tiny random model, 2 steps, G=2, 2 prompts per step. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveTinyModel } from './tiny-model.js';

/** Writes `<dir>/micro.json` (model from saveTinyModel(seed)) and returns its path. */
export function writeMicroCompareConfig(dir: string, seed: number): string {
  const file = join(dir, 'micro.json');
  writeFileSync(
    file,
    JSON.stringify({
      model: { checkpoint: saveTinyModel(seed) },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 2, maxNewTokens: 16 },
      teacher: { maxNewTokens: 16 },
      guidance: { decaySteps: 10 },
      run: { totalSteps: 2, saveEvery: 0 },
    }),
  );
  return file;
}

// Shared by the reflection diagnostics (not part of the build): a model's student answers to the first N
// test problems, greedy or sampled at a temperature, and continuation of any token sequences the same way.
import { selectBackend } from '../src/backend/select.js';
import { loadModel } from '../src/model/io.js';
import { generate, type GeneratedSequence } from '../src/engine/generate.js';
import { loadProblems } from '../src/tasks/datasets.js';
import { studentPrompt } from '../src/tasks/arith.js';
import { mulberry32 } from '../src/rl/rng.js';

/**
 * Loads `dir` on wasm and answers the first `n` arith-test problems (at most `maxNewTokens`, default 64:
 * an answer without reflection), greedily or, with `temperature` > 0, one sample each (seeded, so a run
 * repeats).
 */
export async function greedyStudentAnswers(dir: string, n: number, temperature = 0, maxNewTokens = 64) {
  await selectBackend('wasm');
  const { model, tokenizer } = await loadModel(dir);
  const tok = tokenizer!;
  const problems = loadProblems('arith-test', { count: n }).slice(0, n);
  const prompts = problems.map((p) => tok.encode(studentPrompt(p.question), { addSpecialTokens: true }));
  const rng = mulberry32(1);
  const greedy = (ids: number[][], maxNewTokens: number): GeneratedSequence[] =>
    generate(model, ids, { maxNewTokens, numSamples: 1, stopTokens: [tok.eosId], temperature, topP: 1, rng });
  const answers = greedy(prompts, maxNewTokens);
  // The answer's tokens without its end token.
  const bodies = answers.map((a) => (a.finished ? a.tokens.slice(0, -1) : a.tokens));
  return { model, tok, problems, prompts, answers, bodies, greedy };
}

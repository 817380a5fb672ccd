// Diagnostic (not part of the build): how strong is the student's misreading habit (stage 6)? On the
// first N test problems with a scaling step ("Then she has 3 times as many apples as before"), K answers
// each sampled at temperature T (default 1, the training temperature; at most 40 tokens): how many
// multiply, as the question says, and how many add the number instead. GRPO can only sharpen the
// multiplying answers it samples.
//   npx tsx scripts/misread-rate.ts [MODEL_DIR] [N] [K] [T]
import { selectBackend } from '../src/backend/select.js';
import { loadModel } from '../src/model/io.js';
import { generate } from '../src/engine/generate.js';
import { arithDataset, BUILTIN_WORLD_DIFFICULTY, studentPrompt } from '../src/tasks/arith.js';
import { mulberry32 } from '../src/rl/rng.js';

const dir = process.argv[2] ?? 'checkpoints/arith-base';
const n = Number(process.argv[3] ?? 150);
const k = Number(process.argv[4] ?? 4);
const temperature = Number(process.argv[5] ?? 1);
await selectBackend('wasm');
const { model, tokenizer } = await loadModel(dir);
const tok = tokenizer!;
const problems = arithDataset('test', { count: 1000, seed: 0, difficulty: BUILTIN_WORLD_DIFFICULTY })
  .filter((p) => p.steps.some((s) => s.scaling))
  .slice(0, n);
const prompts = problems.map((p) => tok.encode(studentPrompt(p.question), { addSpecialTokens: true }));
const out = generate(model, prompts, { maxNewTokens: 40, numSamples: k, stopTokens: [tok.eosId], temperature, topP: 1, rng: mulberry32(1) });
let multiplied = 0,
  added = 0;
out.forEach((g, j) => {
  const step = problems[Math.floor(j / k)].steps.find((s) => s.scaling)!;
  const text = tok.decode(g.tokens, { skipSpecial: true });
  if (text.includes(`${step.left} x ${step.right} =`) || text.includes(`${step.right} x ${step.left} =`)) multiplied++;
  else if (text.includes(`${step.left} + ${step.right} =`)) added++;
});
console.log(
  `${dir}: ${out.length} answers (temperature ${temperature}) to ${problems.length} scaling problems: multiplied ${multiplied}, added ${added}, other ${out.length - multiplied - added}`,
);

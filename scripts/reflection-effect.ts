// Diagnostic (not part of the build): does a trained student's own reflection help it? For N test
// problems, one response each (greedy, or sampled at TEMPERATURE), at most 128 tokens as in `compare`.
// Compares the first \boxed{} of each response (the answer before any reflection) with the last (what
// the reward scores), and counts the answers the reflection fixed and broke.
//   npx tsx scripts/reflection-effect.ts MODEL_DIR [N] [TEMPERATURE]
import { isCorrect } from '../src/eval/scoring.js';
import { isReflective } from '../src/eval/reflection.js';
import { answersEquivalent, extractFirstBoxed } from '../src/rl/math-answer.js';
import { greedyStudentAnswers } from './greedy-answers.js';
const dir = process.argv[2] ?? 'checkpoints/arith-base';
const n = Number(process.argv[3] ?? 200);
const temperature = Number(process.argv[4] ?? 0);
const { tok, problems, answers: out } = await greedyStudentAnswers(dir, n, temperature, 128);
let last = 0,
  first = 0,
  fixed = 0,
  broke = 0,
  reflective = 0;
out.forEach((o, i) => {
  const text = tok.decode(o.finished ? o.tokens.slice(0, -1) : o.tokens, { skipSpecial: true });
  const lastRight = isCorrect({ text, terminated: o.finished, tokens: o.tokens.length }, problems[i].answer);
  const firstBoxed = extractFirstBoxed(text);
  const firstRight = firstBoxed !== null && answersEquivalent(firstBoxed, problems[i].answer);
  last += +lastRight;
  first += +firstRight;
  reflective += +isReflective(text);
  if (!firstRight && lastRight) fixed++;
  if (firstRight && !lastRight) broke++;
});
console.log(
  `${dir}${temperature > 0 ? ` (sampled at ${temperature})` : ' (greedy)'}: ${reflective}/${n} reflect; first answer right ${first}/${n}, final answer right ${last}/${n}; the reflection fixed ${fixed}, broke ${broke}`,
);

// Diagnostic (not part of the build): if the student is made to reflect, does its reflection help?
// For N test problems: the greedy answer; then the same answer + "\n\nWait" continued greedily (at most
// 100 tokens) and scored like a rollout (the last \boxed{} counts). Prints how often the answer was right
// before and after, how many wrong answers the reflection fixed and how many right ones it broke.
// With a TEMPERATURE, the answer and the reflection are sampled at it instead (one sample each).
// FORCED replaces "\n\nWait" as the text appended to the answer ("\n\n" is added in front of it).
// MAX_NEW caps the reflection (default 100 tokens, enough for the shipped teacher format).
//   npx tsx scripts/forced-reflection.ts [MODEL_DIR] [N] [TEMPERATURE] [FORCED] [MAX_NEW]
import { isCorrect } from '../src/eval/scoring.js';
import { greedyStudentAnswers } from './greedy-answers.js';
const dir = process.argv[2] ?? 'checkpoints/arith-base';
const n = Number(process.argv[3] ?? 100);
const temperature = Number(process.argv[4] ?? 0);
const { tok, problems, prompts, answers: first, bodies: body, greedy } = await greedyStudentAnswers(dir, n, temperature);
const forced = `\n\n${process.argv[5] ?? 'Wait'}`;
const wait = tok.encode(forced);
const second = greedy(
  body.map((b, i) => [...prompts[i], ...b, ...wait]),
  Number(process.argv[6] ?? 100),
);
let before = 0,
  after = 0,
  fixed = 0,
  broke = 0;
problems.forEach((p, i) => {
  const a = tok.decode(body[i], { skipSpecial: true });
  const r = second[i];
  const text = a + forced + tok.decode(r.finished ? r.tokens.slice(0, -1) : r.tokens, { skipSpecial: true });
  const ok1 = isCorrect({ text: a, terminated: first[i].finished, tokens: first[i].tokens.length }, p.answer);
  const ok2 = isCorrect({ text, terminated: r.finished, tokens: 0 }, p.answer);
  before += +ok1;
  after += +ok2;
  if (!ok1 && ok2) fixed++;
  if (ok1 && !ok2) broke++;
  if (i < 3) console.log(JSON.stringify(text));
});
console.log(
  `${dir}${temperature > 0 ? ` (sampled at ${temperature})` : ''}: right before ${before}/${n}, after a forced reflection ${after}/${n}; fixed ${fixed} of ${n - before} wrong, broke ${broke} of ${before} right`,
);

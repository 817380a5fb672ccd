// Diagnostic (not part of the build): how likely is it that the student, having written its answer,
// starts a reflection instead of stopping? For N test problems: the greedy answer, then the log-prob of
// "\n\nWait" (the start of every teacher reason as the trainer appends it) against the end token.
//   npx tsx scripts/reflection-odds.ts [MODEL_DIR] [N]
// Prints the median and mean over problems of log p("\n\nWait" | prompt + answer) and of log p(end).
import { sequenceLogprobs } from '../src/model/score.js';
import { greedyStudentAnswers } from './greedy-answers.js';
import { mean } from '../src/math.js';
const dir = process.argv[2] ?? 'checkpoints/arith-base';
const n = Number(process.argv[3] ?? 50);
const { model, tok, prompts, answers, bodies } = await greedyStudentAnswers(dir, n);
const tail = tok.encode('\n\nWait');
const seqs = answers.map((_answer, i) => {
  const body = [...prompts[i], ...bodies[i]];
  return { reflect: [...body, ...tail], stop: [...body, tok.eosId], from: body.length - 1 };
});
const sum = (lp: Float32Array, from: number) => {
  let t = 0;
  for (let k = from; k < lp.length; k++) t += lp[k];
  return t;
};
const reflect = sequenceLogprobs(
  model,
  seqs.map((s) => s.reflect),
).map((lp, i) => sum(lp, seqs[i].from));
const stop = sequenceLogprobs(
  model,
  seqs.map((s) => s.stop),
).map((lp, i) => sum(lp, seqs[i].from));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${dir}: log p("\\n\\nWait" | answer) median ${median(reflect).toFixed(2)} mean ${mean(reflect).toFixed(2)} (${tail.length} tokens); log p(end) median ${median(stop).toFixed(3)}; n ${n}`,
);

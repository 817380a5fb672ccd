// Diagnostic (not part of the build): does one GRPO step move each rollout's log-prob the way its
// advantage says? Run a one-step training run, then compare the start model with its step-1 checkpoint:
//   node bin/thinktune.js train --headless --set optim.lr=2e-4 --set run.totalSteps=1 \
//     --set guidance.enabled=false --set run.saveEvery=1 --run-dir /tmp/dir-run
//   npx tsx scripts/grpo-direction.ts /tmp/dir-run
// Prints the mean change of the sequence log-prob (completion tokens + end token) of the unguided
// rollouts of step 0 with positive and with negative advantage.
import { selectBackend } from '../src/backend/select.js';
import { loadModel } from '../src/model/io.js';
import { sequenceLogprobs } from '../src/model/score.js';
import { readFileSync } from 'node:fs';
await selectBackend('wasm');
const run = process.argv[2];
const rows = readFileSync(`${run}/rollouts.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l))
  .filter((r) => r.step === 0 && !r.guided);
const base = await loadModel('checkpoints/arith-base');
const after = await loadModel(`${run}/checkpoints/step-1`);
const tok = base.tokenizer!;
const seqs = rows.map((r) => {
  const p = tok.encode(r.prompt, { addSpecialTokens: true });
  return { ids: [...p, ...tok.encode(r.text), tok.eosId], start: p.length };
});
const lp = (m: typeof base.model) =>
  sequenceLogprobs(
    m,
    seqs.map((s) => s.ids),
  ).map((a, i) => {
    let t = 0;
    for (let k = seqs[i].start - 1; k < a.length; k++) t += a[k];
    return t;
  });
const b = lp(base.model),
  a = lp(after.model);
let pos = 0,
  posN = 0,
  neg = 0,
  negN = 0;
rows.forEach((r, i) => {
  const d = a[i] - b[i];
  if (r.advantage > 0.01) {
    pos += d;
    posN++;
  } else if (r.advantage < -0.01) {
    neg += d;
    negN++;
  }
});
console.log(`positive-advantage rollouts: mean dlogp ${(pos / posN).toFixed(4)} (n ${posN}); negative: ${(neg / negN).toFixed(4)} (n ${negN})`);

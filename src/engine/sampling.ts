/**
 * Token sampling on the host from one row of log-probabilities: greedy, temperature, nucleus (top-p).
 * Returns the token and the log-probability of that token under the *sampling* distribution (after
 * temperature and top-p), which is what an importance ratio against the sampler needs.
 */
export interface SamplingOptions {
  /** 0 means greedy. */
  temperature: number;
  /** Nucleus mass in (0, 1]; 1 disables. */
  topP: number;
}

export function sampleToken(logp: Float32Array, offset: number, V: number, opts: SamplingOptions, rng: () => number): { token: number; logprob: number } {
  if (opts.temperature <= 0) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logp[offset + i] > logp[offset + best]) best = i;
    return { token: best, logprob: 0 };
  }
  // Tempered, renormalised probabilities.
  const invT = 1 / opts.temperature;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logp[offset + i] * invT);
  const probs = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp(logp[offset + i] * invT - max);
    z += probs[i];
  }
  for (let i = 0; i < V; i++) probs[i] /= z;
  let keep: number[] | null = null;
  let mass = 1;
  if (opts.topP < 1) {
    // Smallest set of most likely tokens whose mass reaches topP (HF TopPLogitsWarper keeps the token
    // that crosses the threshold).
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a]);
    keep = [];
    mass = 0;
    for (const i of order) {
      keep.push(i);
      mass += probs[i];
      if (mass >= opts.topP) break;
    }
  }
  const candidates = keep ?? null;
  let u = rng() * mass;
  let token = -1;
  if (candidates) {
    for (const i of candidates) {
      u -= probs[i];
      if (u <= 0) {
        token = i;
        break;
      }
    }
    if (token < 0) token = candidates[candidates.length - 1];
  } else {
    for (let i = 0; i < V; i++) {
      u -= probs[i];
      if (u <= 0) {
        token = i;
        break;
      }
    }
    if (token < 0) token = V - 1;
  }
  return { token, logprob: Math.log(probs[token] / mass) };
}

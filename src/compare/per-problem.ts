/**
 * Each evaluated run's per-problem outcomes, kept in results.json so the paired tests (stats.ts) can be
 * recomputed from it, and its first-vs-last-answer repairs.
 *
 * Vectors are strings, one character per test problem in results.test.ids order (500 problems are 500
 * characters, not 500 lines of JSON):
 *   correct    greedy response right: ended on the end token and its last \boxed{} right (the primary)
 *   first      greedy response's first \boxed{} right (the answer before any reflection), same rule
 *   reflected  greedy response reflects (eval/reflection.ts)
 *   sampled    right answers among the K samples, one base-36 digit (K <= 35; absent without samples)
 * Repairs of the greedy responses: fixed = first wrong and last right, broke = first right and last
 * wrong; a response with one answer has first = last, so it is neither.
 */
import type { ScoredProblem } from '../eval/scoring.js';
import { firstAnswerReward } from '../rl/rewards.js';

export interface PerProblem {
  correct: string;
  first: string;
  reflected: string;
  sampled?: string;
}

export interface Repairs {
  problems: number;
  firstRight: number;
  lastRight: number;
  fixed: number;
  broke: number;
}

const bits = (xs: readonly boolean[]) => xs.map((x) => (x ? '1' : '0')).join('');

/** Whether the first \boxed{} of a greedy response is right, by the training reward's rule. */
function firstRight(r: ScoredProblem): boolean {
  return (
    firstAnswerReward({ prompt: '', completion: r.response, answer: r.answer, terminated: r.terminated, endTokenCount: r.terminated ? 1 : 0, sample: {} }) === 1
  );
}

export function perProblem(records: readonly ScoredProblem[]): PerProblem {
  const out: PerProblem = {
    correct: bits(records.map((r) => r.correct)),
    first: bits(records.map(firstRight)),
    reflected: bits(records.map((r) => r.reflected)),
  };
  if (records.length > 0 && records.every((r) => r.samples)) {
    const k = records[0].samples!.correct.length;
    if (k > 35) throw new RangeError(`perProblem: ${k} samples do not fit one base-36 digit; use --samples 35 or fewer`);
    out.sampled = records.map((r) => r.samples!.correct.filter(Boolean).length.toString(36)).join('');
  }
  return out;
}

/** A vector string back as booleans. */
export const outcomes = (v: string): boolean[] => Array.from(v, (c) => c === '1');

/** Per-problem sampled right counts back as numbers. */
export const sampledCounts = (v: string): number[] => Array.from(v, (c) => parseInt(c, 36));

export function repairs(p: PerProblem): Repairs {
  const last = outcomes(p.correct);
  const first = outcomes(p.first);
  let fixed = 0;
  let broke = 0;
  last.forEach((l, j) => {
    if (l && !first[j]) fixed++;
    else if (!l && first[j]) broke++;
  });
  return { problems: last.length, firstRight: first.filter(Boolean).length, lastRight: last.filter(Boolean).length, fixed, broke };
}

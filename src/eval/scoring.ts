/**
 * Scoring of evaluation responses, separate from generation so it can be tested on hand-made text.
 *
 * - Correct: the training reward's rule (rl/rewards.ts mathAnswerReward): the response ended on the end
 *   token and its last \boxed{} (else `#### N`) is math-equivalent to the ground truth.
 * - maj@k (self-consistency, Wang et al. 2022): the most frequent final answer among the k sampled
 *   responses that ended on the end token (a truncated response gives no vote, as it gets no reward);
 *   answers are grouped by math equivalence, ties go to the answer that appeared first.
 * - pass@k: the unbiased estimator of Chen et al. 2021 (Codex, eq. 1), 1 - C(n-c, k) / C(n, k) for n
 *   samples of which c are correct; with n == k it is 1 when any sample is correct, else 0.
 * - mean@k: the share of the k samples that are correct, i.e. the accuracy of one sampled answer (what
 *   the training reward measures at the same temperature), estimated from k samples per problem.
 * - sampled_reflection_rate: the share of the k samples that reflect (greedy decoding can hide a
 *   behaviour that sampling already shows).
 */
import { answersEquivalent, extractAnswer } from '../rl/math-answer.js';
import { groundTruthAnswer, mathAnswerReward } from '../rl/rewards.js';
import { isReflective } from './reflection.js';
import { mean } from '../math.js';

/** One generated response as the scorer sees it. */
export interface Completion {
  /** Decoded text, end token excluded. */
  text: string;
  /** True when generation stopped on the end token (false: cut at maxNewTokens). */
  terminated: boolean;
  /** Generated tokens, the end token included (as the trainer's completions/mean_length counts them). */
  tokens: number;
}

export interface ScoredProblem {
  id: string;
  question: string;
  answer: string;
  /** Greedy response text. */
  response: string;
  /** Final answer extracted from the greedy response (null: none). */
  predicted: string | null;
  correct: boolean;
  reflected: boolean;
  /** Greedy response length in tokens (end token included). */
  length: number;
  terminated: boolean;
  /** Present when k > 1 samples were drawn. */
  samples?: {
    responses: string[];
    /** Extracted final answer of each sample (null when it has none or was truncated). */
    answers: (string | null)[];
    correct: boolean[];
    /** Whether each sample reflects (eval/reflection.ts). */
    reflected: boolean[];
    /** The majority answer (null when no sample gave one). */
    majority: string | null;
    majorityCorrect: boolean;
    /** pass@k of this problem, k = number of samples. */
    passAtK: number;
  };
}

export interface ProblemLike {
  id: string;
  question: string;
  answer: string;
}

/** Chen et al. 2021, numerically stable form: 1 - prod_{i=n-c+1}^{n} (1 - k/i). */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw new Error(`passAtK needs integers 0 <= c <= n and 1 <= k <= n (got n=${n}, c=${c}, k=${k})`);
  }
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/**
 * The most frequent answer (null entries are abstentions); answers are grouped by math equivalence
 * ("27" and "27.0" are one vote each for the same answer); a tie goes to the group seen first.
 * Returns the first-seen spelling of the winning group, or null when every entry is null.
 */
export function majorityAnswer(answers: readonly (string | null)[]): string | null {
  const groups: { answer: string; votes: number }[] = [];
  for (const a of answers) {
    if (a === null) continue;
    const g = groups.find((x) => x.answer === a || answersEquivalent(x.answer, a));
    if (g) g.votes++;
    else groups.push({ answer: a, votes: 1 });
  }
  let best: { answer: string; votes: number } | null = null;
  for (const g of groups) if (best === null || g.votes > best.votes) best = g; // strict >: first seen wins ties
  return best?.answer ?? null;
}

/** 1/0 correctness of one response by the training reward's rule. */
export function isCorrect(c: Completion, answer: string): boolean {
  return mathAnswerReward({ prompt: '', completion: c.text, answer, terminated: c.terminated, endTokenCount: c.terminated ? 1 : 0, sample: {} }) === 1;
}

/** The final answer a response votes for: its extracted answer when it terminated, else null. */
export function voteOf(c: Completion): string | null {
  return c.terminated ? extractAnswer(c.text) : null;
}

/** Scores one problem: its greedy response, and (when given, k > 1) its k sampled responses. */
export function scoreProblem(problem: ProblemLike, greedy: Completion, samples: readonly Completion[] = []): ScoredProblem {
  const scored: ScoredProblem = {
    id: problem.id,
    question: problem.question,
    answer: problem.answer,
    response: greedy.text,
    predicted: extractAnswer(greedy.text),
    correct: isCorrect(greedy, problem.answer),
    reflected: isReflective(greedy.text),
    length: greedy.tokens,
    terminated: greedy.terminated,
  };
  if (samples.length > 1) {
    const answers = samples.map(voteOf);
    const correct = samples.map((s) => isCorrect(s, problem.answer));
    const majority = majorityAnswer(answers);
    const truth = groundTruthAnswer(problem.answer);
    scored.samples = {
      responses: samples.map((s) => s.text),
      answers,
      correct,
      reflected: samples.map((s) => isReflective(s.text)),
      majority,
      majorityCorrect: majority !== null && truth !== null && answersEquivalent(majority, truth),
      passAtK: passAtK(samples.length, correct.filter(Boolean).length, samples.length),
    };
  }
  return scored;
}

/**
 * Evaluation metrics, keyed as `thinktune eval --json` prints them: `pass@1`, then `maj@K`, `pass@K` and
 * `mean@K` (K substituted, only when K > 1), `reflection_rate`, `sampled_reflection_rate` (K > 1),
 * `mean_length` (tokens, greedy), `termination_rate`, `n`.
 */
export type EvalMetrics = Record<string, number>;

const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;

/** Aggregates scored problems; `k` is the number of samples per problem (1: greedy only). */
export function summarize(records: readonly ScoredProblem[], k: number): EvalMetrics {
  if (records.length === 0) throw new Error('summarize: no scored problems');
  const m: EvalMetrics = { 'pass@1': mean(records.map((r) => (r.correct ? 1 : 0))) };
  if (k > 1) {
    if (records.some((r) => r.samples?.responses.length !== k)) throw new Error(`summarize: every problem needs ${k} samples`);
    m[`maj@${k}`] = mean(records.map((r) => (r.samples!.majorityCorrect ? 1 : 0)));
    m[`pass@${k}`] = mean(records.map((r) => r.samples!.passAtK));
    m[`mean@${k}`] = mean(records.map((r) => share(r.samples!.correct)));
  }
  m.reflection_rate = mean(records.map((r) => (r.reflected ? 1 : 0)));
  if (k > 1) m.sampled_reflection_rate = mean(records.map((r) => share(r.samples!.reflected)));
  m.mean_length = mean(records.map((r) => r.length));
  m.termination_rate = mean(records.map((r) => (r.terminated ? 1 : 0)));
  m.n = records.length;
  return m;
}

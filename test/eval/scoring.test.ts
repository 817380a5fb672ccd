// Scoring of evaluation responses on hand-made text: the reflection rule, maj@k, pass@k, the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findReflection, isReflective } from '../../src/eval/reflection.js';
import { majorityAnswer, passAtK, scoreProblem, summarize, type Completion } from '../../src/eval/scoring.js';

const done = (text: string, tokens = text.length + 1): Completion => ({ text, terminated: true, tokens });
const cut = (text: string): Completion => ({ text, terminated: false, tokens: text.length });

test('reflection: a marker followed by a re-computation counts', () => {
  const agreement = '3 x 5 = 15\n12 + 15 = 27\nWait... let me walk through my steps again. 3 x 5 is 15, and 12 + 15 is 27. The answer is \\boxed{27}.';
  assert.deepEqual(findReflection(agreement), { marker: 'Wait', recomputation: '3 x 5 is 1' });
  assert.equal(isReflective('20 - 12 = 9\nWait... I made a slip.\n20 - 12 = 8\nThe answer is \\boxed{8}.'), true);
  assert.equal(isReflective('6 x 4 = 24. Let me re-check: 6 x 4 = 24.'), true);
  assert.equal(isReflective('let me double-check 7*8=56'), true);
  assert.equal(isReflective('WAIT 2+2=4'), true);
  assert.equal(isReflective('Wait... are you sure about 18? 16 + 3 is 19, not 18.'), true);
  assert.equal(isReflective('Wait, 10 - 12 = -2 cannot be right.'), true);
});

test('reflection: no marker, or nothing re-computed after it, does not count', () => {
  // Equations only before the marker (the first attempt), and a lone "is N" after it.
  assert.equal(isReflective('3 x 5 = 15\n12 + 15 = 27\nWait, the answer is \\boxed{27}.'), false);
  assert.equal(isReflective('3 x 5 = 15\n12 + 15 = 27\nThe answer is \\boxed{27}.'), false);
  // "waiting" / "await" are not the word "wait"; "let me" alone is not a marker.
  assert.equal(isReflective('I was waiting. 3 + 4 = 7'), false);
  assert.equal(isReflective('We await 3 + 4 = 7'), false);
  assert.equal(isReflective('Let me add: 3 + 4 = 7'), false);
  // A marker followed by numbers that are not an operation with a result.
  assert.equal(isReflective('Wait... 15 and 27 are my numbers. 27 apples.'), false);
  assert.equal(findReflection(''), null);
});

test('majority vote groups equivalent answers, ignores abstentions, and breaks ties by first occurrence', () => {
  assert.equal(majorityAnswer(['5', '7', '7', null, '5']), '5');
  assert.equal(majorityAnswer(['7', '5', '5']), '5');
  assert.equal(majorityAnswer(['3', '27', '27.0', '\\frac{54}{2}']), '27');
  assert.equal(majorityAnswer([null, '4', '3']), '4');
  assert.equal(majorityAnswer([null, null]), null);
  assert.equal(majorityAnswer([]), null);
});

test('pass@k is the unbiased estimator of Chen et al. 2021', () => {
  // n == k: any correct.
  assert.equal(passAtK(5, 0, 5), 0);
  assert.equal(passAtK(5, 1, 5), 1);
  assert.equal(passAtK(5, 5, 5), 1);
  // 1 - C(n-c, k) / C(n, k)
  assert.equal(passAtK(2, 1, 1), 0.5);
  assert.ok(Math.abs(passAtK(10, 3, 2) - (1 - 21 / 45)) < 1e-12);
  assert.ok(Math.abs(passAtK(20, 2, 5) - (1 - 8568 / 15504)) < 1e-12);
  assert.equal(passAtK(4, 4, 2), 1);
  assert.throws(() => passAtK(3, 1, 4), /1 <= k <= n/);
  assert.throws(() => passAtK(3, 4, 2), /0 <= c <= n/);
});

const problem = { id: 'p1', question: 'Tom has 12 apples. He buys 3 bags with 5 apples each. How many apples does Tom have now?', answer: '27' };
const RIGHT = '3 x 5 = 15\n12 + 15 = 27\nThe answer is \\boxed{27}.';

test('a problem is correct only when the response ended and its last box matches', () => {
  assert.equal(scoreProblem(problem, done(RIGHT)).correct, true);
  assert.equal(scoreProblem(problem, cut(RIGHT)).correct, false, 'truncated: no reward, as in training');
  assert.equal(scoreProblem(problem, done('\\boxed{27} then \\boxed{26}')).correct, false, 'the last box counts');
  const r = scoreProblem(problem, done(RIGHT + '\nWait... let me check: 12 + 15 = 27.', 80));
  assert.equal(r.reflected, true);
  assert.equal(r.length, 80);
  assert.equal(r.predicted, '27');
  assert.equal(r.samples, undefined, 'no samples record without k > 1');
});

test('samples: majority over finished responses, pass@k over all', () => {
  const samples = [done('\\boxed{26}'), cut('\\boxed{27}'), done('\\boxed{27}'), done('\\boxed{26.0}')];
  const r = scoreProblem(problem, done('\\boxed{1}'), samples);
  assert.deepEqual(r.samples!.answers, ['26', null, '27', '26.0']);
  assert.deepEqual(r.samples!.correct, [false, false, true, false]);
  assert.equal(r.samples!.majority, '26');
  assert.equal(r.samples!.majorityCorrect, false);
  assert.equal(r.samples!.passAtK, 1);
  const won = scoreProblem(problem, done('\\boxed{1}'), [done('\\boxed{27}'), done('\\boxed{26}'), done('\\boxed{27}')]);
  assert.equal(won.samples!.majorityCorrect, true);
  assert.equal(won.correct, false, 'pass@1 is the greedy response alone');
});

test('summarize: metric keys, in order, and their values', () => {
  const a = scoreProblem(problem, done(RIGHT + '\nWait... 3 x 5 is 15.', 10), [done('\\boxed{27}'), done('\\boxed{27}')]);
  const b = scoreProblem({ ...problem, id: 'p2', answer: '5' }, cut('2 + 2 = 4'), [
    done('\\boxed{4}'),
    done('2 + 2 = 4\nWait... let me check: 2 + 3 = 5. \\boxed{5}'),
  ]);
  const m = summarize([a, b], 2);
  assert.deepEqual(Object.keys(m), [
    'pass@1',
    'maj@2',
    'pass@2',
    'mean@2',
    'reflection_rate',
    'sampled_reflection_rate',
    'mean_length',
    'termination_rate',
    'n',
  ]);
  // mean@2: a has 2/2 samples right, b 1/2; sampled reflection: a 0/2, b 1/2.
  assert.deepEqual(m, {
    'pass@1': 0.5,
    'maj@2': 0.5,
    'pass@2': 1,
    'mean@2': 0.75,
    reflection_rate: 0.5,
    sampled_reflection_rate: 0.25,
    mean_length: (10 + 9) / 2,
    termination_rate: 0.5,
    n: 2,
  });
  const greedyOnly = summarize([scoreProblem(problem, done(RIGHT, 7))], 1);
  assert.deepEqual(Object.keys(greedyOnly), ['pass@1', 'reflection_rate', 'mean_length', 'termination_rate', 'n']);
  assert.throws(() => summarize([], 1), /no scored problems/);
});

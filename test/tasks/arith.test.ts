import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../src/rl/rng.js';
import { answersEquivalent, extractAnswer } from '../../src/rl/math-answer.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import {
  ARITH_DIFFICULTIES,
  ARITH_SPLITS,
  arithDataset,
  canonicalSteps,
  drawProblem,
  resolveDifficulty,
  solution,
  splitOf,
  type ArithProblem,
} from '../../src/tasks/arith.js';
import { DatasetError } from '../../src/tasks/errors.js';

/**
 * An independent reader of the question text: it knows the story's vocabulary, not the generator's
 * code, and computes the answer sentence by sentence.
 */
function solveFromText(question: string): number {
  const sentences = question.match(/[^.?]+[.?]/g)!.map((s) => s.trim());
  let total: number | null = null;
  for (const s of sentences) {
    if (s.startsWith('How many')) continue;
    const nums = (s.match(/\d+/g) ?? []).map(Number);
    if (total !== null && /\bdouble\.$/.test(s)) total *= 2;
    else if (total !== null && /\btriple\.$/.test(s)) total *= 3;
    else if (total !== null && /times as many/.test(s)) total *= nums[0];
    else if (nums.length === 2) {
      const group = nums[0] * nums[1];
      if (total === null) total = group;
      else if (/^Each of/.test(s) || /\b(buys|gets)\b/.test(s)) total += group;
      else if (/\b(gives|shares|sells)\b/.test(s)) total -= group;
      else throw new Error(`cannot read: ${s}`);
    } else if (nums.length === 1) {
      if (total === null) total = nums[0];
      else if (/\b(gives away|loses|sells|uses)\b/.test(s)) total -= nums[0];
      else if (/\b(buys|finds|gets|gives (him|her))\b/.test(s)) total += nums[0];
      else throw new Error(`cannot read: ${s}`);
    } else throw new Error(`cannot read: ${s}`);
  }
  assert.ok(total !== null, question);
  return total;
}

const charTok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
const medium = arithDataset('train', { count: 1500, seed: 11 });

describe('arithDataset', () => {
  it('is deterministic for a seed, differs across seeds, and a shorter count is a prefix', () => {
    const a = arithDataset('train', { count: 200, seed: 5 });
    assert.deepEqual(arithDataset('train', { count: 200, seed: 5 }), a);
    assert.deepEqual(arithDataset('train', { count: 50, seed: 5 }), a.slice(0, 50));
    const other = arithDataset('train', { count: 200, seed: 6 });
    assert.ok(other.filter((p, i) => p.question !== a[i].question).length > 190);
    assert.equal(new Set(a.map((p) => p.question)).size, 200, 'questions are distinct within a dataset');
    assert.equal(new Set(a.map((p) => p.id)).size, 200, 'ids are distinct');
  });

  it('keeps splits disjoint by computation, across seeds, over thousands of problems', () => {
    const bySplit = {
      train: [...arithDataset('train', { count: 3000, seed: 1 }), ...arithDataset('train', { count: 1000, seed: 2 })],
      validation: arithDataset('validation', { count: 1000, seed: 1 }),
      test: [...arithDataset('test', { count: 1000, seed: 1 }), ...arithDataset('test', { count: 500, seed: 9 })],
    };
    const keys = {} as Record<string, Set<string>>;
    for (const split of ARITH_SPLITS) {
      for (const p of bySplit[split]) assert.equal(splitOf(p.steps), split);
      keys[split] = new Set(bySplit[split].map((p) => canonicalSteps(p.steps)));
    }
    for (const [x, y] of [
      ['train', 'validation'],
      ['train', 'test'],
      ['validation', 'test'],
    ]) {
      const shared = [...keys[x]].filter((k) => keys[y].has(k));
      assert.deepEqual(shared, [], `${x} and ${y} share computations`);
      const qs = new Set(bySplit[x as 'train'].map((p) => p.question));
      assert.ok(!bySplit[y as 'test'].some((p) => qs.has(p.question)), `${x} and ${y} share a question`);
    }
  });

  it('splits the space about 80/10/10', () => {
    const rng = mulberry32(3);
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 4000; i++) counts[splitOf(drawProblem(rng).steps)]++;
    assert.ok(Math.abs(counts.train / 4000 - 0.8) < 0.03, JSON.stringify(counts));
    assert.ok(Math.abs(counts.test / 4000 - 0.1) < 0.025, JSON.stringify(counts));
  });

  it('the same computation worded differently lands in the same split (the wording is not hashed)', () => {
    const p = medium[0];
    const reworded: ArithProblem = { ...p, question: `${p.question} (again)` };
    assert.equal(splitOf(reworded.steps), splitOf(p.steps));
    const changed = p.steps.map((s, i) => (i === 0 && s.leftFrom === null ? { ...s, left: s.left + 1 } : s));
    assert.notEqual(canonicalSteps(changed), canonicalSteps(p.steps));
  });

  it('rejects bad settings with one-line DatasetErrors', () => {
    const oneLine = (re: RegExp) => (e: unknown) => e instanceof DatasetError && re.test(e.message) && !e.message.includes('\n');
    assert.throws(() => arithDataset('dev' as 'test', { count: 1, seed: 0 }), oneLine(/unknown arithmetic split "dev"; use train, validation, test/));
    assert.throws(() => arithDataset('train', { count: -1, seed: 0 }), oneLine(/count/));
    assert.throws(() => arithDataset('train', { count: 1, seed: 0.5 }), oneLine(/seed/));
    assert.throws(() => resolveDifficulty('brutal' as 'easy'), oneLine(/use easy, medium, hard/));
    assert.throws(() => resolveDifficulty({ ...ARITH_DIFFICULTIES.easy, maxSteps: 1 }), oneLine(/maxSteps \(1\) is below minSteps \(2\)/));
    assert.throws(() => resolveDifficulty({ ...ARITH_DIFFICULTIES.easy, addMax: 1 }), oneLine(/addMax must be a whole number >= 2/));
    const tiny = { minSteps: 1, maxSteps: 1, addMax: 2, factorMax: 2, startMax: 3, totalMax: 10 };
    // Five computations in all (2+2, 3+2, 3-2, 2x2, 3x2), none of which hashes into validation.
    assert.throws(() => arithDataset('validation', { count: 1, seed: 0, difficulty: tiny }), oneLine(/only 0 distinct validation problems found for count 1/));
  });
});

describe('problems and solutions', () => {
  for (const name of ['easy', 'medium', 'hard'] as const) {
    const d = ARITH_DIFFICULTIES[name];
    const problems = name === 'medium' ? medium : arithDataset('validation', { count: 400, seed: 4, difficulty: name });

    it(`${name}: the question text alone gives the answer (independent reader)`, () => {
      for (const p of problems) assert.equal(String(solveFromText(p.question)), p.answer, p.question);
    });

    it(`${name}: steps compute, chain, stay in range, and end in the answer`, () => {
      for (const p of problems) {
        assert.ok(p.steps.length >= d.minSteps && p.steps.length <= d.maxSteps, p.question);
        p.steps.forEach((s, i) => {
          const want = s.op === '+' ? s.left + s.right : s.op === '-' ? s.left - s.right : s.left * s.right;
          assert.equal(s.result, want);
          assert.ok(Number.isInteger(s.result) && s.result >= 0 && s.result <= d.totalMax, `${p.question}: ${s.result}`);
          for (const [v, from] of [
            [s.left, s.leftFrom],
            [s.right, s.rightFrom],
          ] as const) {
            const word = s.op === 'x' && v === s.right ? `|${['', '', 'double', 'triple'][v] ?? ''}` : '';
            if (from === null) assert.ok(new RegExp(`\\b(${v}${word})\\b`).test(p.question), `${v} is in the question`);
            else assert.ok(from < i && p.steps[from].result === v, 'operand is an earlier result');
          }
        });
        assert.equal(String(p.steps[p.steps.length - 1].result), p.answer);
      }
    });

    it(`${name}: solution is compact step lines ending in \\boxed{answer}, in the char alphabet`, () => {
      for (const p of problems) {
        const text = solution(p);
        assert.match(text, new RegExp(`^(\\d+ [-+x] \\d+ = \\d+\\n){${p.steps.length}}The answer is \\\\boxed\\{\\d+\\}\\.$`));
        assert.ok(text.endsWith(`\\boxed{${p.answer}}.`));
        assert.ok(answersEquivalent(extractAnswer(text)!, p.answer));
        for (const s of [p.question, text]) assert.ok(!charTok.encode(s).includes(charTok.unkId), s);
      }
    });
  }

  it('has variety: every op, group steps, carries and borrows, many names and things', () => {
    const steps = medium.flatMap((p) => p.steps);
    for (const op of ['+', '-', 'x']) assert.ok(steps.filter((s) => s.op === op).length > 200, op);
    const carries = steps.filter((s) => s.op === '+' && (s.left % 10) + (s.right % 10) >= 10).length;
    const borrows = steps.filter((s) => s.op === '-' && s.left % 10 < s.right % 10).length;
    assert.ok(carries > 150 && borrows > 150, `carries ${carries}, borrows ${borrows}`);
    assert.ok(
      medium.some((p) => p.steps.some((s) => s.rightFrom !== null)),
      'a group result feeds a later step',
    );
    assert.ok(
      medium.some((p) => /^Each of \w+'s \d+ \w+ holds \d+/.test(p.question)),
      '"each of N boxes holds M"',
    );
    for (const word of ['apples', 'coins', 'marbles', 'pages', 'gives away', 'buys', 'double', 'times as many']) {
      assert.ok(
        medium.some((p) => p.question.includes(word)),
        word,
      );
    }
    const counts = new Map<number, number>();
    for (const p of medium) counts.set(p.steps.length, (counts.get(p.steps.length) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort(), [2, 3, 4]);
  });
});

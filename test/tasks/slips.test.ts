import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../src/rl/rng.js';
import { answersEquivalent, extractAnswer } from '../../src/rl/math-answer.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { arithDataset, solution } from '../../src/tasks/arith.js';
import { carrySlip, misreadSteps, studentSolution } from '../../src/tasks/slips.js';

const problems = arithDataset('train', { count: 2000, seed: 21 });
const charTok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);

/** Reads the student's text back: the step lines as numbers, and which of them are arithmetically wrong. */
function readLines(text: string) {
  const lines = text.split('\n');
  const last = lines.pop()!;
  assert.match(last, /^The answer is \\boxed\{\d+\}\.$/);
  return lines.map((line) => {
    const m = /^(\d+) ([-+x]) (\d+) = (\d+)$/.exec(line);
    assert.ok(m, `step line: ${line}`);
    const [a, b, r] = [Number(m[1]), Number(m[3]), Number(m[4])];
    const truth = m[2] === '+' ? a + b : m[2] === '-' ? a - b : a * b;
    return { a, op: m[2], b, r, truth, wrong: r !== truth };
  });
}

describe('studentSolution', () => {
  it('without a slip writes exactly the gold solution', () => {
    const rng = mulberry32(1);
    for (const p of problems.slice(0, 200)) {
      const s = studentSolution(p, { slipRate: 0, rng });
      assert.deepEqual([s.text, s.correct, s.slipStep], [solution(p), true, null]);
    }
  });

  for (const rate of [0.1, 0.3, 0.6]) {
    it(`realises slip rate ${rate} over 2000 problems (within 3.5 standard deviations)`, () => {
      const rng = mulberry32(Math.round(rate * 100));
      const slipped = problems.filter((p) => !studentSolution(p, { slipRate: rate, rng }).correct).length;
      const sd = Math.sqrt((rate * (1 - rate)) / problems.length);
      assert.ok(Math.abs(slipped / problems.length - rate) < 3.5 * sd, `observed ${slipped / problems.length}`);
    });
  }

  it('a slip is one small wrong line, carried forward consistently, and makes the boxed answer wrong', () => {
    const rng = mulberry32(7);
    const slipSteps = new Set<string>();
    for (const p of problems) {
      const s = studentSolution(p, { slipRate: 1, rng });
      assert.equal(s.correct, false);
      assert.ok(s.slipStep !== null && s.slipStep >= 0 && s.slipStep < p.steps.length);
      const lines = readLines(s.text);
      assert.equal(lines.length, p.steps.length);
      // Exactly one line is wrong, and it is the reported one.
      assert.deepEqual(
        lines.flatMap((l, i) => (l.wrong ? [i] : [])),
        [s.slipStep],
      );
      const slip = lines[s.slipStep];
      const size = Math.abs(slip.r - slip.truth);
      assert.ok(slip.op === 'x' ? size === 1 || size === slip.a || size === slip.b : [1, 2, 10].includes(size), `${slip.a} ${slip.op} ${slip.b} = ${slip.r}`);
      // Later lines use the student's own (wrong) values: each operand fed by an earlier step matches that line.
      p.steps.forEach((g, i) => {
        if (g.leftFrom !== null) assert.equal(lines[i].a, lines[g.leftFrom].r);
        if (g.rightFrom !== null) assert.equal(lines[i].b, lines[g.rightFrom].r);
        if (i < s.slipStep!) assert.equal(lines[i].r, g.result, 'lines before the slip are the gold ones');
      });
      assert.deepEqual(
        s.steps.map((x) => x.result),
        lines.map((l) => l.r),
      );
      const boxed = extractAnswer(s.text)!;
      assert.equal(boxed, String(lines[lines.length - 1].r));
      assert.ok(!answersEquivalent(boxed, p.answer), `${boxed} vs ${p.answer}`);
      assert.ok(!charTok.encode(s.text).includes(charTok.unkId));
      slipSteps.add(`${p.steps.length}:${s.slipStep}`);
    }
    // Slips land on every position, not only the last line.
    for (const n of [2, 3, 4]) for (let k = 0; k < n; k++) assert.ok(slipSteps.has(`${n}:${k}`), `step ${k} of ${n}`);
  });

  it('is deterministic for an rng state and rejects a rate outside [0, 1]', () => {
    const run = (seed: number) => {
      const rng = mulberry32(seed);
      return problems.slice(0, 100).map((p) => studentSolution(p, { slipRate: 0.5, rng }));
    };
    assert.deepEqual(run(99), run(99));
    assert.notDeepEqual(run(99), run(98));
    assert.throws(() => studentSolution(problems[0], { slipRate: 1.5, rng: Math.random }), /slipRate must be in \[0, 1\], got 1.5/);
    assert.throws(() => studentSolution(problems[0], { slipRate: NaN, rng: Math.random }), /slipRate/);
  });
});

describe('misreading (misreadRate)', () => {
  const scaled = problems.filter((p) => p.steps.some((s) => s.scaling));
  const unscaled = problems.filter((p) => !p.steps.some((s) => s.scaling));

  it('marks exactly the steps worded as scaling the running total', () => {
    assert.ok(scaled.length > 300 && unscaled.length > 300, `${scaled.length} scaled`);
    for (const p of problems) {
      assert.equal(
        p.steps.some((s) => s.scaling),
        /times as many|double\.|triple\./.test(p.question),
        p.question,
      );
      for (const s of p.steps.filter((x) => x.scaling)) assert.equal(s.op, 'x');
    }
  });

  it('reads the scaling step as an addition, carries it forward, and makes the answer wrong', () => {
    const rng = mulberry32(5);
    let misread = 0;
    for (const p of scaled) {
      const s = studentSolution(p, { slipRate: 0, misreadRate: 1, rng });
      const i = p.steps.findIndex((x) => x.scaling);
      const lines = readLines(s.text);
      if (s.correct) {
        // Only when reading it as an addition changes nothing (2 x 2) or cannot be carried (a negative count).
        const m = misreadSteps(p.steps, i);
        assert.ok(m === null || m.at(-1)!.result === p.steps.at(-1)!.result, p.question);
        continue;
      }
      misread++;
      assert.equal(s.slipStep, i);
      assert.equal(lines[i].op, '+');
      assert.equal(lines[i].b, p.steps[i].right, 'the number from the question, added');
      assert.ok(
        lines.every((l) => !l.wrong),
        'every line is right arithmetic: the error is in the reading',
      );
      assert.ok(!answersEquivalent(extractAnswer(s.text)!, p.answer));
      lines.forEach((l, j) => j !== i && assert.equal(l.op, p.steps[j].op));
    }
    // The rest would leave a negative count later on (12 + 3 = 15, then "sells 20"), or change nothing.
    assert.ok(misread > 0.8 * scaled.length, `${misread} of ${scaled.length}`);
  });

  it('a rate of 0 (the default) draws nothing extra; problems without a scaling step are never misread', () => {
    const run = (misreadRate: number | undefined, ps: typeof problems) => {
      const rng = mulberry32(17);
      return ps.slice(0, 300).map((p) => studentSolution(p, { slipRate: 0.5, rng, misreadRate }));
    };
    assert.deepEqual(run(0, problems), run(undefined, problems));
    assert.deepEqual(run(0.9, unscaled), run(undefined, unscaled));
    const rng = mulberry32(3);
    const share =
      scaled.filter((p) => studentSolution(p, { slipRate: 0, misreadRate: 0.6, rng }).steps.some((x) => x.scaling && x.op === '+')).length / scaled.length;
    assert.ok(share > 0.45 && share < 0.6, `misread share ${share} (0.6, less the misreadings that cannot be carried)`);
    assert.throws(() => studentSolution(problems[0], { slipRate: 0, misreadRate: 2, rng }), /misreadRate must be in \[0, 1\], got 2/);
  });
});

describe('carrySlip', () => {
  it('recomputes later steps from the wrong value and refuses a negative count', () => {
    const steps = [
      { op: '+' as const, left: 5, right: 3, result: 8, leftFrom: null, rightFrom: null },
      { op: '-' as const, left: 8, right: 6, result: 2, leftFrom: 0, rightFrom: null },
    ];
    assert.deepEqual(
      carrySlip(steps, 0, 9)!.map((s) => [s.left, s.right, s.result]),
      [
        [5, 3, 9],
        [9, 6, 3],
      ],
    );
    assert.equal(carrySlip(steps, 0, 5), null, '5 - 6 would be negative');
  });
});

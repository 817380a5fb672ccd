import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answersEquivalent, answerValue, extractAnswer, extractBoxed, extractFirstBoxed, extractGsm8k, normalizeAnswer } from '../../src/rl/math-answer.js';
import { evaluateExpression, numericValuesEqual } from '../../src/rl/math-expr.js';

describe('extractBoxed', () => {
  it('takes the LAST box, with nested braces balanced', () => {
    assert.equal(extractBoxed('first \\boxed{3} then \\boxed{\\frac{1}{2}}.'), '\\frac{1}{2}');
    assert.equal(extractBoxed('\\boxed{\\sqrt{\\frac{a}{b}}+{c}}'), '\\sqrt{\\frac{a}{b}}+{c}');
    assert.equal(extractBoxed('so $\\boxed { 42 }$'), '42');
    assert.equal(extractBoxed('\\fbox{7}'), '7');
  });

  it('treats escaped braces as literal characters', () => {
    assert.equal(extractBoxed('\\boxed{\\{1, 2\\}}'), '\\{1, 2\\}');
    assert.equal(extractBoxed('\\boxed{\\}}'), '\\}');
  });

  it('reads the brace-less form up to a space or $', () => {
    assert.equal(extractBoxed('$\\boxed 5$'), '5');
  });

  it('returns null for no box, an unclosed last box, or a different macro', () => {
    assert.equal(extractBoxed('no answer here'), null);
    assert.equal(extractBoxed('\\boxed{1} and then \\boxed{2'), null); // truncated final box
    assert.equal(extractBoxed('\\boxedx'), null);
  });
});

describe('extractFirstBoxed', () => {
  it('takes the FIRST box: the answer before a reflection', () => {
    assert.equal(extractFirstBoxed('12 + 3 = 15\nThe answer is \\boxed{15}.\n\nWait... 12 x 3 is 36. \\boxed{36}'), '15');
    assert.equal(extractFirstBoxed('\\fbox{2} then \\boxed{3}'), '2');
    assert.equal(extractFirstBoxed('\\boxed{\\frac{1}{2}} then \\fbox{3}'), '\\frac{1}{2}');
    assert.equal(extractFirstBoxed('only $\\boxed 5$'), '5');
  });

  it('returns null for no box or an unclosed first box', () => {
    assert.equal(extractFirstBoxed('no answer here'), null);
    assert.equal(extractFirstBoxed('\\boxed{1 and then \\boxed{2}'), null);
  });
});

describe('extractGsm8k / extractAnswer', () => {
  it('reads the rest of the last #### line', () => {
    assert.equal(extractGsm8k('She pays 3*4 = 12.\n#### 12'), '12');
    assert.equal(extractGsm8k('#### 1\nmore\n####  1,000 \n'), '1,000');
    assert.equal(extractGsm8k('#### \n'), null);
    assert.equal(extractGsm8k('no marker'), null);
  });

  it('prefers the last \\boxed{} over ####', () => {
    assert.equal(extractAnswer('#### 5\nso \\boxed{6}'), '6');
    assert.equal(extractAnswer('work\n#### 5'), '5');
    assert.equal(extractAnswer('nothing'), null);
  });
});

describe('normalizeAnswer', () => {
  const cases: [string, string][] = [
    ['$5$', '5'],
    ['\\$5', '5'],
    ['\\(3\\)', '3'],
    ['\\text{(A)}', '(A)'],
    ['\\left( 1, 2 \\right)', '(1,2)'],
    ['90^\\circ', '90'],
    ['90^{\\circ}', '90'],
    ['50\\%', '50'],
    ['x = 5', '5'],
    ['5.', '5'],
    ['+7', '7'],
    ['1,000', '1000'],
    ['1{,}000', '1000'],
    ['1,2', '1,2'], // a pair, not a thousands separator
    ['18 dollars', '18'],
    ['5\\text{ cm}^2', '5'],
    ['\\dfrac12', '\\frac{1}{2}'],
    ['\\tfrac{\\sqrt3}{2}', '\\frac{\\sqrt{3}}{2}'],
    ['\\boxed{4}', '4'],
    ['\u22123', '-3'],
    ['x + 1 is it', 'x+1isit'], // words after a non-number are not units
    ['2 3', '2 3'], // the one space kept: between two digits
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => assert.equal(normalizeAnswer(input), expected));
  }
});

describe('evaluateExpression (exact rationals, no eval)', () => {
  const value = (s: string) => {
    const v = evaluateExpression(s);
    assert.ok(v?.exact, `${s} should be exact`);
    return `${v.exact.n}/${v.exact.d}`;
  };

  it('keeps decimals and fractions exact', () => {
    assert.equal(value('0.50'), '1/2'); // 50/100 reduced
    assert.equal(value('.5'), '1/2');
    assert.equal(value('\\frac{3}{6}'), '1/2');
    assert.equal(value('\\frac12'), '1/2'); // LaTeX single-digit arguments
    assert.equal(value('1.5e3'), '1500/1'); // 15/10 * 10^3
    assert.equal(value('0.1+0.2'), '3/10'); // not 0.30000000000000004
  });

  it('follows precedence: ^ over unary minus over * / over + -', () => {
    assert.equal(value('2+3*4'), '14/1'); // 2 + 12
    assert.equal(value('(2+3)*4'), '20/1');
    assert.equal(value('-2^2'), '-4/1'); // -(2^2)
    assert.equal(value('2^3^2'), '512/1'); // 2^(3^2), right-associative
    assert.equal(value('2^{-1}'), '1/2');
    assert.equal(value('8/4/2'), '1/1'); // (8/4)/2, left-associative
    assert.equal(value('3 \\times 4 \\div 6'), '2/1');
    assert.equal(value('\\sqrt{\\frac{9}{4}}'), '3/2'); // perfect squares stay exact
  });

  it('goes to floats where exactness is impossible, and compares them with a relative tolerance', () => {
    const root2 = evaluateExpression('\\sqrt{2}');
    assert.ok(root2 && root2.exact === null);
    assert.ok(Math.abs(root2.approx - Math.SQRT2) < 1e-15);
    const half = evaluateExpression('\\frac{\\sqrt{2}}{2}')!;
    const inv = evaluateExpression('1/\\sqrt{2}')!;
    assert.ok(numericValuesEqual(half, inv)); // equal up to rounding, within 1e-9 relative
    assert.ok(!numericValuesEqual(evaluateExpression('1.000001')!, evaluateExpression('\\sqrt{1}')!));
  });

  it('returns null for anything that is not plain arithmetic, or is unsafe', () => {
    for (const s of [
      '',
      'x+1',
      '2(3)',
      '1/0',
      '(1+2',
      '1,2',
      '\\sqrt{-1}',
      'Math.max(1)',
      '2^{2^{20}}',
      '('.repeat(100) + '1' + ')'.repeat(100),
      '1'.repeat(300),
    ]) {
      assert.equal(evaluateExpression(s), null, s);
    }
  });
});

describe('answersEquivalent', () => {
  const equal: [string, string][] = [
    ['1,000', '1000'],
    ['0.50', '1/2'],
    ['1/2', '.5'],
    ['.5', '\\frac{1}{2}'],
    ['\\frac{1}{2}', '\\dfrac12'],
    ['$5$', '5'],
    ['5.0', '5'],
    ['5 dollars', '5'],
    ['5.', '5'],
    ['\\$18.00', '18'],
    ['+3', '3'],
    ['-3', '\u22123'],
    ['-0.25', '-\\frac{1}{4}'],
    ['2+3', '5'],
    ['2^{10}', '1024'],
    ['(1+2)*3', '9'],
    ['\\text{Monday}', 'Monday'],
    ['\\left(1, 2\\right)', '(1,2)'],
    ['x=\\frac{\\sqrt{3}}{2}', '\\frac{\\sqrt3}{2}'],
    ['\\frac{\\sqrt{2}}{2}', '\\frac{1}{\\sqrt{2}}'],
    ['30^\\circ', '30'],
  ];
  for (const [a, b] of equal) {
    it(`${JSON.stringify(a)} = ${JSON.stringify(b)}`, () => {
      assert.ok(answersEquivalent(a, b));
      assert.ok(answersEquivalent(b, a), 'symmetric');
    });
  }

  const different: [string, string][] = [
    ['5', '6'],
    ['1/2', '0.51'],
    ['-3', '3'],
    ['1,2', '12'],
    ['2 3', '23'], // not glued into one number
    ['x', 'y'],
    ['', ''],
    ['5', ''],
    ['0', '1e-12'], // relative tolerance: only exact zero equals zero
    ['Monday', 'monday'], // case-sensitive
  ];
  for (const [a, b] of different) {
    it(`${JSON.stringify(a)} != ${JSON.stringify(b)}`, () => assert.ok(!answersEquivalent(a, b)));
  }

  it('answerValue exposes the numeric value of a normalised answer', () => {
    assert.equal(answerValue('\\$1,234.5')?.approx, 1234.5);
    assert.equal(answerValue('\\text{(A)}'), null);
  });
});

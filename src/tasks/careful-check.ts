/**
 * The careful re-check: a step redone in small pieces, the way a person checks a sum they doubt.
 *
 *   "38 + 45: 45 + 30 is 75, 75 + 5 is 80, 80 + 3 is 83"
 *   "44 - 18: 44 - 10 is 34, 34 - 4 is 30, 30 - 4 is 26"
 *   "4 x 6 is 24"
 *
 * Why: the student's own lines compute a whole sum in one token ("38 + 45 = 83"), and a small model gets
 * two-digit sums wrong often (stage 5, greedy: 63-67% of two-digit additions right, 100% of products).
 * A reflection that redoes the problem the same way can only be as good as the first attempt, so at
 * greedy decoding it fixes about as many answers as it breaks. Each piece here changes one digit at a
 * time: add or take away whole tens (the ones digit stays), go to the next or previous multiple of ten,
 * or add or take away ones without crossing a ten. Those are the checks the teacher (and so, after
 * ThinkTuning, the student) writes; the student's own solutions never do, so GRPO cannot find them.
 *
 * Pieces for `a + b`: start from the larger number, add the smaller one's tens, then its ones; ones that
 * would cross a ten go up to the ten first. For `a - b`: take away b's tens, then its ones; ones that
 * would cross a ten go down to the ten first. A product is one piece (the model has its tables).
 */
import type { Step } from './arith.js';

/** One piece: `from op by is to`. */
interface Piece {
  from: number;
  op: '+' | '-';
  by: number;
  to: number;
}

/** The pieces of `start op amount`, tens first, then ones split at a multiple of ten. */
function pieces(start: number, op: '+' | '-', amount: number): Piece[] {
  const out: Piece[] = [];
  let cur = start;
  const apply = (by: number): void => {
    if (by === 0) return;
    const to = op === '+' ? cur + by : cur - by;
    out.push({ from: cur, op, by, to });
    cur = to;
  };
  apply(amount - (amount % 10));
  const ones = amount % 10;
  const digit = cur % 10;
  if (op === '+') {
    // 34 + 8 -> 34 + 6 is 40, 40 + 2 is 42 (unless it stays within the ten, or lands on it).
    const toTen = digit === 0 ? 0 : 10 - digit;
    if (digit !== 0 && ones > toTen) {
      apply(toTen);
      apply(ones - toTen);
    } else apply(ones);
  } else {
    // 34 - 8 -> 34 - 4 is 30, 30 - 4 is 26 (unless it stays within the ten, or starts on it).
    if (digit !== 0 && ones > digit) {
      apply(digit);
      apply(ones - digit);
    } else apply(ones);
  }
  return out;
}

/** The pieces of one step; a single piece (or a product) when there is nothing to split. */
export function carefulPieces(step: Pick<Step, 'op' | 'left' | 'right'>): string[] {
  const { op, left, right } = step;
  if (op === 'x') return [`${left} x ${right} is ${left * right}`];
  // Addition starts from the larger number: fewer pieces, and the same pieces whatever the order.
  const [start, amount] = op === '+' && left < right ? [right, left] : [left, right];
  const ps = pieces(start, op, amount);
  // Nothing to add or take away (x + 0, x - 0, 0 + x): the step is its own piece.
  if (ps.length === 0) return [`${left} ${op} ${right} is ${op === '+' ? left + right : left - right}`];
  return ps.map((p) => `${p.from} ${p.op} ${p.by} is ${p.to}`);
}

/**
 * One step re-checked: "a op b is r" when it is one piece, else "a op b: piece, piece, piece". The last
 * piece's value is always the true `left op right` (tested), never the step's `result`, so a slipped
 * step comes out right.
 */
export function carefulLine(step: Pick<Step, 'op' | 'left' | 'right'>): string {
  const ps = carefulPieces(step);
  const whole = `${step.left} ${step.op} ${step.right}`;
  return ps.length === 1 && ps[0].startsWith(`${whole} is`) ? ps[0] : `${whole}: ${ps.join(', ')}`;
}

/** A whole problem re-checked, step by step: "4 x 6 is 24; 24 - 9: 24 - 4 is 20, 20 - 5 is 15". */
export function carefulRedo(steps: readonly Step[]): string {
  return steps.map(carefulLine).join('; ');
}

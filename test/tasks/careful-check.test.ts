import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyOp, arithDataset, type ArithOp } from '../../src/tasks/arith.js';
import { carefulLine, carefulPieces, carefulRedo } from '../../src/tasks/careful-check.js';

const step = (op: ArithOp, left: number, right: number, result = applyOp(op, left, right)) => ({ op, left, right, result, leftFrom: null, rightFrom: null });

/** `from op by is to`, parsed. */
function parsePiece(piece: string): { from: number; op: string; by: number; to: number } {
  const m = /^(\d+) ([+\-x]) (\d+) is (\d+)$/.exec(piece);
  assert.ok(m, `a piece reads "a op b is c": ${piece}`);
  return { from: Number(m[1]), op: m[2], by: Number(m[3]), to: Number(m[4]) };
}

describe('carefulLine', () => {
  it('splits sums into tens, then ones up to or down to the ten; a product is one piece', () => {
    assert.equal(carefulLine(step('+', 38, 45)), '38 + 45: 45 + 30 is 75, 75 + 5 is 80, 80 + 3 is 83');
    assert.equal(carefulLine(step('-', 44, 18)), '44 - 18: 44 - 10 is 34, 34 - 4 is 30, 30 - 4 is 26');
    assert.equal(carefulLine(step('+', 34, 8)), '34 + 8: 34 + 6 is 40, 40 + 2 is 42');
    assert.equal(carefulLine(step('-', 60, 12)), '60 - 12: 60 - 10 is 50, 50 - 2 is 48');
    assert.equal(carefulLine(step('+', 3, 25)), '3 + 25: 25 + 3 is 28');
    assert.equal(carefulLine(step('+', 16, 3)), '16 + 3 is 19');
    assert.equal(carefulLine(step('+', 34, 6)), '34 + 6 is 40');
    assert.equal(carefulLine(step('-', 30, 30)), '30 - 30 is 0');
    assert.equal(carefulLine(step('+', 7, 0)), '7 + 0 is 7');
    assert.equal(carefulLine(step('x', 12, 3)), '12 x 3 is 36');
  });

  it('computes the true value, not the step result (a slipped step comes out right)', () => {
    assert.equal(carefulLine(step('+', 28, 8, 34)), '28 + 8: 28 + 2 is 30, 30 + 6 is 36');
    assert.equal(carefulRedo([step('x', 3, 4), step('-', 20, 12, 9)]), '3 x 4 is 12; 20 - 12: 20 - 10 is 10, 10 - 2 is 8');
  });

  it('every piece is right, chains into the next, changes one digit place, and ends on the true value', () => {
    let checked = 0;
    for (const op of ['+', '-'] as const) {
      for (let left = 0; left <= 120; left++) {
        for (let right = 0; right <= 99; right++) {
          if (op === '-' && right > left) continue;
          const pieces = carefulPieces(step(op, left, right)).map(parsePiece);
          const start = op === '+' ? Math.max(left, right) : left;
          // Either the step is its own piece, or the pieces start from `start`.
          const whole = pieces.length === 1 && pieces[0].from === left && pieces[0].by === right;
          assert.ok(whole || pieces[0].from === start, `${left} ${op} ${right} starts from ${start}`);
          for (const [i, p] of pieces.entries()) {
            assert.equal(p.op, op);
            assert.equal(p.to, applyOp(op, p.from, p.by), `${left} ${op} ${right}: ${p.from} ${op} ${p.by}`);
            if (i > 0) assert.equal(p.from, pieces[i - 1].to, 'pieces chain');
            const ten = Math.floor(p.from / 10) * 10;
            // Whole tens, or ones that stay inside the ten (landing on its end at most).
            const identity = p.by === 0 || (op === '+' && p.from === 0); // x + 0, 0 + x, x - 0
            const local = identity || p.by % 10 === 0 || (op === '+' ? p.to <= ten + 10 : p.from === ten ? p.by < 10 : p.to >= ten);
            assert.ok(local, `${left} ${op} ${right}: piece ${p.from} ${op} ${p.by} crosses a ten`);
          }
          assert.equal(pieces.at(-1)!.to, applyOp(op, left, right));
          assert.ok(pieces.length <= 3);
          checked++;
        }
      }
    }
    assert.ok(checked > 15000);
  });

  it('covers every step of the built-in problems', () => {
    for (const p of arithDataset('train', { count: 300, seed: 5 })) {
      const redo = carefulRedo(p.steps);
      assert.equal(redo.split('; ').length, p.steps.length);
      const last = p.steps.at(-1)!;
      assert.ok(redo.endsWith(` is ${applyOp(last.op, last.left, last.right)}`), redo);
    }
  });
});

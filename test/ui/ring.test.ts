import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ring } from '../../ui/state/ring.js';

test('a ring keeps the newest `capacity` items, oldest first', () => {
  const r = new Ring<number>(3);
  assert.deepEqual(r.toArray(), []);
  assert.equal(r.last(), undefined);
  for (let i = 1; i <= 5; i++) r.push(i);
  assert.equal(r.size, 3);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(r.at(0), 3);
  assert.equal(r.at(2), 5);
  assert.equal(r.at(3), undefined);
  assert.equal(r.last(), 5);
});

test('clone is independent of the original', () => {
  const r = Ring.from(2, [1, 2]);
  const c = r.clone();
  c.push(3);
  assert.deepEqual(r.toArray(), [1, 2]);
  assert.deepEqual(c.toArray(), [2, 3]);
});

test('replaceLast swaps the newest item', () => {
  const r = Ring.from(2, ['a', 'b', 'c']);
  r.replaceLast('z');
  assert.deepEqual(r.toArray(), ['b', 'z']);
  assert.throws(() => new Ring(2).replaceLast('x'), /empty/);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new Ring(0), /positive integer/);
});

test('a million pushes into a ring of 100 stay at 100 items', () => {
  const r = new Ring<{ i: number }>(100);
  for (let i = 0; i < 1_000_000; i++) r.push({ i });
  assert.equal(r.size, 100);
  assert.equal(r.at(0)!.i, 999_900);
  assert.equal(r.last()!.i, 999_999);
});

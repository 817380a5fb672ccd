import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ASCII_LEVELS, BLOCK_LEVELS, extent, resample, sparkline, sparklineRows } from '../../ui/components/sparkline.js';

test('a rising series uses the lowest to the highest block, right-aligned to the width', () => {
  const s = sparkline([0, 1, 2, 3, 4, 5, 6, 7], 10);
  assert.equal(s, '  ▁▂▃▄▅▆▇█');
});

test('ASCII mode uses only ASCII characters', () => {
  const s = sparkline([0, 1, 2, 3, 4], 5, { ascii: true });
  assert.equal(s, '_.-=^');
  assert.ok([...sparkline([3, 1, 4, 1, 5, 9, 2, 6], 20, { ascii: true })].every((c) => c.charCodeAt(0) < 128));
});

test('long series are averaged into exactly `width` columns; gaps for missing values', () => {
  const values = Array.from({ length: 1000 }, (_, i) => i);
  assert.equal([...sparkline(values, 25)].length, 25);
  assert.deepEqual(resample([1, 3, null, null, 5, 7], 3), [2, null, 6]);
  assert.equal(sparkline([1, null, NaN, 3], 4), '▁  █');
});

test('a flat series sits in the middle; a shared range compares series', () => {
  assert.equal(sparkline([2, 2, 2], 3), '▄▄▄');
  assert.equal(sparkline([0.5], 1, { range: [0, 1] }), BLOCK_LEVELS[4]);
  assert.equal(sparkline([1], 1, { range: [0, 1] }), '█');
  assert.deepEqual(extent([null, 3, -1, NaN]), [-1, 3]);
});

test('multi-row sparklines stack full cells under the top', () => {
  const rows = sparklineRows([0, 10], 2, 2);
  assert.deepEqual(rows, [' █', '▁█']);
  const ascii = sparklineRows([0, 10], 2, 2, { ascii: true });
  assert.deepEqual(ascii, [` ${ASCII_LEVELS[4]}`, '_|']);
});

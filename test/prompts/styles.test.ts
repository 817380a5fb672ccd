import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STYLE_NAMES, chooseStyles, type StyleName } from '../../src/prompts/styles.js';

const three: StyleName[] = ['self-conflict', 'self-agreement', 'self-critique'];
const never = () => assert.fail('rng must not be called');

test("'all' returns every configured style in the configured order, as a copy", () => {
  const out = chooseStyles({ styles: three, mix: 'all' }, never, 7);
  assert.deepEqual(out, three);
  assert.notEqual(out, three);
});

test("'round-robin' takes one style per prompt in turn", () => {
  const picks = [0, 1, 2, 3, 4].map((n) => chooseStyles({ styles: three, mix: 'round-robin' }, never, n));
  assert.deepEqual(picks, [['self-conflict'], ['self-agreement'], ['self-critique'], ['self-conflict'], ['self-agreement']]);
});

test("'random-one' maps the rng onto the list, including its ends", () => {
  const pick = (u: number) => chooseStyles({ styles: three, mix: 'random-one' }, () => u, 0);
  assert.deepEqual(pick(0), ['self-conflict']);
  assert.deepEqual(pick(0.5), ['self-agreement']);
  assert.deepEqual(pick(0.999), ['self-critique']);
  assert.deepEqual(pick(1), ['self-critique']);
});

test("'random-one' covers all four styles under a uniform rng", () => {
  let state = 12345;
  const lcg = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(chooseStyles({ styles: STYLE_NAMES, mix: 'random-one' }, lcg, i)[0]);
  assert.equal(seen.size, 4);
});

test('an empty style list is an error that says what to do', () => {
  assert.throws(() => chooseStyles({ styles: [], mix: 'all' }, never, 0), /guidance\.styles is empty; list at least one style/);
});

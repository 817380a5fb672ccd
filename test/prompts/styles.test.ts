import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STYLE_NAMES, chooseStyles, chooseTeacherLayout, styleSettingFor, type StyleName } from '../../src/prompts/styles.js';

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
  const lcg = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(chooseStyles({ styles: STYLE_NAMES, mix: 'random-one' }, lcg, i)[0]);
  assert.equal(seen.size, 4);
});

test('an empty style list is an error that says what to do', () => {
  assert.throws(() => chooseStyles({ styles: [], mix: 'all' }, never, 0), /guidance\.styles is empty; list at least one style/);
});

test("auto layout: short only for the built-in model, whatever loaded it; the paper's for every other teacher", () => {
  assert.equal(chooseTeacherLayout('auto', { kind: 'frozen-student', builtin: true }), 'short');
  assert.equal(chooseTeacherLayout('auto', { kind: 'checkpoint', builtin: true }), 'short');
  assert.equal(chooseTeacherLayout('auto', { kind: 'frozen-student', builtin: false }), 'paper');
  assert.equal(chooseTeacherLayout('auto', { kind: 'checkpoint', builtin: false }), 'paper');
  // A server's model is never the built-in one, whatever the flag says.
  assert.equal(chooseTeacherLayout('auto', { kind: 'openai', builtin: true }), 'paper');
  assert.equal(chooseTeacherLayout('auto', { kind: 'openai', builtin: false }), 'paper');
});

test('an explicit layout setting wins over the teacher', () => {
  assert.equal(chooseTeacherLayout('paper', { kind: 'frozen-student', builtin: true }), 'paper');
  assert.equal(chooseTeacherLayout('short', { kind: 'openai', builtin: false }), 'short');
});

test('the paper layout shows every configured style in every prompt; the short one keeps the configured mix', () => {
  const setting = { styles: three, mix: 'round-robin' } as const;
  assert.deepEqual(styleSettingFor('paper', setting), { styles: three, mix: 'all' });
  assert.deepEqual(styleSettingFor('short', setting), setting);
  assert.deepEqual(chooseStyles(styleSettingFor('paper', { styles: STYLE_NAMES, mix: 'random-one' }), never, 3), [...STYLE_NAMES]);
});

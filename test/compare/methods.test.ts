// Methods as data (src/compare/methods.ts) and comparison configs (compare-config.ts): lists in a config
// and --method flags, each method's config, everything checkable before a run (one-line errors that say
// how to fix), the run order of compute-matched methods, and the shipped configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { DEFAULT_METHODS, checkMethods, methodConfig, parseMethodFlag, parseMethodList, runOrder, type MethodSpec } from '../../src/compare/methods.js';
import { loadComparePlan } from '../../src/compare/compare-config.js';

const base = parseTrainConfig({ run: { totalSteps: 150 } });
const m = (name: string, set: Record<string, unknown> = {}, matchTokensOf: string | null = null): MethodSpec => ({ name, label: name, set, matchTokensOf });

test('--method flags: name:key=value pairs, values read as --set reads them, commas inside list values', () => {
  assert.deepEqual(parseMethodFlag('luffy:guidance.shaping=luffy,label=TT LUFFY'), {
    name: 'luffy',
    label: 'TT LUFFY',
    set: { 'guidance.shaping': 'luffy' },
    matchTokensOf: null,
  });
  assert.deepEqual(parseMethodFlag('x:guidance.styles=self-agreement,self-critique,run.totalSteps=5').set, {
    'guidance.styles': ['self-agreement', 'self-critique'],
    'run.totalSteps': 5,
  });
  assert.deepEqual(parseMethodFlag('gm:matchTokensOf=tt,guidance.enabled=false'), {
    name: 'gm',
    label: 'gm',
    set: { 'guidance.enabled': false },
    matchTokensOf: 'tt',
  });
  assert.deepEqual(parseMethodFlag('plain'), { name: 'plain', label: 'plain', set: {}, matchTokensOf: null });
  assert.throws(
    () => parseMethodFlag('x:guidance.shapin=luffy'),
    /^TrainConfigError: compare: method x: config: unknown key guidance\.shapin \(did you mean guidance\.shaping\?\)/,
  );
  assert.throws(() => parseMethodFlag('x:nonsense'), /"nonsense" is not key=value; write e\.g\. --method 'luffy:guidance\.shaping=luffy'/);
  assert.throws(() => parseMethodFlag('zero-shot:run.seed=1'), /zero-shot is always run and cannot be listed/);
  assert.throws(() => parseMethodFlag('a b:run.seed=1'), /name must be letters, digits/);
});

test('a method list in a config: name, label, set, matchTokensOf; anything else is one line', () => {
  const list = parseMethodList([
    { name: 'grpo', set: { 'guidance.enabled': false } },
    { name: 'gm', label: 'GRPO matched', set: { 'guidance.enabled': false }, matchTokensOf: 'grpo' },
  ]);
  assert.deepEqual(
    list.map((x) => [x.name, x.label, x.matchTokensOf]),
    [
      ['grpo', 'grpo', null],
      ['gm', 'GRPO matched', 'grpo'],
    ],
  );
  assert.throws(() => parseMethodList([]), /methods must be a non-empty list/);
  assert.throws(() => parseMethodList([{ name: 'a', sett: {} }]), /methods\[0\] has an unknown key sett; a method has name, label, set and matchTokensOf/);
  assert.throws(() => parseMethodList([{ name: 'a', set: [1] }]), /set must be a mapping of config keys/);
  assert.throws(() => parseMethodList(['grpo']), /methods\[0\] must be a mapping/);
});

test("a method's config is the base, its overrides, then run.seed; bad values name the method and the fix", () => {
  const c = methodConfig(base, m('luffy', { 'guidance.shaping': 'luffy', 'optim.lr': 2e-4 }), 3);
  assert.deepEqual([c.guidance.shaping, c.optim.lr, c.run.seed, c.run.totalSteps], ['luffy', 2e-4, 3, 150]);
  // The defaults by name, as compare.test.ts uses them.
  assert.equal(methodConfig(base, 'grpo', 1).guidance.enabled, false);
  assert.equal(methodConfig(base, 'thinktuning', 1).guidance.enabled, true);
  assert.throws(
    () => methodConfig(base, m('bad', { 'guidance.shaping': 'nope' }), 1),
    /^TrainConfigError: compare: method bad: config: guidance\.shaping must be one of aas, luffy, plain \(got "nope"\)/,
  );
});

test('checkMethods: names, reference, compute matching and the SFT objective are checked before any run', () => {
  const tt = m('tt', { 'guidance.enabled': true });
  const gm = m('gm', { 'guidance.enabled': false, 'run.totalSteps': 900 }, 'tt');
  checkMethods(base, [m('grpo', { 'guidance.enabled': false }), tt, gm], 'grpo');
  checkMethods(base, [tt], 'zero-shot');
  const bad = (methods: MethodSpec[], re: RegExp, reference = 'tt') => assert.throws(() => checkMethods(base, methods, reference), re);
  bad([tt, tt], /two methods are called tt; give each its own name/);
  bad([tt], /reference grpo is not one of the methods \(zero-shot, tt\); set reference to one of them/, 'grpo');
  bad([tt, m('gm', {}, 'nope')], /method gm: matchTokensOf nope is not another method; name one of tt/);
  bad([tt, m('gm', {}, 'gm')], /matchTokensOf gm is not another method/);
  bad([tt, gm, m('gm2', { 'guidance.enabled': false }, 'gm')], /matchTokensOf gm, which is compute-matched itself/);
  bad(
    [tt, m('gm', { 'guidance.enabled': false, 'optim.schedule': 'cosine' }, 'tt')],
    /a cosine lr schedule spans run\.totalSteps, which is only a cap .*; set optim\.schedule: constant/,
  );
  bad(
    [tt, m('gm', { 'guidance.enabled': true }, 'tt')],
    /guidance\.decaySteps auto stretches the teacher's schedule .*; set guidance\.decaySteps to a step count/,
  );
  checkMethods(base, [tt, m('gm', { 'guidance.enabled': true, 'guidance.decaySteps': 50 }, 'tt')], 'tt');
  bad(
    [tt, m('sft', { 'run.objective': 'sft-guided', 'guidance.enabled': false })],
    /method sft: run\.objective sft-guided learns from the teacher's rollouts but guidance\.enabled is false; set guidance\.enabled: true/,
  );
});

test('each seed runs compute-matched methods after the rest, so their budget run comes first', () => {
  const order = runOrder([m('gm', {}, 'tt'), m('grpo'), m('tt')]);
  assert.deepEqual(
    order.map((x) => x.name),
    ['grpo', 'tt', 'gm'],
  );
});

test('comparison configs: the compare keys come off before the train config is read; flags win', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-plan-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    [
      'title: Shapings',
      'primary: greedy pass@1',
      'reference: tt',
      'run: { totalSteps: 7 }',
      'methods:',
      '  - { name: tt, set: { guidance.enabled: true } }',
      '  - { name: luffy, set: { guidance.shaping: luffy } }',
      '',
    ].join('\n'),
  );
  const plan = loadComparePlan({ file, sets: ['optim.lr=0.001'] });
  assert.deepEqual(
    [plan.title, plan.primary, plan.reference, plan.listed, plan.config.run.totalSteps, plan.config.optim.lr],
    ['Shapings', 'greedy pass@1', 'tt', true, 7, 0.001],
  );
  assert.deepEqual(
    plan.methods.map((x) => x.name),
    ['tt', 'luffy'],
  );
  const flags = loadComparePlan({ file, methodFlags: ['a:guidance.enabled=false', 'b'], reference: 'a' });
  assert.deepEqual([flags.methods.map((x) => x.name), flags.reference], [['a', 'b'], 'a']);
  const wrong = join(dir, 'w.yaml');
  writeFileSync(wrong, 'primary: mean@4\n');
  assert.throws(
    () => loadComparePlan({ file: wrong }),
    /^TrainConfigError: compare: primary must be one of 'greedy pass@1' \(got "mean@4"\).*write primary: greedy pass@1$/,
  );
  writeFileSync(wrong, 'grpo: { nope: 1 }\n');
  assert.throws(() => loadComparePlan({ file: wrong }), /unknown key grpo\.nope/);
  assert.throws(
    () => loadComparePlan({ file: join(dir, 'missing.yaml') }),
    /compare: cannot read .*missing\.yaml \(file not found\); check the path given as --config/,
  );
});

test('the shipped configs: Table 1 keeps its two methods; the shaping ablation has its seven, all valid', () => {
  const table1 = loadComparePlan({ file: 'configs/compare-arith.yaml' });
  assert.equal(table1.listed, false);
  assert.deepEqual(table1.methods, DEFAULT_METHODS);
  assert.equal(table1.reference, 'grpo');
  const ab = loadComparePlan({ file: 'configs/ablation-shaping.yaml' });
  assert.deepEqual(
    ab.methods.map((x) => x.name),
    ['grpo', 'thinktuning-as-written', 'thinktuning-released', 'thinktuning-luffy', 'thinktuning-plain', 'grpo-matched', 'sft-guided'],
  );
  assert.deepEqual([ab.primary, ab.reference], ['greedy pass@1', 'grpo']);
  const c = ab.config;
  // Table 1's budget.
  assert.deepEqual(
    [c.model.checkpoint, c.run.totalSteps, c.data.promptsPerStep, c.grpo.groupSize, c.optim.lr, c.optim.schedule, c.guidance.decaySteps],
    ['builtin', 150, 8, 5, 1e-4, 'constant', 'auto'],
  );
  const cfg = (name: string) => methodConfig(c, ab.methods.find((x) => x.name === name)!, 1);
  assert.deepEqual(
    [cfg('grpo').guidance.enabled, cfg('thinktuning-as-written').guidance.gamma, cfg('thinktuning-released').guidance.gamma],
    [false, 'as-written', 'released'],
  );
  assert.deepEqual(
    [cfg('thinktuning-luffy').guidance.shaping, cfg('thinktuning-plain').guidance.shaping, cfg('sft-guided').run.objective],
    ['luffy', 'plain', 'sft-guided'],
  );
  const gm = ab.methods.find((x) => x.name === 'grpo-matched')!;
  assert.equal(gm.matchTokensOf, 'thinktuning-released');
  assert.deepEqual([cfg('grpo-matched').guidance.enabled, cfg('grpo-matched').run.totalSteps], [false, 2000]);
  // Everything but the method's own keys is the same for every method.
  for (const x of ab.methods) assert.deepEqual([cfg(x.name).grpo, cfg(x.name).optim, cfg(x.name).data], [c.grpo, c.optim, c.data]);
});

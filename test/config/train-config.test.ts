import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_TRAIN_CONFIG,
  TrainConfigError,
  applySetting,
  describeKeys,
  getSetting,
  loadTrainConfig,
  parseTrainConfig,
  settableKeys,
} from '../../src/config/train-config.js';

function withFile(name: string, content: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'thinktune-config-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, content);
    fn(path);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

/** `fn` must throw a one-line TrainConfigError equal to / matching `expected`. */
function fails(fn: () => unknown, expected: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TrainConfigError, `expected TrainConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    if (typeof expected === 'string') assert.equal(err.message, expected);
    else assert.match(err.message, expected);
    return true;
  });
}

test('defaults follow the paper recipe where it applies', () => {
  const c = DEFAULT_TRAIN_CONFIG;
  assert.equal(c.model.checkpoint, 'builtin');
  assert.equal(c.teacher.kind, 'frozen-student');
  assert.equal(c.data.task, 'arith');
  assert.deepEqual(
    [c.grpo.groupSize, c.grpo.temperature, c.grpo.topP, c.grpo.epsLow, c.grpo.epsHigh, c.grpo.dualClip, c.grpo.beta, c.grpo.numIterations],
    [5, 1.0, 1.0, 0.2, 0.2, 3, 0, 1],
  );
  assert.equal(c.grpo.scaleRewards, 'group');
  assert.equal(c.grpo.lossType, 'token-mean');
  assert.deepEqual(c.grpo.rewards, [{ name: 'accuracy', weight: 1 }]);
  const g = c.guidance;
  assert.deepEqual([g.initPct, g.minPct, g.offThreshold, g.fallbackP], [0.1, 0.01, 0.06, 0.01]);
  assert.deepEqual([g.gMin, g.gMax, g.aMin, g.aMax], [0.001, -0.001, -4, 4]);
  assert.equal(g.decaySteps, 'auto');
  assert.equal(g.teacherMask, 'whole-response');
  assert.equal(g.shaping, 'aas');
  assert.deepEqual(g.styles, ['self-agreement', 'self-conflict', 'self-consultation', 'self-critique']);
  assert.equal(g.promptsDir, 'prompts');
  assert.deepEqual([c.optim.weightDecay, c.optim.gradClip, c.optim.schedule], [0.01, 1.0, 'constant']);
});

test('defaults are frozen, and loading nothing gives the defaults', () => {
  assert.ok(Object.isFrozen(DEFAULT_TRAIN_CONFIG.grpo));
  assert.ok(Object.isFrozen(DEFAULT_TRAIN_CONFIG.guidance.styles));
  assert.deepEqual(loadTrainConfig(), DEFAULT_TRAIN_CONFIG);
  // A saved config (e.g. a run folder's config.json) reads back unchanged.
  assert.deepEqual(parseTrainConfig(JSON.parse(JSON.stringify(DEFAULT_TRAIN_CONFIG))), DEFAULT_TRAIN_CONFIG);
});

test('a YAML file overrides some keys and keeps the defaults of the rest', () => {
  const yaml = [
    '# a comment',
    'grpo:',
    '  groupSize: 8',
    '  scaleRewards: none',
    'optim:',
    '  lr: 3e-5',
    'guidance:',
    '  styles: [self-conflict, self-critique]',
    '',
  ].join('\n');
  withFile('run.yaml', yaml, (path) => {
    const c = loadTrainConfig(path);
    assert.equal(c.grpo.groupSize, 8);
    assert.equal(c.grpo.scaleRewards, 'none');
    assert.equal(c.optim.lr, 3e-5);
    assert.deepEqual(c.guidance.styles, ['self-conflict', 'self-critique']);
    assert.equal(c.grpo.temperature, 1.0);
    assert.deepEqual(c.run, DEFAULT_TRAIN_CONFIG.run);
  });
  withFile('empty.yml', '', (path) => assert.deepEqual(loadTrainConfig(path), DEFAULT_TRAIN_CONFIG));
});

test('a JSON file is read the same way', () => {
  const json = JSON.stringify({ teacher: { kind: 'openai', url: 'http://localhost:8000/v1', model: 'qwen' }, run: { totalSteps: 30 } });
  withFile('run.json', json, (path) => {
    const c = loadTrainConfig(path);
    assert.equal(c.teacher.kind, 'openai');
    assert.equal(c.teacher.apiKeyEnv, 'OPENAI_API_KEY');
    assert.equal(c.run.totalSteps, 30);
  });
});

test('--set overrides apply after the file, in order, with JSON values, plain strings and comma lists', () => {
  withFile('run.yaml', 'grpo:\n  groupSize: 8\n', (path) => {
    const c = loadTrainConfig(path, [
      'grpo.groupSize=6',
      'optim.lr=1e-4',
      'guidance.enabled=false',
      'run.runDir=runs/exp one',
      'guidance.styles=self-agreement, self-critique',
      'grpo.rewards=[{"name":"accuracy","weight":2}]',
      'optim.lr=2e-4',
    ]);
    assert.equal(c.grpo.groupSize, 6);
    assert.equal(c.optim.lr, 2e-4);
    assert.equal(c.guidance.enabled, false);
    assert.equal(c.run.runDir, 'runs/exp one');
    assert.deepEqual(c.guidance.styles, ['self-agreement', 'self-critique']);
    assert.deepEqual(c.grpo.rewards, [{ name: 'accuracy', weight: 2 }]);
  });
  // null removes the key, so its default applies again.
  assert.equal(loadTrainConfig(undefined, ['grpo.groupSize=9', 'grpo.groupSize=null']).grpo.groupSize, 5);
  // Text keys keep number-like text as text.
  assert.equal(loadTrainConfig(undefined, ['run.runDir=2024']).run.runDir, '2024');
  // A value after the first '=' may itself contain '='.
  assert.equal(loadTrainConfig(undefined, ['data.task=gsm8k', 'data.file=a=b.jsonl']).data.file, 'a=b.jsonl');
});

test('wrong types and out-of-range values name the key, the rule, the value and the fix', () => {
  fails(() => loadTrainConfig(undefined, ['grpo.groupSize=1']), 'config: grpo.groupSize must be an integer >= 2 (got 1); set grpo.groupSize to 2 or more');
  fails(
    () => loadTrainConfig(undefined, ['grpo.groupSize=many']),
    'config: grpo.groupSize must be an integer >= 2 (got "many"); set grpo.groupSize to 2 or more',
  );
  fails(() => loadTrainConfig(undefined, ['grpo.groupSize=2.5']), /^config: grpo\.groupSize must be an integer >= 2 \(got 2\.5\)/);
  fails(
    () => loadTrainConfig(undefined, ['grpo.topP=1.5']),
    'config: grpo.topP must be a number > 0 and <= 1 (got 1.5); set grpo.topP to a number > 0 and <= 1',
  );
  fails(() => loadTrainConfig(undefined, ['optim.lr=-1']), 'config: optim.lr must be a number > 0 (got -1); set optim.lr to a number > 0');
  fails(
    () => loadTrainConfig(undefined, ['guidance.enabled=yes']),
    'config: guidance.enabled must be true or false (got "yes"); set guidance.enabled to true or false',
  );
  fails(
    () => loadTrainConfig(undefined, ['grpo.lossType=sum']),
    /^config: grpo\.lossType must be one of token-mean, seq-mean-token-mean, seq-mean-token-sum-norm \(got "sum"\); set grpo\.lossType to one of/,
  );
  fails(
    () => loadTrainConfig(undefined, ['guidance.styles=self-agreement,self-doubt']),
    /^config: guidance\.styles\[1\] must be one of self-agreement, .* \(got "self-doubt"\)/,
  );
  fails(() => loadTrainConfig(undefined, ['guidance.styles=']), /^config: guidance\.styles must be a non-empty list of styles/);
  fails(
    () => loadTrainConfig(undefined, ['grpo.rewards=[{"name":"accuracy","weight":"high"}]']),
    'config: grpo.rewards[0].weight must be a number (got "high"); set grpo.rewards[0].weight to a number',
  );
  fails(() => loadTrainConfig(undefined, ['guidance.decaySteps=0']), /^config: guidance\.decaySteps must be 'auto' or an integer >= 1 \(got 0\)/);
  fails(() => loadTrainConfig(undefined, ['grpo={"groupSize":3,"x":1}']), /^config: unknown key grpo\.x; the keys of grpo are groupSize, /);
});

test('unknown keys list the valid keys of their section and suggest a near match', () => {
  const grpoKeys =
    'groupSize, temperature, topP, maxNewTokens, scaleRewards, lossType, epsLow, epsHigh, dualClip, beta, numIterations, miniBatches, stop, maskTruncated, rewards';
  fails(
    () => loadTrainConfig(undefined, ['grpo.groupsize=8']),
    `config: unknown key grpo.groupsize (did you mean grpo.groupSize?); the keys of grpo are ${grpoKeys}`,
  );
  // Inside a list entry the path names the entry, not a crash (zod reports it with a numeric segment).
  fails(
    () => loadTrainConfig(undefined, [`grpo.rewards=[{"name":"accuracy","weight":1,"wieght":2}]`]),
    'config: unknown key grpo.rewards[0].wieght (did you mean grpo.rewards[0].weight?); the keys of grpo.rewards[0] are name, file, weight',
  );
  fails(() => loadTrainConfig(undefined, ['grpo.kl=0.1']), `config: unknown key grpo.kl; the keys of grpo are ${grpoKeys}`);
  fails(
    () => loadTrainConfig(undefined, ['optimizer.lr=1']),
    /^config: unknown section "optimizer"; the sections are model, teacher, data, prompt, grpo, guidance, optim, run$/,
  );
  fails(() => loadTrainConfig(undefined, ['grpo.groupSize.max=3']), 'config: grpo.groupSize is a value, not a section; set it as grpo.groupSize=<value>');
  fails(() => loadTrainConfig(undefined, ['grpo.rewards.0.weight=3']), /^config: cannot set inside the list grpo\.rewards; set the whole list/);
  fails(() => loadTrainConfig(undefined, ['groupSize']), 'config: "groupSize" is not key=value; write it like grpo.groupSize=8');
  // The same check applies to keys inside a file.
  withFile('typo.yaml', 'guidance:\n  initpct: 0.2\n', (path) => {
    fails(
      () => loadTrainConfig(path),
      /^config: unknown key guidance\.initpct \(did you mean guidance\.initPct\?\); the keys of guidance are enabled, initPct, /,
    );
  });
});

test('cross-key rules say which keys conflict and how to resolve it', () => {
  fails(() => loadTrainConfig(undefined, ['teacher.kind=openai']), /^config: teacher\.url is required when teacher\.kind is 'openai'; set teacher\.url/);
  fails(() => loadTrainConfig(undefined, ['teacher.kind=checkpoint']), /^config: teacher\.path is required when teacher\.kind is 'checkpoint'/);
  fails(
    () => loadTrainConfig(undefined, ['guidance.minPct=0.2']),
    'config: guidance.minPct (0.2) must be <= guidance.initPct (0.1); lower minPct or raise initPct',
  );
  fails(
    () => loadTrainConfig(undefined, ['guidance.initPct=0.05', 'guidance.minPct=0']),
    /^config: guidance\.initPct \(0\.05\) must be > guidance\.offThreshold \(0\.06\)/,
  );
  // ...which does not apply once guidance is off.
  assert.equal(loadTrainConfig(undefined, ['guidance.initPct=0.05', 'guidance.minPct=0', 'guidance.enabled=false']).guidance.initPct, 0.05);
  fails(() => loadTrainConfig(undefined, ['guidance.aMin=4']), /^config: guidance\.aMin \(4\) must be < guidance\.aMax \(4\)/);
  fails(
    () => loadTrainConfig(undefined, ['guidance.styles=self-critique,self-critique']),
    'config: guidance.styles lists self-critique twice; list each style once',
  );
  fails(
    () => loadTrainConfig(undefined, ['optim.schedule=cosine', 'optim.warmupSteps=200']),
    /^config: optim\.warmupSteps \(200\) must be <= run\.totalSteps \(150\)/,
  );
});

test('grpo.rewards entries: a built-in by name or a module by file, named by their file when unnamed', () => {
  const set = (rewards: unknown) => loadTrainConfig(undefined, [`grpo.rewards=${JSON.stringify(rewards)}`]).grpo.rewards;
  // The file path is kept as written (resolved when the reward is loaded); the name defaults to its base name.
  assert.deepEqual(
    set([
      { file: './rewards/my-reward.mjs', weight: 0.5 },
      { name: 'termination', weight: 1 },
    ]),
    [
      { file: './rewards/my-reward.mjs', weight: 0.5, name: 'my_reward' },
      { name: 'termination', weight: 1 },
    ],
  );
  assert.deepEqual(set([{ file: 'r.mjs', name: 'mine', weight: 1 }]), [{ name: 'mine', file: 'r.mjs', weight: 1 }]);
  withFile('rewards.yaml', 'grpo:\n  rewards:\n    - file: ./len.mjs\n      weight: -0.1\n    - name: accuracy\n      weight: 1\n', (path) => {
    assert.deepEqual(loadTrainConfig(path).grpo.rewards, [
      { file: './len.mjs', weight: -0.1, name: 'len' },
      { name: 'accuracy', weight: 1 },
    ]);
  });
  // A parsed config parses again to itself (compare re-validates its per-method copies).
  const parsed = parseTrainConfig({ grpo: { rewards: [{ file: './a-b.mjs', weight: 1 }] } });
  assert.deepEqual(parseTrainConfig(structuredClone(parsed)).grpo.rewards, parsed.grpo.rewards);

  fails(
    () => set([{ weight: 1 }]),
    'config: grpo.rewards[0] has neither name nor file; give a built-in name (accuracy, math_answer, termination, first_answer) or a file, e.g. {"name":"accuracy","weight":1} or {"file":"./my-reward.mjs","weight":1}',
  );
  fails(
    () => set([{ name: 'acuracy', weight: 1 }]),
    'config: grpo.rewards[0].name acuracy is not a built-in reward; use one of accuracy, math_answer, termination, first_answer, or set grpo.rewards[0].file to a module that exports the function',
  );
  fails(() => set([{ name: 'accuracy' }]), 'config: grpo.rewards[0].weight must be a number (got nothing); set grpo.rewards[0].weight to a number');
  fails(
    () => parseTrainConfig({ grpo: { rewards: [{ name: 'accuracy', weight: Infinity }] } }),
    /^config: grpo\.rewards\[0\]\.weight must be a number \(got .*\); set grpo\.rewards\[0\]\.weight to a number$/,
  );
  fails(
    () => set([{ file: './x.mjs', name: 'my reward', weight: 1 }]),
    'config: grpo.rewards[0].name "my reward" may hold only letters, digits and _ (it keys the rewards/<name>/mean metric); write e.g. my_reward',
  );
  fails(
    () => set([]),
    'config: grpo.rewards must be a non-empty list of {name, weight} (a built-in) or {file, weight} (a reward module) (got []); set grpo.rewards to e.g. [{"name":"accuracy","weight":1}] or [{"file":"./my-reward.mjs","weight":1}]',
  );
  // Duplicates are found by the names rewards are logged under, given or derived.
  fails(
    () =>
      set([
        { name: 'accuracy', weight: 1 },
        { name: 'accuracy', weight: 2 },
      ]),
    'config: grpo.rewards[1] is named accuracy, as is grpo.rewards[0]; list each reward once, or give one of them a distinct "name"',
  );
  fails(
    () =>
      set([
        { file: 'a/my-r.mjs', weight: 1 },
        { file: 'b/my_r.js', weight: 1 },
      ]),
    /^config: grpo\.rewards\[1\] is named my_r, as is grpo\.rewards\[0\]/,
  );
  fails(
    () =>
      set([
        { name: 'accuracy', weight: 1 },
        { file: './accuracy.mjs', weight: 1 },
      ]),
    /^config: grpo\.rewards\[1\] is named accuracy, as is grpo\.rewards\[0\]/,
  );
  assert.equal(
    set([
      { name: 'accuracy', weight: 1 },
      { file: './accuracy.mjs', name: 'my_accuracy', weight: 1 },
    ]).length,
    2,
  );
});

test('file problems: missing, unknown format, bad syntax, not a mapping', () => {
  fails(() => loadTrainConfig('/no/such/run.yaml'), 'config: cannot read /no/such/run.yaml (file not found); check the path given as the config file');
  fails(() => loadTrainConfig('run.toml'), 'config: cannot tell the format of run.toml; use a .json, .yaml or .yml file');
  withFile('bad.yaml', 'grpo:\n  groupSize: [5\n', (path) =>
    fails(() => loadTrainConfig(path), new RegExp(`^config: ${path} is not valid YAML \\(.+\\); fix the syntax there$`)),
  );
  withFile('bad.json', '{"grpo": }', (path) => fails(() => loadTrainConfig(path), /is not valid JSON \(.+\); fix the syntax there$/));
  withFile('list.yaml', '- 1\n- 2\n', (path) => fails(() => loadTrainConfig(path), /must hold a mapping of sections \(got \[1,2\]\)/));
  withFile('sec.yaml', 'grpo: 5\n', (path) => fails(() => loadTrainConfig(path), /^config: grpo must be a mapping of keys \(got 5\); write grpo as a mapping/));
});

test('applySetting changes a mid-run key on a copy, validated with the same schema', () => {
  const c = applySetting(DEFAULT_TRAIN_CONFIG, 'optim.lr', '3e-5');
  assert.equal(c.optim.lr, 3e-5);
  assert.equal(DEFAULT_TRAIN_CONFIG.optim.lr, 1e-4, 'original untouched');
  assert.equal(applySetting(c, 'guidance.initPct', 0.08).guidance.initPct, 0.08);
  assert.deepEqual(applySetting(c, 'guidance.styles', 'self-conflict').guidance.styles, ['self-conflict']);
  fails(
    () => applySetting(c, 'guidance.initPct', '2'),
    'config: guidance.initPct must be a number >= 0 and <= 1 (got 2); set guidance.initPct to a number >= 0 and <= 1',
  );
  fails(() => applySetting(c, 'guidance.minPct', '0.5'), /^config: guidance\.minPct \(0\.5\) must be <= guidance\.initPct/);
  fails(
    () => applySetting(c, 'grpo.groupSize', '8'),
    'config: grpo.groupSize cannot change during a run; stop the run and restart it with --set grpo.groupSize=<value>',
  );
  fails(() => applySetting(c, 'optim.learningRate', '1'), /^config: unknown key optim\.learningRate; the keys of optim are lr, /);
  fails(() => applySetting(c, 'optim.lr', 'null'), 'config: optim.lr needs a value; write optim.lr=<value>');
});

test('every settable key is a documented key and accepts its own current value', () => {
  const described = new Map(describeKeys().map((k) => [k.key, k]));
  for (const info of described.values()) assert.ok(info.doc.length > 10, `${info.key} is documented`);
  assert.ok(settableKeys().length > 10);
  for (const key of settableKeys()) {
    assert.equal(described.get(key)?.midRun, true, key);
    const same = applySetting(DEFAULT_TRAIN_CONFIG, key, getSetting(DEFAULT_TRAIN_CONFIG, key));
    assert.deepEqual(same, DEFAULT_TRAIN_CONFIG, key);
  }
  for (const fixed of ['model.checkpoint', 'data.task', 'grpo.groupSize', 'grpo.rewards', 'run.totalSteps', 'run.seed']) {
    assert.equal(described.get(fixed)?.midRun, false, fixed);
  }
  assert.equal(described.get('grpo.groupSize')?.default, 5);
});

test('optim.eps defaults to 1e-8, takes a positive number, and says how to fix a bad one', () => {
  assert.equal(DEFAULT_TRAIN_CONFIG.optim.eps, 1e-8);
  assert.equal(parseTrainConfig({ optim: { eps: 1e-4 } }).optim.eps, 1e-4);
  assert.throws(() => parseTrainConfig({ optim: { eps: 0 } }), /optim\.eps/);
});

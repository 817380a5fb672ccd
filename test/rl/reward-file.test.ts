import assert from 'node:assert/strict';
import { relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { effectiveRewardName, loadRewardFunctions, rewardNameFromFile, type RewardEntry } from '../../src/rl/reward-file.js';
import { RewardError, combineRewards, mathAnswerReward, rewardMetrics, type RewardContext } from '../../src/rl/rewards.js';

/** test/fixtures/rewards, the cwd the relative paths below resolve against. */
const FIXTURES = fileURLToPath(new URL('../fixtures/rewards/', import.meta.url));

function ctx(over: Partial<RewardContext>): RewardContext {
  return { prompt: 'What is 6*7?', completion: '\\boxed{42}', answer: '42', terminated: true, sample: {}, ...over };
}

const load = (entries: RewardEntry[]) => loadRewardFunctions(entries, { cwd: FIXTURES });

/** The one file reward of `file`, as a function of the context. */
async function fileReward(file: string, name?: string) {
  const [r] = await load([{ file, weight: 1, ...(name ? { name } : {}) }]);
  return r;
}

/** Asserts `p` rejects with a RewardError whose whole message is `expected` (string) or matches it. */
async function rejectsWith(p: Promise<unknown>, expected: string | RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RewardError, `expected a RewardError, got ${String(e)}`);
    if (typeof expected === 'string') assert.equal(e.message, expected);
    else assert.match(e.message, expected);
    assert.ok(!e.message.includes('\n'), 'the message is one line');
    return true;
  });
}

describe('reward names', () => {
  it('default to the file base name without extension, sanitised to [A-Za-z0-9_]', () => {
    assert.equal(rewardNameFromFile('./my-reward.mjs'), 'my_reward');
    assert.equal(rewardNameFromFile('/abs/dir/len.penalty.v2.js'), 'len_penalty_v2');
    assert.equal(effectiveRewardName({ file: './my-reward.mjs' }), 'my_reward');
    assert.equal(effectiveRewardName({ file: './my-reward.mjs', name: 'mine' }), 'mine');
    assert.equal(effectiveRewardName({ name: 'accuracy' }), 'accuracy');
    assert.equal(effectiveRewardName({}), undefined);
  });
});

describe('loadRewardFunctions', () => {
  it('loads a file reward beside a built-in; totals and per-reward metrics come out as worked by hand', async () => {
    const fns = await load([
      { file: './keyword-bonus.mjs', weight: 0.5 },
      { name: 'accuracy', weight: 1 },
    ]);
    assert.deepEqual(
      fns.map((f) => [f.name, f.weight]),
      [
        ['keyword_bonus', 0.5],
        ['accuracy', 1],
      ],
    );
    assert.equal(fns[1].fn, mathAnswerReward);
    const rollouts = [
      ctx({ completion: '\\boxed{42}' }), // keyword 0, accuracy 1 -> 0.5*0 + 1 = 1
      ctx({ completion: 'Wait, \\boxed{42}' }), // 1, 1 -> 1.5
      ctx({ completion: 'Wait, \\boxed{41}' }), // 1, 0 -> 0.5
      ctx({ completion: 'Wait, \\boxed{42}', answer: '' }), // null, null -> null
    ];
    const scored = rollouts.map((c) => combineRewards(fns, c));
    assert.deepEqual(
      scored.map((s) => s.total),
      [1, 1.5, 0.5, null],
    );
    assert.deepEqual(scored[0].perFunction, { keyword_bonus: 0, accuracy: 1 });
    const m = rewardMetrics(
      scored.map((s) => s.perFunction),
      fns.map((f) => f.name),
    );
    // keyword_bonus over [0, 1, 1] (the null skipped): mean 2/3; squared deviations 4/9 + 1/9 + 1/9 = 2/3,
    // over n - 1 = 2: 1/3, std sqrt(1/3). accuracy over [1, 1, 0]: the same numbers.
    assert.deepEqual(Object.keys(m), ['rewards/keyword_bonus/mean', 'rewards/keyword_bonus/std', 'rewards/accuracy/mean', 'rewards/accuracy/std']);
    for (const name of ['keyword_bonus', 'accuracy']) {
      assert.ok(Math.abs(m[`rewards/${name}/mean`]! - 2 / 3) < 1e-12);
      assert.ok(Math.abs(m[`rewards/${name}/std`]! - Math.sqrt(1 / 3)) < 1e-12);
    }
  });

  it('takes the named export `reward`, the whole context (sample included), and a CommonJS module', async () => {
    const named = await fileReward('./named-export.mjs');
    assert.equal(named.name, 'named_export');
    assert.equal(named.fn(ctx({ sample: { score: 0.25 } })), 0.25);
    assert.equal(named.fn(ctx({ sample: {} })), null);
    const cjs = await fileReward('./commonjs.cjs', 'length');
    assert.equal(cjs.name, 'length');
    assert.equal(cjs.fn(ctx({ completion: 'abcd' })), 4);
  });

  it('resolves relative paths against cwd, by default the working directory, and keeps the path as given in messages', async () => {
    const abs = resolve(FIXTURES, 'keyword-bonus.mjs');
    const [fromCwd] = await loadRewardFunctions([{ file: relative(process.cwd(), abs), weight: 1 }]);
    assert.equal(fromCwd.fn(ctx({ completion: 'Wait' })), 1);
    const [fromAbs] = await loadRewardFunctions([{ file: abs, weight: 1 }], { cwd: '/nonexistent' });
    assert.equal(fromAbs.name, 'keyword_bonus');
  });

  it('loads the entries of a parsed config (file rewards get their default name there)', async () => {
    const c = parseTrainConfig({
      grpo: {
        rewards: [
          { file: './keyword-bonus.mjs', weight: 2 },
          { name: 'termination', weight: 1 },
        ],
      },
    });
    assert.deepEqual(c.grpo.rewards, [
      { file: './keyword-bonus.mjs', weight: 2, name: 'keyword_bonus' },
      { name: 'termination', weight: 1 },
    ]);
    const fns = await loadRewardFunctions(c.grpo.rewards, { cwd: FIXTURES });
    assert.equal(combineRewards(fns, ctx({ completion: 'Wait \\boxed{42}' })).total, 3); // 2*1 + 1*1
  });

  it('says which entry is missing, and where it looked', async () => {
    await rejectsWith(
      load([
        { name: 'accuracy', weight: 1 },
        { file: './x.mjs', weight: 1 },
      ]),
      `grpo.rewards[1].file ./x.mjs does not exist (looked for ${resolve(FIXTURES, 'x.mjs')}); relative paths are read from the folder thinktune runs in, so fix the path or run from the folder that holds it`,
    );
    await rejectsWith(load([{ file: '.', weight: 1, name: 'here' }]), /^grpo\.rewards\[0\]\.file \. is not a file \(.*\); point it at the \.mjs module/);
  });

  it('names the file and the first line of the error when the import fails', async () => {
    await rejectsWith(
      load([{ file: './syntax-error.mjs', weight: 1 }]),
      /^grpo\.rewards\[0\]\.file \.\/syntax-error\.mjs failed to load \(SyntaxError: Unexpected token ';'\); run `node --check \.\/syntax-error\.mjs` to see the line, then fix it$/,
    );
    await rejectsWith(
      load([{ file: './load-throws.mjs', weight: 1 }]),
      'grpo.rewards[0].file ./load-throws.mjs failed to load (Error: REWARD_TABLE is not set); fix the module so that it loads',
    );
  });

  it('rejects a module that exports no function, listing what it exports', async () => {
    await rejectsWith(
      load([{ file: './no-function.mjs', weight: 1 }]),
      'grpo.rewards[0].file ./no-function.mjs exports no reward function (exports: default, weight); write `export default function (ctx) { ... }` or `export function reward(ctx) { ... }`',
    );
  });

  it('rejects duplicate effective names, unknown built-ins, entries with neither name nor file, and bad weights', async () => {
    await rejectsWith(
      load([
        { file: './keyword-bonus.mjs', weight: 1 },
        { file: 'other/keyword_bonus.js', weight: 1 },
      ]),
      'grpo.rewards[1] is named keyword_bonus, as is grpo.rewards[0]; list each reward once, or give one of them a distinct "name"',
    );
    await rejectsWith(
      load([
        { name: 'accuracy', weight: 1 },
        { file: './named-export.mjs', name: 'accuracy', weight: 1 },
      ]),
      /^grpo\.rewards\[1\] is named accuracy, as is grpo\.rewards\[0\]/,
    );
    await rejectsWith(
      load([{ name: 'acuracy', weight: 1 }]),
      /^grpo\.rewards\[0\]\.name acuracy is not a built-in reward; use one of accuracy, math_answer, termination, first_answer, or set grpo\.rewards\[0\]\.file/,
    );
    await rejectsWith(load([{ weight: 1 }]), /^grpo\.rewards\[0\] has neither name nor file; /);
    await rejectsWith(load([{ name: 'accuracy', weight: Number.NaN }]), 'grpo.rewards[0].weight must be a finite number (got NaN); set it to e.g. 1');
    await rejectsWith(loadRewardFunctions([{ weight: 1 }], { key: 'eval.rewards' }), /^eval\.rewards\[0\] has neither/);
  });
});

describe('file rewards at scoring time', () => {
  it('turn a throw into a RewardError naming the reward, the file and the error', async () => {
    const r = await fileReward('./throws.mjs');
    assert.throws(() => r.fn(ctx({})), {
      name: 'RewardError',
      message:
        'reward throws (./throws.mjs) threw for a completion (Error: no field "steps" in this sample); fix it, or return null for completions it cannot score',
    });
  });

  it('accept finite numbers and null, and reject anything else with what was returned', async () => {
    const r = await fileReward('./echo-value.mjs', 'my_reward');
    const returned = (value: unknown) => r.fn(ctx({ sample: { value } }));
    assert.equal(returned(0.25), 0.25);
    assert.equal(returned(-3), -3);
    assert.equal(returned(null), null);
    const bad = (value: unknown, shown: string) =>
      assert.throws(() => returned(value), {
        name: 'RewardError',
        message: `reward my_reward (./echo-value.mjs) returned ${shown} for a completion; return a finite number or null`,
      });
    bad('abc', '"abc"');
    bad('1', '"1"'); // a numeric string is still a string
    bad(Number.NaN, 'NaN');
    bad(Number.POSITIVE_INFINITY, 'Infinity');
    bad({ score: 1 }, '{"score":1}');
    bad([1, 0], '[1,0]');
    bad(true, 'true');
    bad(undefined, 'nothing (undefined)');
    bad('x'.repeat(100), `"${'x'.repeat(36)}...`);
  });

  it('reject a Promise (async function): rewards are called synchronously; its rejection stays handled', async () => {
    const r = await fileReward('./async-reward.mjs');
    const message =
      'reward async_reward (./async-reward.mjs) returned a Promise for a completion; rewards are called synchronously, so make it synchronous (no async, no await) and return a finite number or null';
    assert.throws(() => r.fn(ctx({})), { name: 'RewardError', message });
    assert.throws(() => r.fn(ctx({ sample: { fail: true } })), { name: 'RewardError', message });
    // An unhandled rejection would fail this test file; give it the turns it needs to surface.
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setTimeout(res, 10));
  });

  it('propagate through combineRewards unchanged (the trainer turns them into a fatal event)', async () => {
    const fns = await load([
      { name: 'accuracy', weight: 1 },
      { file: './throws.mjs', weight: 1 },
    ]);
    assert.throws(
      () => combineRewards(fns, ctx({})),
      (e: unknown) => e instanceof RewardError && /^reward throws \(\.\/throws\.mjs\) threw/.test(e.message),
    );
  });
});

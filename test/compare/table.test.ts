// Spread over seeds and the markdown table of `thinktune compare`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { methodRow, renderTable, spread, tableColumns } from '../../src/compare/table.js';

const metrics = (acc: number, refl: number, len: number) => ({ 'pass@1': acc, reflection_rate: refl, mean_length: len, termination_rate: 1, n: 10 });

test('spread: mean, sample standard deviation (n - 1), min and max', () => {
  const s = spread([0.2, 0.4, 0.6]);
  assert.ok(Math.abs(s.mean - 0.4) < 1e-12);
  assert.ok(Math.abs(s.std! - 0.2) < 1e-12, `std ${s.std}`);
  assert.deepEqual([s.min, s.max, s.n], [0.2, 0.6, 3]);
  assert.equal(spread([5]).std, null, 'one seed has no sample spread');
  assert.throws(() => spread([]), /no values/);
});

test('a method row skips failed runs; a deterministic method reports spread 0', () => {
  const row = methodRow(
    'grpo',
    [
      { metrics: metrics(0.5, 0.1, 100), trainSeconds: 10 },
      { metrics: null, trainSeconds: 3 },
      { metrics: metrics(0.7, 0.3, 120), trainSeconds: 14 },
    ],
    false,
  );
  assert.equal(row.runs, 2);
  assert.equal(row.failed, 1);
  assert.ok(Math.abs(row.columns['pass@1']!.mean - 0.6) < 1e-12);
  assert.ok(Math.abs(row.columns['pass@1']!.std! - Math.sqrt(0.02)) < 1e-12);
  assert.deepEqual([row.columns.train_seconds!.min, row.columns.train_seconds!.max], [10, 14]);
  const zs = methodRow('zero-shot', [{ metrics: metrics(0.25, 0, 90), trainSeconds: 0 }], true);
  assert.equal(zs.columns['pass@1']!.std, 0);
});

test('the table has one row per method, mean ± spread (min–max), and the command', () => {
  const rows = [
    methodRow('zero-shot', [{ metrics: metrics(0.25, 0, 90), trainSeconds: 0 }], true),
    methodRow(
      'grpo',
      [
        { metrics: metrics(0.5, 0.1, 100), trainSeconds: 10 },
        { metrics: metrics(0.7, 0.3, 120), trainSeconds: 14 },
      ],
      false,
    ),
    methodRow('thinktuning', [{ metrics: null, trainSeconds: 1 }], false),
  ];
  const md = renderTable(rows, {
    command: 'thinktune compare --config c.yaml --seeds 2',
    testData: 'arith-test',
    problems: 200,
    seeds: [1, 2],
    totalSteps: 60,
    promptsPerStep: 8,
    groupSize: 5,
    maxNewTokens: 256,
    evalMaxNewTokens: 256,
  });
  const lines = md.split('\n');
  assert.ok(lines.includes('| method | seeds | accuracy (pass@1, greedy) | reflection rate (greedy) | mean length (tokens) | train wall time (s) |'));
  assert.ok(
    lines.includes('| zero-shot (base) | once | 0.250 ± 0.000 (0.250–0.250) | 0.000 ± 0.000 (0.000–0.000) | 90.0 ± 0.0 (90.0–90.0) | 0.0 ± 0.0 (0.0–0.0) |'),
  );
  assert.ok(lines.includes('| GRPO | 2 | 0.600 ± 0.141 (0.500–0.700) | 0.200 ± 0.141 (0.100–0.300) | 110.0 ± 14.1 (100.0–120.0) | 12.0 ± 2.8 (10.0–14.0) |'));
  assert.ok(lines.includes('| ThinkTuning | 0 (+1 failed) | n/a | n/a | n/a | n/a |'));
  assert.ok(lines.includes('thinktune compare --config c.yaml --seeds 2'));
  assert.match(md, /200 problems of arith-test/);
});

test('with samples the table adds sampled accuracy and sampled reflection; a run without them shows n/a', () => {
  const sampled = (acc: number, mean4: number, srefl: number) => ({ ...metrics(acc, 0, 26), 'mean@4': mean4, 'pass@4': 0.9, sampled_reflection_rate: srefl });
  const columns = tableColumns(4);
  assert.deepEqual(
    columns.map((c) => c.key),
    ['pass@1', 'mean@4', 'pass@4', 'reflection_rate', 'sampled_reflection_rate', 'mean_length', 'train_seconds'],
  );
  const rows = [
    methodRow('zero-shot', [{ metrics: sampled(0.7, 0.3, 0), trainSeconds: 0 }], true, columns),
    methodRow(
      'grpo',
      [
        { metrics: sampled(0.6, 0.4, 0.01), trainSeconds: 5 },
        { metrics: sampled(0.6, 0.5, 0.03), trainSeconds: 5 },
      ],
      false,
      columns,
    ),
    methodRow('thinktuning', [{ metrics: metrics(0.6, 0, 26), trainSeconds: 5 }], false, columns),
  ];
  const md = renderTable(rows, {
    command: 'c',
    testData: 'arith-test',
    problems: 2,
    seeds: [1, 2],
    totalSteps: 1,
    promptsPerStep: 1,
    groupSize: 2,
    maxNewTokens: 8,
    evalMaxNewTokens: 8,
    samples: 4,
    temperature: 1,
  });
  const lines = md.split('\n');
  assert.ok(
    lines.includes(
      '| method | seeds | accuracy (pass@1, greedy) | sampled accuracy (mean@4) | pass@4 | reflection rate (greedy) | reflection rate (sampled) | mean length (tokens) | train wall time (s) |',
    ),
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith(
        '| GRPO | 2 | 0.600 ± 0.000 (0.600–0.600) | 0.450 ± 0.071 (0.400–0.500) | 0.900 ± 0.000 (0.900–0.900) | 0.000 ± 0.000 (0.000–0.000) | 0.020 ± 0.014 (0.010–0.030) |',
      ),
    ),
    md,
  );
  assert.ok(
    lines.some((l) => l.startsWith('| ThinkTuning | 1 | 0.600 ± – (0.600–0.600) | n/a | n/a | 0.000 ± – (0.000–0.000) | n/a |')),
    md,
  );
  assert.match(md, /4 samples per problem at temperature 1/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { EvalPanel, evalLines, formatMetric, metricOrder, progressBar } from '../../../ui/panels/EvalPanel.js';
import type { EvalJob } from '../../../ui/state/types.js';
import { assertFits } from './frame.js';

const job = (id: string, over: Partial<EvalJob> = {}): EvalJob => ({
  id,
  model: `checkpoints/run/${id}`,
  data: 'data/test.jsonl',
  status: 'queued',
  done: 0,
  total: 0,
  result: null,
  error: null,
  ...over,
});

const metrics = { termination_rate: 0.98, 'pass@1': 0.4126, mean_length: 312.46, 'pass@8': 0.7, reflection_rate: 0.12, 'maj@8': 0.53 };
const jobs: EvalJob[] = [
  job('step-100', { status: 'done', done: 120, total: 120, result: metrics }),
  job('step-200', { status: 'running', done: 45, total: 120 }),
  job('step-300'),
  job('step-400', { status: 'failed', error: 'cannot read data/test.jsonl: no such file; pass --data an existing file' }),
  job('step-500', { status: 'cancelled' }),
];

test('jobs with status markers, an ASCII progress bar, the failure line and a results table', () => {
  const { lastFrame, unmount } = render(<EvalPanel jobs={jobs} width={80} height={24} />);
  const rows = assertFits(lastFrame(), 80, 24);
  unmount();
  const text = rows.join('\n');
  assert.match(rows[0], /evaluations\s+5 jobs\s+1 running\s+1 queued/);
  // The job line names the model by its folder and the data by its file name, so both fit.
  assert.match(text, /^\+ step-100\s+done\s+step-100\s+test$/m);
  assert.match(text, /^> step-200\s+running/m);
  assert.match(text, /^\s+\[#+\.+\]\s+45\/120\s+37%$/m);
  assert.match(text, /^\. step-300\s+queued/m);
  assert.match(text, /^x step-400\s+failed/m);
  assert.match(text, /^\s+! cannot read data\/test\.jsonl: no such file; pass --data an existing file$/m);
  assert.match(text, /^- step-500\s+cancelled/m);
  const head = rows.findIndex((r) => r.startsWith('model'));
  assert.ok(head > 0, text);
  // Metrics in the conventional order; what does not fit in 80 columns continues in a second table.
  const headers = rows.filter((r) => r.startsWith('model')).flatMap((r) => r.split(/\s+/).slice(2));
  assert.deepEqual(headers, ['pass@1', 'maj@8', 'pass@8', 'reflection_rate', 'mean_length', 'termination_rate']);
  assert.match(rows[head], /^model\s+data\s+pass@1/);
  assert.match(rows[head + 1], /^step-100\s+test\s+0\.413\s+0\.530\s+0\.700/);
  assert.match(text, /312\.5/);
});

test('fits a narrow, short panel; the newest jobs stay and older ones are counted', () => {
  const many = [...jobs, ...Array.from({ length: 10 }, (_, i) => job(`q${i}`))];
  const { lastFrame, unmount } = render(<EvalPanel jobs={many} width={36} height={8} />);
  const rows = assertFits(lastFrame(), 36, 8);
  unmount();
  assert.equal(rows.length, 8);
  assert.match(rows[1], /^\(\d+ earlier jobs\)$/);
  assert.match(rows.join('\n'), /q9/);
  for (const [w, h] of [
    [80, 24],
    [20, 3],
    [50, 1],
  ] as const) {
    assert.ok(evalLines(many, w, h).length <= h);
  }
});

test('no colour, no jobs', () => {
  assert.ok(
    evalLines(jobs, 80, 24, false)
      .flat()
      .every((s) => s.color === undefined),
  );
  assert.ok(
    evalLines(jobs, 80, 24, true)
      .flat()
      .some((s) => s.color === 'red'),
  );
  const { lastFrame, unmount } = render(<EvalPanel jobs={[]} width={80} height={24} />);
  assert.match(assertFits(lastFrame(), 80, 24)[1], /no evaluations yet/);
  unmount();
});

test('progress bar, metric order and formatting', () => {
  assert.equal(progressBar(0, 0, 10), '[..........]');
  assert.equal(progressBar(5, 10, 10), '[#####.....]');
  assert.equal(progressBar(12, 10, 4), '[####]');
  assert.deepEqual(metricOrder(['zeta', 'pass@16', 'mean_length', 'maj@4', 'pass@1', 'pass@4', 'termination_rate', 'reflection_rate']), [
    'pass@1',
    'maj@4',
    'pass@4',
    'pass@16',
    'reflection_rate',
    'mean_length',
    'termination_rate',
    'zeta',
  ]);
  assert.equal(formatMetric('pass@1', 0.41249), '0.412');
  assert.equal(formatMetric('mean_length', 312.46), '312.5');
  assert.equal(formatMetric('problems', 120), '120');
});

test('the selected job is highlighted and kept in view when the list is longer than the panel', () => {
  const many = Array.from({ length: 12 }, (_, i) => job(`step-${(i + 1) * 100}`));
  const text = (selected: number) => evalLines(many, 60, 6, false, selected).map((l) => l.map((s) => s.text).join(''));
  const inverse = (selected: number) =>
    evalLines(many, 60, 6, false, selected)
      .filter((l) => l.some((s) => s.inverse))
      .map((l) => l.map((s) => s.text).join(''));
  assert.match(text(11).join('\n'), /step-1200/, 'the newest job shows by default');
  assert.deepEqual(inverse(11).length, 1);
  assert.match(inverse(11)[0]!, /^\. step-1200 /);
  const top = text(0);
  assert.match(top.join('\n'), /^\. step-100 /m, 'selecting the first job scrolls up to it');
  assert.match(top.at(-1)!, /\(\d+ later jobs\)/);
  assert.ok(top.length <= 6);
  assert.deepEqual(
    evalLines(many, 60, 6, false).filter((l) => l.some((s) => s.inverse)),
    [],
    'no selection, no highlight',
  );
});

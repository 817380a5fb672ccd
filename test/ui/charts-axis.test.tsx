/**
 * Charts a person can read (#17): every chart shows its newest value and the min–max it is drawn
 * against (a y-axis at the left of a multi-row chart), and a wide screen gives the reward a whole row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { axisNumber, axisPair } from '../../ui/components/sparkline.js';
import { axisOf, Charts } from '../../ui/panels/Charts.js';
import { DEFAULT_DISPLAY } from '../../ui/state/initial.js';
import type { StepRow } from '../../ui/state/types.js';
import { lineWidths, renderSized, waitFor } from './helpers/render-sized.js';
import { stepMetrics } from './helpers/events.js';

const rows: StepRow[] = Array.from({ length: 300 }, (_, i) => ({ step: i, metrics: stepMetrics(i + 1), at: i }));

test('axis numbers are short and written to the precision the range needs', () => {
  assert.deepEqual(axisPair([0.000002, 0.6]), ['0', '0.6']);
  assert.deepEqual(axisPair([0.0213, 0.4791]), ['0.02', '0.48']);
  assert.deepEqual(axisPair([121, 620]), ['121', '620']);
  assert.deepEqual(axisPair([0.8, 0.8]), ['0.8', '0.8'], 'a flat series');
  assert.deepEqual(axisPair([-0.004, 0.25]), ['0', '0.25']);
  assert.equal(axisNumber(12_345), '12k');
  assert.equal(axisNumber(0.00001234), '1e-5');
  assert.deepEqual(axisOf([0, 1], 3, false), ['1', '', '0']);
  assert.deepEqual(axisOf([0, 1], 1, true), ['0..1']);
  assert.deepEqual(axisOf(null, 2, false), ['', '']);
});

test('a multi-row chart has its max on the top line and its min on the bottom one, at its left, and its newest value', () => {
  const frame = render(<Charts steps={rows} width={80} cols={2} rows={4} chartHeight={3} display={DEFAULT_DISPLAY} />).lastFrame()!;
  const lines = frame.split('\n');
  assert.equal(lines.length, 12, 'four rows of three lines: the planned height');
  for (const w of lineWidths(frame)) assert.ok(w <= 80, frame);
  // Reward, guided and unguided share one scale (0..0.6 here): the axis says so on each.
  assert.match(lines[0]!, /^reward +0\.6 [▁▂▃▄▅▆▇█ ]+ 0\.\d{3} +adv std +0\.8 /);
  assert.match(lines[2]!, /^ +0 [▁▂▃▄▅▆▇█ ]+ +0\.8 /);
  assert.match(lines[9]!, /^length +\d{3} .* \d{3} +zero-std +0\.25 .* 0\.250$/);
  assert.match(lines[11]!, /^ +\d{3} [▁▂▃▄▅▆▇█ ]+ +0\.25 /);
});

test('every one-line chart shows its newest value and its range, in ASCII too', () => {
  const frame = render(
    <Charts steps={rows} width={80} cols={2} rows={4} chartHeight={1} display={{ ...DEFAULT_DISPLAY, ascii: true, color: false }} />,
  ).lastFrame()!;
  assert.ok(
    [...frame].every((c) => c.charCodeAt(0) < 128),
    frame,
  );
  for (const line of frame.split('\n')) {
    const cells = line.match(/-?\d[\d.e-]*\.\.-?\d[\d.e-]*/g) ?? [];
    assert.equal(cells.length, 2, `two charts, each with its range:\n${line}`);
  }
  for (const w of lineWidths(frame)) assert.ok(w <= 80, frame);
});

test('at 120 columns and more the reward chart takes a whole row; the frame keeps its planned height', async () => {
  const ui = renderSized(<Charts steps={rows} width={140} cols={2} rows={4} chartHeight={1} display={DEFAULT_DISPLAY} />, { columns: 140, rows: 30 });
  await waitFor(
    () => (ui.lastFrame() ?? '').includes('reward'),
    () => ui.lastFrame() ?? '',
  );
  const frame = ui.lastFrame()!;
  const lines = frame.split('\n');
  assert.equal(lines.length, 4, frame);
  for (const w of lineWidths(frame)) assert.ok(w <= 140, frame);
  const blocks = (l: string) => (l.match(/[▁▂▃▄▅▆▇█]/g) ?? []).length;
  assert.match(lines[0]!, /^reward .* 0–0\.6$/);
  assert.doesNotMatch(lines[0]!, /guided|adv std/, 'alone on its row');
  assert.ok(blocks(lines[0]!) > 100, `a sparkline the width of the screen:\n${frame}`);
  assert.match(lines[1]!, /^guided .* adv std/, 'the other charts follow in the grid');
  ui.unmount();
  // Below 120 columns the reward keeps its cell.
  const narrow = render(<Charts steps={rows} width={100} cols={2} rows={4} chartHeight={1} display={DEFAULT_DISPLAY} />).lastFrame()!;
  assert.match(narrow.split('\n')[0]!, /^reward .* adv std/);
});

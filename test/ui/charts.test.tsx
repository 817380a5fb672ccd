import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { Charts } from '../../ui/panels/Charts.js';
import { DEFAULT_DISPLAY } from '../../ui/state/initial.js';
import type { StepRow } from '../../ui/state/types.js';
import { lineWidths } from './helpers/render-sized.js';
import { stepMetrics } from './helpers/events.js';

const rows: StepRow[] = Array.from({ length: 500 }, (_, i) => ({ step: i + 1, metrics: stepMetrics(i + 1), at: i }));

test('four rows of two charts fit 80 columns exactly, with block sparklines and latest values', () => {
  const frame = render(<Charts steps={rows} width={80} cols={2} rows={4} chartHeight={1} display={DEFAULT_DISPLAY} />).lastFrame()!;
  const lines = frame.split('\n');
  assert.equal(lines.length, 4);
  for (const w of lineWidths(frame)) assert.ok(w <= 80, `line of ${w} columns:\n${frame}`);
  // Each chart: label, sparkline, newest value, then the min–max it is drawn against (#17).
  assert.match(lines[0]!, /^reward +[▁▂▃▄▅▆▇█]+ +0\.\d{3} +0–0\.6 +adv std/);
  assert.match(lines[1]!, /^guided/);
  assert.match(lines[3]!, /length .* 620 +\d+–\d+ +zero-std .* 0\.250 +0\.25–0\.25$/);
});

test('ASCII fallback draws with _.-=^ only', () => {
  const display = { ...DEFAULT_DISPLAY, ascii: true };
  const frame = render(<Charts steps={rows} width={80} cols={2} rows={4} chartHeight={1} display={display} />).lastFrame()!;
  assert.ok(
    [...frame].every((c) => c.charCodeAt(0) < 128),
    frame,
  );
  assert.match(frame, /reward +[_.\-=^]{12,} +0\.\d{3} +0\.\.0\.6/); // the axis leaves the sparkline 12+ columns
  for (const w of lineWidths(frame)) assert.ok(w <= 80);
});

test('no data yet: blank sparklines and a dash, still within the width', () => {
  const frame = render(<Charts steps={[]} width={80} cols={2} rows={4} chartHeight={1} display={{ ...DEFAULT_DISPLAY, ascii: true }} />).lastFrame()!;
  assert.match(frame.split('\n')[0]!, /^reward +- +adv std +-$/);
});

test('one column on a narrow screen shows the first charts; taller sparklines on tall screens', () => {
  const narrow = render(<Charts steps={rows} width={50} cols={1} rows={4} chartHeight={1} display={DEFAULT_DISPLAY} />).lastFrame()!;
  assert.deepEqual(
    narrow.split('\n').map((l) => l.split(/ +/)[0]),
    ['reward', 'guided', 'unguided', 'length'],
  );
  const tall = render(<Charts steps={rows} width={160} cols={4} rows={2} chartHeight={3} display={DEFAULT_DISPLAY} />).lastFrame()!;
  assert.equal(tall.split('\n').length, 6);
  for (const w of lineWidths(tall)) assert.ok(w <= 160);
});

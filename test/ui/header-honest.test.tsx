/**
 * An honest header (#17): tensor memory and the process's resident memory, both labelled (a watcher
 * has only the former), and the newest step's teacher feedback given / asked beside the schedule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import type { TrainEvent } from '../../src/trainer/events.js';
import { Header } from '../../ui/panels/Header.js';
import { initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import type { UiState } from '../../ui/state/types.js';
import { startApp } from './helpers/app.js';
import { runStart, stepEvents, stepMetrics, wrap } from './helpers/events.js';
import { lineWidths } from './helpers/render-sized.js';

/** A step where 8 teacher calls were made and none gave feedback, on an 8% schedule with 18 MB of tensors. */
const silentTeacher = (step: number, noFeedback = 8): TrainEvent => ({
  type: 'step',
  step,
  metrics: { ...stepMetrics(step), 'guidance/pct': 0.08, 'guidance/chosen': 8, 'guidance/no_feedback': noFeedback, 'mem/bytes': 18 * 2 ** 20 },
});

const stateAfter = (events: TrainEvent[], over: Partial<UiState> = {}) =>
  events.reduce((s, e) => uiReducer(s, { type: 'message', msg: wrap(e), at: 0 }), { ...initialUiState(), ...over });

test('tensor memory and process memory are both shown, labelled; feedback given/asked beside the schedule', () => {
  const s = stateAfter([runStart(), silentTeacher(0)]);
  const line2 = render(<Header state={s} width={120} lines={2} rssMb={812} />)
    .lastFrame()!
    .split('\n')[1]!;
  assert.match(line2, /tf 18MB · rss 812MB · feedback 0\/8 · sched 8%/);
  const answered = stateAfter([runStart(), silentTeacher(0, 3)]);
  assert.match(render(<Header state={answered} width={120} lines={2} rssMb={812} />).lastFrame()!, /feedback 5\/8/);
});

test("the live dashboard's rss is this process's; a watcher shows tensor memory only", () => {
  const live = render(<Header state={stateAfter([runStart(), silentTeacher(0)])} width={120} lines={2} />).lastFrame()!;
  const [, n, unit] = /rss ([\d.]+)([MG])B/.exec(live) ?? [];
  const mb = Number(n) * (unit === 'G' ? 1024 : 1);
  assert.ok(Math.abs(mb - process.memoryUsage().rss / 2 ** 20) < 200, live);
  const watched = render(<Header state={stateAfter([runStart(), silentTeacher(0)], { watching: true })} width={120} lines={2} />).lastFrame()!;
  assert.match(watched, /tf 18MB · feedback 0\/8/);
  assert.doesNotMatch(watched, /rss/);
});

test('at 80 columns the gauges drop words, not the memory or the feedback', () => {
  const s = stateAfter([runStart(), silentTeacher(0)]);
  const frame = render(<Header state={s} width={80} lines={2} rssMb={812} />).lastFrame()!;
  for (const w of lineWidths(frame)) assert.ok(w <= 80, frame);
  assert.match(frame.split('\n')[1]!, /tf 18MB · rss 812MB · fb 0\/8 · sched 8%$/);
});

for (const size of [
  { columns: 80, rows: 24 },
  { columns: 40, rows: 12 },
]) {
  test(`the whole dashboard at ${size.columns}x${size.rows} keeps the header within the screen`, async () => {
    const app = await startApp({ size, script: [runStart(), ...stepEvents(0).slice(0, -1), silentTeacher(0)] });
    await app.until(size.columns >= 80 ? /fb 0\/8 · sched 8%/ : /thinktune/);
    const frame = app.frame();
    assert.ok(frame.split('\n').length <= size.rows - 1, frame);
    for (const w of lineWidths(frame)) assert.ok(w <= size.columns, frame);
    if (size.columns >= 80) assert.match(frame.split('\n')[1]!, /tf 18MB · rss [\d.]+[MG]B · fb 0\/8/);
    app.ui.unmount();
  });
}

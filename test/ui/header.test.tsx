import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import type { TrainEvent } from '../../src/trainer/events.js';
import { Header } from '../../ui/panels/Header.js';
import { initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import type { UiState } from '../../ui/state/types.js';
import { runStart, stepEvents, wrap } from './helpers/events.js';

const stateAfter = (events: TrainEvent[], display: Partial<UiState['display']> = {}) =>
  events.reduce((s, e) => uiReducer(s, { type: 'message', msg: wrap(e), at: 0 }), initialUiState(display));

test('the header shows run, step, state, backend and the gauges the state holds', () => {
  const s = stateAfter([runStart(), ...stepEvents(0), ...stepEvents(1)]);
  const { lastFrame } = render(<Header state={s} width={100} lines={2} />);
  const [line1, line2] = lastFrame()!.split('\n');
  assert.match(line1!, /thinktune │ gsm8k-qwen │ step 2\/200 │ ▶ running │ wasm/);
  // 198 steps x 3.5 s; tensor memory and the process's resident memory, labelled (#17)
  assert.match(line2!, /1234 tok\/s · 3\.5s\/step · ETA 11m 33s · 321 tensors · tf 512MB · rss [\d.]+[MG]B · feedback – · sched 25%/);
});

test('the step counter counts finished steps: 0/4 before the first, 1/4 after it, 4/4 after the last', () => {
  const line1 = (events: TrainEvent[]) =>
    render(<Header state={stateAfter(events)} width={100} lines={2} />)
      .lastFrame()!
      .split('\n')[0]!;
  const start = runStart({ totalSteps: 4 });
  assert.match(line1([start]), /│ step 0\/4 │/);
  assert.match(line1([start, { type: 'step-start', step: 0 }]), /│ step 0\/4 │/, 'a step in progress is not finished');
  assert.match(line1([start, ...stepEvents(0)]), /│ step 1\/4 │/);
  const all = [start, ...[0, 1, 2, 3].flatMap((i) => stepEvents(i))];
  assert.match(line1(all), /│ step 4\/4 │/);
  assert.match(line1([...all, { type: 'done', step: 4, reason: 'completed' }]), /│ step 4\/4 │ ■ finished/);
  assert.match(line1([runStart({ totalSteps: 4, startStep: 2, resumedFrom: 'runs/demo/checkpoints/step-2' })]), /│ step 2\/4 │/, 'resumed after 2 steps');
});

test('paused, crashed with its reason, and before the run starts', () => {
  const paused = stateAfter([runStart(), { type: 'state', state: 'paused' }]);
  assert.match(render(<Header state={paused} width={100} lines={2} />).lastFrame()!, /‖ paused/);
  const crashed = stateAfter([runStart(), { type: 'fatal', message: 'worker ran out of memory' }]);
  assert.match(render(<Header state={crashed} width={100} lines={2} />).lastFrame()!, /✖ crashed: worker ran out of memory/);
  const waiting = stateAfter([]);
  assert.match(render(<Header state={waiting} width={100} lines={2} />).lastFrame()!, /waiting for the trainer │ step –\/\?/);
});

test('ASCII mode and a one-line header cut to the width', () => {
  const s = stateAfter([runStart(), ...stepEvents(0)], { ascii: true });
  const frame = render(<Header state={s} width={60} lines={1} />).lastFrame()!;
  assert.equal(frame.split('\n').length, 1);
  assert.ok([...frame].length <= 60, frame);
  assert.match(frame, /^thinktune \| gsm8k-qwen \| step 1\/200 \| > running/);
  assert.ok(
    [...frame].every((c) => c.charCodeAt(0) < 128),
    frame,
  );
});

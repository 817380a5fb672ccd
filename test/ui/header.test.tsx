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
  const s = stateAfter([runStart(), ...stepEvents(1), ...stepEvents(2)]);
  const { lastFrame } = render(<Header state={s} width={100} lines={2} />);
  const [line1, line2] = lastFrame()!.split('\n');
  assert.match(line1!, /thinktune │ gsm8k-qwen │ step 2\/200 │ ▶ running │ wasm/);
  assert.match(line2!, /1234 tok\/s · 3\.5s\/step · ETA 11m 30s · 321 tensors · 512MB · guided 25%/);
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
  const s = stateAfter([runStart(), ...stepEvents(1)], { ascii: true });
  const frame = render(<Header state={s} width={60} lines={1} />).lastFrame()!;
  assert.equal(frame.split('\n').length, 1);
  assert.ok([...frame].length <= 60, frame);
  assert.match(frame, /^thinktune \| gsm8k-qwen \| step 1\/200 \| > running/);
  assert.ok([...frame].every((c) => c.charCodeAt(0) < 128), frame);
});

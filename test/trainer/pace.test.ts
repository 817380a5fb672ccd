// StepPace and etaSeconds: the step times and ETA behind the progress lines and the dashboard header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepPace, etaSeconds, isStepTime } from '../../src/trainer/pace.js';

test('etaSeconds: steps left x mean recent step time; unknown without either; never negative', () => {
  assert.equal(etaSeconds(3, [2, 4]), 9);
  assert.equal(etaSeconds(0, [2]), 0);
  assert.equal(etaSeconds(-1, [2]), 0);
  assert.equal(etaSeconds(null, [2]), null);
  assert.equal(etaSeconds(5, []), null);
});

test('isStepTime keeps finite positive seconds only', () => {
  assert.deepEqual([1.5, 0, -1, NaN, Infinity, null, undefined].map(isStepTime), [true, false, false, false, false, false, false]);
});

test('StepPace: the reported time wins, else step-start to step; only the same step is measured', () => {
  let t = 0;
  const pace = new StepPace(() => t);
  pace.stepStarted(0);
  t = 3000;
  assert.equal(pace.stepFinished(0, 1.25), 1.25);
  pace.stepStarted(1);
  t = 5000;
  assert.equal(pace.stepFinished(1, null), 2);
  assert.equal(pace.stepFinished(2, undefined), null, 'no step-start for step 2: nothing to measure');
  pace.stepStarted(3);
  assert.equal(pace.stepFinished(4, NaN), null, 'a step-start for another step is not this one');
  assert.equal(pace.etaS(2, 10), 8 * ((1.25 + 2) / 2));
  assert.equal(pace.etaS(2, null), null);
  pace.reset();
  assert.equal(pace.etaS(2, 10), null);
});

test('StepPace averages the last `window` steps only', () => {
  const pace = new StepPace(() => 0, 2);
  for (const s of [100, 1, 3]) pace.stepFinished(0, s);
  assert.equal(pace.etaS(0, 1), 2);
});

/**
 * What the dashboard says about the run (issue #17, items 5 and 9): with --max-steps the header counts
 * and times the steps this process runs; `:set` with a typo gets the config's did-you-mean; KL reads
 * "off" with grpo.beta 0; p says at once that the pause waits for the step; after q the way to go on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainEvent } from '../../src/trainer/events.js';
import { formatDuration } from '../../ui/format.js';
import { createScriptedSource } from '../../ui/sources/scripted.js';
import { trackRunEnd } from '../../ui/start.js';
import { runStart, stepEvents } from './helpers/events.js';
import { KEYS, startApp } from './helpers/app.js';

const size = { columns: 120, rows: 30 };

test('--max-steps 30 of 150: the header says step 1/30 of 150 and the ETA is 29 steps, not 149', async () => {
  const app = await startApp({ size, script: [runStart({ totalSteps: 150, stopAt: 30 }), ...stepEvents(0)] });
  await app.until(/│ step 1\/30 of 150 │ ▶ running/);
  assert.match(app.frame(), new RegExp(`ETA ${formatDuration(29 * 3.5)} `), '29 steps left x 3.5 s');
  app.ui.unmount();
});

test(':set with a key the config does not have answers with the did-you-mean and sends nothing', async () => {
  const app = await startApp({ size });
  await app.command('set optim.lrr 1e-5');
  await app.press(KEYS.enter);
  await app.until(/unknown key optim\.lrr \(did you mean optim\.lr\?\)/);
  assert.deepEqual(app.source.sent, []);
  app.ui.unmount();
});

test('with grpo.beta 0 the KL chart says off, not –', async () => {
  const noKl = (e: TrainEvent): TrainEvent =>
    e.type === 'step' ? { ...e, metrics: Object.fromEntries(Object.entries(e.metrics).filter(([k]) => k !== 'kl')) } : e;
  const app = await startApp({ size, script: [runStart({ config: { grpo: { beta: 0 } } }), ...stepEvents(0).map(noKl), ...stepEvents(1).map(noKl)] });
  await app.until(/kl .* off/);
  assert.doesNotMatch(app.frame(), /kl [^\n]*–/);
  app.ui.unmount();
});

test('p says at once that the run pauses after the step in progress, then that it has', async () => {
  // The 3rd step (index 2) is in progress; the scripted messages all arrive before the app is ready.
  const app = await startApp({ size, mimic: false, script: [runStart(), ...stepEvents(0), ...stepEvents(1), { type: 'step-start', step: 2 }] });
  await app.press('p');
  await app.until(/^pausing after this step \(step 3\)…/m);
  assert.deepEqual(app.source.sent, [{ type: 'pause' }]);
  app.source.emitEvent({ type: 'step', step: 2, metrics: {} });
  app.source.emitEvent({ type: 'state', state: 'paused' });
  await app.until(/^paused after step 3; p resumes/m);
  app.ui.unmount();
});

test('after the dashboard is left the resume command is printed, unless the run did all its steps', () => {
  const events = (list: TrainEvent[], watching = false) => {
    const source = Object.assign(createScriptedSource(), watching ? { watching: true } : {});
    const tracked = trackRunEnd(source);
    tracked.source.subscribe(() => {});
    for (const e of list) source.emitEvent(e);
    return tracked.resumeHint();
  };
  const start = runStart({ runDir: 'runs/demo', totalSteps: 4 });
  assert.equal(events([start, ...stepEvents(0), { type: 'done', step: 1, reason: 'stopped' }]), 'resume with: thinktune train --resume --run-dir runs/demo');
  assert.equal(events([start, ...stepEvents(0), { type: 'fatal', message: 'boom' }]), 'resume with: thinktune train --resume --run-dir runs/demo');
  assert.equal(events([start, { type: 'done', step: 4, reason: 'completed' }]), null, 'a finished run needs no such line');
  assert.equal(
    events([runStart({ runDir: 'runs/demo', totalSteps: 150, stopAt: 30 }), { type: 'done', step: 30, reason: 'completed' }]),
    'resume with: thinktune train --resume --run-dir runs/demo',
    '--max-steps left steps to run',
  );
  assert.equal(events([start, ...stepEvents(0)], true), null, 'a watched run that is still running goes on by itself');
  assert.equal(events([]), null, 'no run, nothing to resume');
});

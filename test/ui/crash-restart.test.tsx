/**
 * The trainer dies: the dashboard keeps what it showed, says why, and offers R to start the trainer
 * again from the newest checkpoint; the resumed run continues the same history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEYS, startApp } from './helpers/app.js';
import { runStart, stepEvents } from './helpers/events.js';

const keyBar = (frame: string) => frame.split('\n').at(-1)!;

test('a fatal event keeps the history on screen, shows why, and R restarts from the newest checkpoint', async () => {
  const app = await startApp({
    size: { columns: 100, rows: 30 },
    script: [runStart({ runDir: 'runs/crashy' }), ...stepEvents(0), ...stepEvents(1), ...stepEvents(2)],
  });
  let restarts = 0;
  app.source.restart = () => void restarts++;
  assert.doesNotMatch(keyBar(app.frame()), /R restart/, 'R is offered only after a crash');

  app.source.emitEvent({ type: 'fatal', message: 'training worker exited with code 134 before the run ended' });
  await app.until(/✖ crashed: training worker exited with code 134/);
  assert.match(app.frame(), /step 3\/200/, 'the step counter stays');
  assert.match(app.frame(), /step 3 {2}group 1/, 'the group view still shows the last step');
  assert.match(keyBar(app.frame()), /^R restart/);
  await app.press('?');
  await app.until(/shift\+r +after a crash: restart from the/);
  await app.press(KEYS.esc);

  await app.press('R');
  assert.equal(restarts, 1);
  await app.until(/… waiting/);
  await app.until(/restarting the trainer from the newest checkpoint of runs\/crashy/);
  assert.match(app.frame(), /step 3 {2}group 1/, 'still shown while the trainer starts');

  // The new worker resumes from checkpoint step-2 (2 completed steps): the 3rd step (index 2) is redone, the first two stay.
  app.source.emitEvent(runStart({ runDir: 'runs/crashy', startStep: 2, resumedFrom: 'runs/crashy/checkpoints/step-2' }));
  await app.until(/▶ running/);
  assert.match(app.frame(), /step 2\/200 │ ▶ running/);
  assert.match(app.frame(), /\[groups\].*step 2 · g 1\/2/);
  assert.match(app.frame(), /^reward +\S{2} /m, 'two metrics rows left in the chart');
  for (const e of stepEvents(2)) app.source.emitEvent(e);
  await app.until(/\[groups\].*step 3 · g 1\/2/);
  assert.match(app.frame(), /step 3\/200 │ ▶ running/);
  app.ui.unmount();
});

test('R before any crash, or on a source that cannot restart, explains itself', async () => {
  const app = await startApp();
  await app.press('R');
  await app.until(/R restarts the trainer after a crash; the run is running/);
  app.source.emitEvent({ type: 'fatal', message: 'out of memory' });
  await app.until(/crashed: out of memory/);
  await app.press('R');
  await app.until(/this dashboard cannot start the trainer; restart it with thinktune train --resume/);
  app.ui.unmount();
});

test('q after a crash leaves at once', async () => {
  let exited = 0;
  const app = await startApp({ onExit: () => exited++ });
  app.source.emitEvent({ type: 'fatal', message: 'boom' });
  await app.until(/crashed: boom/);
  await app.press('q');
  assert.equal(exited, 1);
  assert.deepEqual(app.source.sent, []);
});

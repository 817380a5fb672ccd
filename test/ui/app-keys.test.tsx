import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { render } from 'ink-testing-library';
import { openPreferences, memoryPreferences } from '../../ui/prefs.js';
import { useUiState } from '../../ui/providers/contexts.js';
import type { Annotation } from '../../ui/state/types.js';
import type { EvalLauncher } from '../../ui/sources/types.js';
import { evalMessage } from '../../ui/protocol.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart, stepEvents } from './helpers/events.js';
import { settle, waitFor } from './helpers/render-sized.js';

const tmp = mkdtempSync(join(tmpdir(), 'thinktune-app-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('p sends pause and the header shows paused; p again resumes', async () => {
  const app = await startApp();
  assert.match(app.frame(), /▶ running/);
  await app.press('p');
  assert.deepEqual(app.source.sent, [{ type: 'pause' }]);
  await app.until(/‖ paused/);
  await app.press('p');
  assert.deepEqual(app.source.sent.at(-1), { type: 'resume' });
  await app.until(/▶ running/);
  app.ui.unmount();
});

test('s sends step-once while paused, and only explains itself while running', async () => {
  const app = await startApp();
  await app.press('s');
  assert.deepEqual(app.source.sent, []);
  await app.until(/press p to pause first/);
  await app.press('p');
  await app.until(/‖ paused/);
  await app.press('s');
  assert.deepEqual(app.source.sent, [{ type: 'pause' }, { type: 'step-once' }]);
  app.ui.unmount();
});

test('? opens the help overlay and esc closes it', async () => {
  const app = await startApp();
  await app.press('?');
  await app.until(/help: esc or \? closes/);
  assert.match(app.frame(), /pause or resume training/);
  assert.match(app.frame(), /esc close/);
  await app.press(KEYS.esc);
  await app.until(/\[groups\]/);
  assert.doesNotMatch(app.frame(), /help: esc/);
  app.ui.unmount();
});

test(":set optim.lr 1e-5 sends the set command and shows the trainer's answer", async () => {
  const app = await startApp();
  await app.press(':', ...'set optim.lr 1e-5');
  await app.until(/^:set optim\.lr 1e-5/m);
  await app.press(KEYS.enter);
  assert.deepEqual(app.source.sent, [{ type: 'set', key: 'optim.lr', value: '1e-5' }]);
  await app.until(/set optim\.lr = 1e-5/);
  app.ui.unmount();
});

test('a mistyped command line shows its usage; backspace edits; esc cancels', async () => {
  const app = await startApp();
  await app.press(':', 's', 'e', 't', 'x', '\u007f', KEYS.enter);
  await app.until(/usage: :set KEY VALUE/);
  await app.press(':', 's', 'a', 'v', 'e', KEYS.esc);
  assert.deepEqual(app.source.sent, []);
  app.ui.unmount();
});

test('tab cycles the panels and the key bar follows the focus', async () => {
  const app = await startApp();
  const keyBar = () => app.frame().split('\n').at(-1)!;
  assert.match(keyBar(), /←→ group/);
  await app.press(KEYS.tab);
  await app.until(/\[trace\]/);
  assert.match(keyBar(), /↑↓ scroll/);
  assert.match(keyBar(), /←→ sample/);
  await app.press(KEYS.tab);
  await app.until(/\[templates\]/);
  assert.match(keyBar(), /r reload/);
  await app.press(KEYS.tab, KEYS.tab);
  await app.until(/\[eval\]/);
  assert.match(keyBar(), /e eval/);
  await app.press(KEYS.tab, KEYS.tab);
  await app.until(/\[teacher\]/);
  assert.match(keyBar(), /\[\] steps/);
  await app.press(KEYS.tab);
  await app.until(/\[completions\]/);
  assert.match(keyBar(), /\/ search/);
  await app.press(KEYS.tab);
  await app.until(/\[groups\]/);
  await app.press(KEYS.shiftTab);
  await app.until(/\[completions\]/);
  await app.press(KEYS.shiftTab);
  await app.until(/\[teacher\]/);
  await app.press(KEYS.shiftTab);
  await app.until(/\[log\]/);
  app.ui.unmount();
});

test('number keys jump to the panels in tab order', async () => {
  const app = await startApp();
  for (const [key, panel] of [
    ['6', 'log'],
    ['3', 'templates'],
    ['7', 'teacher'],
    ['8', 'completions'],
    ['1', 'groups'],
  ] as const) {
    await app.press(key);
    await app.until(new RegExp(`\\[${panel}\\]`));
  }
  app.ui.unmount();
});

test('r in the templates panel asks the trainer to reload', async () => {
  const app = await startApp();
  // Wait for the focus to move before pressing r: under load a key can arrive before the re-render.
  await app.press(KEYS.tab, KEYS.tab);
  await app.until(/\[templates\]/);
  await app.press('r');
  await waitFor(
    () => app.source.sent.length > 0,
    () => JSON.stringify(app.source.sent),
  );
  assert.deepEqual(app.source.sent, [{ type: 'reload-templates' }]);
  await app.until(/templates v1/);
  app.ui.unmount();
});

test('an invalid worker message becomes a warning, not a crash', async () => {
  const app = await startApp();
  app.source.emit({ v: 1, kind: 'event', event: { type: 'step', step: 'three' } });
  app.source.emit('not even an object');
  await app.until(/^ignored a message from the worker: invalid message: expected an object.* 2 (warnings )?in log \(6\)$/m);
  app.source.emitEvent({ type: 'state', state: 'paused' });
  await app.until(/‖ paused/);
  await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab);
  await app.until(/\[log\]/);
  assert.match(app.frame(), /warn {2}protocol: ignored a message from the worker: invalid event 'step': step:/);
  app.ui.unmount();
});

test('q sends stop with save and exits once the trainer reports done', async () => {
  let exited = 0;
  const app = await startApp({ onExit: () => exited++ });
  await app.press('q');
  assert.deepEqual(app.source.sent, [{ type: 'stop', save: true }]);
  await waitFor(() => exited === 1, app.frame);
  assert.match(app.frame(), /stopped/);
});

test('q before any run started, or twice, exits at once', async () => {
  let exited = 0;
  const app = await startApp({ script: [], onExit: () => exited++ });
  await app.press('q');
  assert.equal(exited, 1);
  assert.deepEqual(app.source.sent, []);
});

test('q twice exits without waiting for a trainer that does not answer', async () => {
  let exited = 0;
  const app = await startApp({ mimic: false, onExit: () => exited++ });
  await app.press('q');
  await app.until(/press q again to exit now/);
  assert.equal(exited, 0);
  await app.press('q');
  assert.equal(exited, 1);
});

test('a burst of worker messages is coalesced into a few renders', async () => {
  const app = await startApp();
  const before = app.ui.stdout.frames.length;
  for (let step = 3; step < 503; step++) for (const e of stepEvents(step, 1, 1)) app.source.emitEvent(e);
  await app.until(/step 503\/200/); // the newest index, 502, is the 503rd step
  await settle(30);
  const renders = app.ui.stdout.frames.length - before;
  assert.ok(renders <= 3, `${renders} renders for 2000 messages`);
  app.ui.unmount();
});

test('g and B mark the selected rollout and hand the annotation over for saving', async () => {
  const saved: Annotation[] = [];
  const guided = rollout(2, 1, 1, { guided: true, teacherSpan: [10, 20], templateVersion: 3 });
  const app = await startApp({
    script: [runStart(), { type: 'rollouts', step: 2, rollouts: [rollout(2, 0, 0), rollout(2, 1, 0), guided] }],
    onAnnotation: (a) => saved.push(a),
  });
  await app.press('g', KEYS.enter);
  await app.press(KEYS.right, KEYS.down, 'B', KEYS.enter);
  assert.deepEqual(
    saved.map((a) => [a.step, a.group, a.sample, a.target, a.verdict, a.templateVersion]),
    [
      [2, 0, 0, 'trace', 'good', 1],
      [2, 1, 1, 'feedback', 'bad', 3],
    ],
  );
  await app.press(KEYS.left, 'B');
  assert.equal(saved.length, 2, 'an unguided rollout has no feedback to mark');
  await app.until(/got no teacher feedback/);
  app.ui.unmount();
});

test(':eval starts a job on the launcher and its progress reaches the eval panel', async () => {
  const started: string[] = [];
  const launcher: EvalLauncher = {
    start(req, report) {
      started.push(`${req.model} ${req.data}`);
      report(evalMessage({ type: 'eval-start', id: req.id, model: req.model, data: req.data, total: 8 }));
      report(evalMessage({ type: 'eval-progress', id: req.id, done: 2, total: 8 }));
    },
    cancel() {},
  };
  const app = await startApp({ evalLauncher: launcher });
  await app.press(':', ...'eval ckpt-2 gsm8k.jsonl', KEYS.enter);
  assert.deepEqual(started, ['ckpt-2 gsm8k.jsonl']);
  await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab);
  await app.until(/\[eval\]/);
  assert.match(app.frame(), /1 jobs, 1 active/);
  assert.match(app.frame(), /ckpt-2/);
  app.ui.unmount();
});

test(':eval without a launcher fails the job with a warning', async () => {
  const app = await startApp();
  await app.press(':', ...'eval', KEYS.enter);
  await app.until(/no evaluator is attached/);
  app.ui.unmount();
});

test(':ascii on switches to ASCII drawing and saves the preference', async () => {
  const prefs = memoryPreferences();
  const app = await startApp({ prefs, script: [runStart(), ...stepEvents(1), ...stepEvents(2), ...stepEvents(3)] });
  assert.match(app.frame(), /[▁▂▃▄▅▆▇█]/);
  await app.press(':', ...'ascii on', KEYS.enter);
  await app.until(/thinktune \| gsm8k-qwen/);
  // Under load the header can redraw a frame before the charts: wait for the whole top to be ASCII.
  const top = () => app.frame().split('\n').slice(0, 7).join('\n');
  await waitFor(() => [...top()].every((c) => c.charCodeAt(0) < 128), top);
  assert.equal(prefs.prefs.ascii, true);
  app.ui.unmount();
});

test('a broken preferences file is reported in the UI and replaced by defaults', async () => {
  const dir = join(tmp, 'prefs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '\u0000garbage{{');
  const app = await startApp({ prefs: openPreferences({ cwd: dir }) });
  await app.until(/ 1 warning in log \(6\)$/m);
  await app.press('6'); // the log panel
  await app.until(/warn {2}prefs: preferences file .*config\.json/);
  assert.equal(openPreferences({ cwd: dir }).error, null);
  app.ui.unmount();
});

test('a bad key override is reported and the rest of the keymap works', async () => {
  const app = await startApp({ prefs: memoryPreferences({ keys: { 'toggle-pause': ['space'], fly: ['f'] } }) });
  await app.until(/ 1 warning in log \(6\)$/m);
  await app.press('6'); // the log panel
  await app.until(/warn {2}prefs: unknown command 'fly'/);
  await app.press(' ');
  assert.deepEqual(app.source.sent, [{ type: 'pause' }]);
  app.ui.unmount();
});

test('the state hooks refuse to work outside the container', async () => {
  const Probe = () => {
    useUiState();
    return null;
  };
  const errors: unknown[] = [];
  const original = console.error;
  console.error = () => {};
  try {
    const { lastFrame } = render(<Probe />);
    await settle();
    errors.push(lastFrame());
  } finally {
    console.error = original;
  }
  assert.match(String(errors[0]), /useUiState\(\) must be used inside <AppContainer>/);
});

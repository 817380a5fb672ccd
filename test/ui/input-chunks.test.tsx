/**
 * Keys that arrive together in one chunk (key repeat, fast typing over SSH, `tmux send-keys Tab Tab`,
 * a paste) all land, in order: each test writes them in ONE stdin write (app.type) and checks what
 * every key did. See ui/input/split-keys.ts and ui/hooks/useKeyCommands.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Annotation } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { waitFor } from './helpers/render-sized.js';

/** The note line of a mark; which rollout was marked is checked on the saved annotation (0-based). */
const NOTE_PROMPT = /^note on s\d+ g\d+ #\d+ trace (good|bad):/m;

test('"\\t\\t" in one chunk moves the focus two panels; four tabs and a shift-tab land too', async () => {
  const app = await startApp();
  await app.until(/\[groups\]/);
  app.type('\t\t');
  await app.until(/\[templates\]/);
  // templates -> annotations -> eval -> log -> groups, then shift-tab back to log
  app.type('\t\t\t\t' + KEYS.shiftTab);
  await app.until(/\[log\]/);
  app.ui.unmount();
});

test('"jj" in one chunk moves the selection two samples, and a key after it acts on the new one', async () => {
  const saved: Annotation[] = [];
  const app = await startApp({ onAnnotation: (a) => saved.push(a) });
  app.type('jjg');
  await app.until(NOTE_PROMPT);
  app.type(KEYS.enter);
  await waitFor(() => saved.length === 1, app.frame);
  assert.deepEqual([saved[0]!.group, saved[0]!.sample], [0, 2]);
  app.ui.unmount();
});

test('two arrows in one chunk both move, before the key that follows them', async () => {
  const saved: Annotation[] = [];
  const app = await startApp({ onAnnotation: (a) => saved.push(a) });
  app.type(KEYS.down + KEYS.down + KEYS.right + 'g');
  await app.until(NOTE_PROMPT);
  app.type(KEYS.enter);
  await waitFor(() => saved.length === 1, app.frame);
  assert.equal(saved[0]!.group, 1);
  app.type(KEYS.left + KEYS.up + KEYS.up + 'b' + KEYS.enter);
  await waitFor(() => saved.length === 2, app.frame);
  assert.equal(saved[1]!.group, 0);
  assert.equal(saved[1]!.verdict, 'bad');
  app.ui.unmount();
});

test('a pasted command arrives whole and enter runs it', async () => {
  const app = await startApp();
  app.type(':set optim.lr 1e-5');
  await app.until(/^:set optim\.lr 1e-5/m);
  assert.deepEqual(app.source.sent, []);
  app.type(KEYS.enter);
  await waitFor(() => app.source.sent.length === 1, app.frame);
  assert.deepEqual(app.source.sent, [{ type: 'set', key: 'optim.lr', value: '1e-5' }]);
  await app.until(/set optim\.lr = 1e-5/);
  app.ui.unmount();
});

test('a command typed fast with its enter in one chunk runs, and the keys after it act in the panels', async () => {
  const app = await startApp();
  app.type(':set optim.lr 1e-5\r\t');
  await app.until(/set optim\.lr = 1e-5/);
  assert.deepEqual(app.source.sent, [{ type: 'set', key: 'optim.lr', value: '1e-5' }]);
  await app.until(/\[trace\]/);
  app.ui.unmount();
});

test('a multi-line paste into the command line stays in the line: its later lines are not run as keys', async () => {
  let exited = 0;
  const app = await startApp({ onExit: () => exited++ });
  app.type(':');
  await app.until(/^:/m);
  app.type('set optim.lr 1e-5\nq');
  await app.until(/^:set optim\.lr 1e-5 q/m);
  assert.deepEqual(app.source.sent, []);
  assert.equal(exited, 0);
  app.type('\u007f\u007f' + KEYS.enter); // backspaces in a chunk edit in order, then enter runs it
  await waitFor(() => app.source.sent.length === 1, app.frame);
  assert.deepEqual(app.source.sent, [{ type: 'set', key: 'optim.lr', value: '1e-5' }]);
  app.ui.unmount();
});

test('a paste into the note prompt arrives as text; with its enter in the chunk it saves the mark', async () => {
  const saved: Annotation[] = [];
  const app = await startApp({ onAnnotation: (a) => saved.push(a) });
  app.type('g');
  await app.until(NOTE_PROMPT);
  app.type('keeps the carry\nbut loops');
  await app.until(/^note on .*: keeps the carry but loops/m);
  assert.equal(saved.length, 0, 'a line break inside a paste does not save the note');
  app.type(' twice\r');
  await waitFor(() => saved.length === 1, app.frame);
  assert.equal(saved[0]!.note, 'keeps the carry but loops twice');
  // The mark key, its note and enter, all in one chunk.
  app.type('jbtoo short\r');
  await waitFor(() => saved.length === 2, app.frame);
  assert.deepEqual([saved[1]!.sample, saved[1]!.verdict, saved[1]!.note], [1, 'bad', 'too short']);
  app.ui.unmount();
});

test('text pasted onto the dashboard (outside a text line) is ignored with a notice, not run as keys', async () => {
  let exited = 0;
  const saved: Annotation[] = [];
  const app = await startApp({ onExit: () => exited++, onAnnotation: (a) => saved.push(a) });
  app.type('the grader quit early\rso we');
  await app.until(/ignored 27 pasted characters: open the command line \(:\) or a note first/);
  assert.equal(exited, 0, 'its q did not quit');
  assert.equal(saved.length, 0, 'its g did not mark');
  // Keys typed fast still act.
  app.type('jjg');
  await app.until(NOTE_PROMPT);
  app.ui.unmount();
});

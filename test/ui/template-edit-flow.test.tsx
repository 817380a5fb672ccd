/**
 * `e` in the templates panel: the selected file of the run's prompts folder opens in $EDITOR (a fake
 * editor script here), is checked like the trainer loads it, and shows [pending] until the trainer's
 * next version bump, or [rejected] with the loader's error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KEYS, startApp } from './helpers/app.js';
import { editorScratch, withEditor } from './helpers/editor.js';
import { runStart, stepEvents } from './helpers/events.js';

const { promptsCopy, fakeEditor } = editorScratch('thinktune-edit-flow-');

/** The row of one file in the templates panel. */
const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => l.includes(name)) ?? '';

test("the templates panel lists the run's prompts folder; e edits, [pending] until the next version, [rejected] on a broken edit", async () => {
  const dir = promptsCopy('run-prompts');
  const app = await startApp({ size: { columns: 100, rows: 30 }, script: [runStart({ config: { guidance: { promptsDir: dir } } }), ...stepEvents(1)] });
  await app.press(KEYS.tab, KEYS.tab);
  await app.until(/\[templates\].*templates v1/);
  for (const name of ['teacher-instruction.txt', 'teacher-prompt.txt', 'self-critique.txt']) assert.match(app.frame(), new RegExp(name.replace('.', '\\.')));
  assert.match(app.frame().split('\n').at(-1)!, /e edit/, 'the key bar offers e');

  const file = join(dir, 'teacher-instruction.txt');
  await withEditor(fakeEditor(`fs.appendFileSync(file, 'Keep the feedback short.\\n');`), async () => {
    await app.press('e');
    await app.until(/teacher-instruction\.txt\s+v1\s+\[pending\]/);
  });
  assert.match(readFileSync(file, 'utf8'), /Keep the feedback short\.\n$/);
  assert.match(app.frame(), /1 pending/);
  assert.ok(
    app.ui.stdout.frames.some((f) => f.startsWith('\u001b[2J')),
    'the screen is cleared and redrawn after the editor',
  );

  // The trainer rejects some other problem first (no version bump): the edit stays pending.
  app.source.emitEvent({ type: 'templates', version: 1, changed: [], error: 'prompts/self-agreement.txt: is empty' });
  await app.until(/templates not reloaded/);
  assert.match(rowOf(app.frame(), 'teacher-instruction.txt'), /\[pending\]/);
  // The next step boundary takes the edit up: version 2, badge gone.
  app.source.emitEvent({ type: 'templates', version: 2, changed: ['teacher-instruction.txt'], error: null });
  await app.until(/teacher-instruction\.txt\s+v2\s*$/m);
  assert.match(app.frame(), /0 pending/);

  // A broken edit is reported at once with the loader's one-line error; the version in force stays.
  await withEditor(fakeEditor(`fs.writeFileSync(file, '# only a comment\\n');`), async () => {
    await app.press('e');
    await app.until(/teacher-instruction\.txt\s+v2\s+\[rejected\]/);
  });
  assert.match(app.frame(), /! .*teacher-instruction\.txt: is empty once # comment/);
  assert.match(app.frame(), /templates v2/);
  app.ui.unmount();
});

test('an edit that changes nothing, or only comments, is not pending; an editor that fails is reported', async () => {
  const dir = promptsCopy('same-text');
  const app = await startApp({ script: [runStart({ config: { guidance: { promptsDir: dir } } })] });
  await app.press(KEYS.tab, KEYS.tab, KEYS.down);
  await app.until(/> teacher-prompt\.txt/);
  await withEditor(fakeEditor('fs.readFileSync(file);'), async () => {
    await app.press('e');
    await app.until(/teacher-prompt\.txt: no change/);
  });
  await withEditor(fakeEditor(`fs.appendFileSync(file, '# a note for whoever edits this next\\n');`), async () => {
    await app.press('e');
    await app.until(/same text as the version in force/);
  });
  assert.doesNotMatch(rowOf(app.frame(), 'teacher-prompt.txt'), /\[pending\]/);
  await withEditor(fakeEditor('process.exit(4);'), async () => {
    await app.press('e');
    await app.until(/the editor `.*` exited with status 4/);
  });
  app.ui.unmount();
});

test('e before the trainer reported its prompts folder explains itself', async () => {
  const app = await startApp();
  await app.press(KEYS.tab, KEYS.tab, 'e');
  await app.until(/no prompts folder known yet/);
  app.ui.unmount();
});

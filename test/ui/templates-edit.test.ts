import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { editorCommand, openInEditor, validateTemplateEdit } from '../../ui/templates/edit.js';
import { editorScratch, withEditor } from './helpers/editor.js';

const { root, promptsCopy, fakeEditor } = editorScratch('thinktune-edit-');

test('validateTemplateEdit: null for the shipped prompts, the loader error for a broken copy', () => {
  assert.equal(validateTemplateEdit(promptsCopy('ok')), null);

  const noPlaceholder = promptsCopy('layout');
  const layout = join(noPlaceholder, 'teacher-prompt.txt');
  writeFileSync(layout, readFileSync(layout, 'utf8').replace(/\{\{\s*response\s*\}\}/g, ''));
  assert.match(validateTemplateEdit(noPlaceholder) ?? '', /teacher-prompt\.txt: missing \{\{response\}\}/);

  const empty = promptsCopy('empty');
  writeFileSync(join(empty, 'self-critique.txt'), '# only a comment\n');
  const err = validateTemplateEdit(empty);
  assert.match(err ?? '', /self-critique\.txt: is empty/);
  assert.ok(!(err ?? '').includes('\n'), 'one line');

  const nonAscii = promptsCopy('ascii');
  writeFileSync(
    join(nonAscii, 'self-agreement.txt'),
    readFileSync(join(nonAscii, 'self-agreement.txt'), 'utf8').replace('Question: ', 'Question: \u201cquoted\u201d '),
  );
  assert.match(validateTemplateEdit(nonAscii) ?? '', /self-agreement\.txt: line \d+ has .*ASCII/);
  assert.equal(validateTemplateEdit(nonAscii, { asciiOnly: false }), null, "the run's load options are honoured");
});

test('editorCommand splits $EDITOR and falls back to vi', () => {
  assert.deepEqual(editorCommand({}), ['vi']);
  assert.deepEqual(editorCommand({ EDITOR: '  ' }), ['vi']);
  assert.deepEqual(editorCommand({ EDITOR: 'code --wait' }), ['code', '--wait']);
});

test('openInEditor runs $EDITOR on the file and reports whether it changed', async () => {
  const file = join(root, 'note.txt');
  writeFileSync(file, 'before\n');
  const appended = await withEditor(fakeEditor(`fs.appendFileSync(file, 'edited\\n');`), () => openInEditor(file));
  assert.deepEqual(appended, { changed: true });
  assert.equal(readFileSync(file, 'utf8'), 'before\nedited\n');
  const untouched = await withEditor(fakeEditor(`fs.readFileSync(file);`), () => openInEditor(file));
  assert.deepEqual(untouched, { changed: false });
});

test('openInEditor hands raw mode to the editor and takes it back, also when the editor fails', async () => {
  const file = join(root, 'raw.txt');
  writeFileSync(file, 'x');
  const calls: string[] = [];
  // A tty stdin in raw mode that a second Ink hook keeps raw after Ink's own setRawMode(false).
  const stdin = {
    isTTY: true,
    isRaw: true,
    setRawMode(on: boolean) {
      calls.push(`tty:${on}`);
      this.isRaw = on;
    },
  };
  const ink = (on: boolean): void => void calls.push(`ink:${on}`);
  await withEditor(fakeEditor(`if (process.stdin.isRaw) process.exit(9);`), () => openInEditor(file, { stdin, setRawMode: ink }));
  assert.deepEqual(calls, ['ink:false', 'tty:false', 'ink:true', 'tty:true']);
  assert.equal(stdin.isRaw, true);

  calls.length = 0;
  await assert.rejects(
    withEditor(fakeEditor('process.exit(3);'), () => openInEditor(file, { stdin, setRawMode: ink })),
    /exited with status 3/,
  );
  assert.deepEqual(calls, ['ink:false', 'tty:false', 'ink:true', 'tty:true']);

  await assert.rejects(
    withEditor('thinktune-no-such-editor-xyz', () => openInEditor(file)),
    /could not start the editor `thinktune-no-such-editor-xyz`.*set \$EDITOR/,
  );
});

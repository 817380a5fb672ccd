import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventMessage, type WorkerMessage } from '../../ui/protocol.js';
import { initialUiState } from '../../ui/state/initial.js';
import { uiReducer } from '../../ui/state/reducer.js';
import type { UiState } from '../../ui/state/types.js';
import type { TrainEvent } from '../../src/trainer/events.js';
import { runStart } from './helpers/events.js';

const msg = (event: TrainEvent) => ({ type: 'message' as const, msg: eventMessage(event) as WorkerMessage, at: 0 });
const row = (s: UiState, name: string) => s.templates.files.find((f) => f.name === name)!;
const listed = () =>
  uiReducer(uiReducer(initialUiState(), msg(runStart())), {
    type: 'templates-listed',
    dir: '/run/prompts',
    files: [
      { name: 'a.txt', hash: 'h-a' },
      { name: 'b.txt', hash: 'h-b' },
    ],
  });

test("the listing gives every file of the folder at version 1, in the folder's order", () => {
  const s = listed();
  assert.equal(s.templates.dir, '/run/prompts');
  assert.equal(s.templates.version, 1);
  assert.deepEqual(
    s.templates.files.map((f) => [f.name, f.version, f.pending, f.hash]),
    [
      ['a.txt', 1, false, 'h-a'],
      ['b.txt', 1, false, 'h-b'],
    ],
  );
});

test('a valid edit is pending through error answers and cleared by the next version bump', () => {
  let s = uiReducer(listed(), { type: 'template-edited', name: 'a.txt', error: null, hash: 'h-a2', at: 0 });
  assert.equal(row(s, 'a.txt').pending, true);
  s = uiReducer(s, msg({ type: 'templates', version: 1, changed: [], error: 'b.txt: is empty' }));
  assert.equal(row(s, 'a.txt').pending, true, 'the folder was rejected; the edit waits for it to be valid');
  s = uiReducer(s, msg({ type: 'templates', version: 2, changed: ['a.txt'], error: null }));
  assert.deepEqual([row(s, 'a.txt').pending, row(s, 'a.txt').version, row(s, 'a.txt').hash], [false, 2, 'h-a2']);
  assert.deepEqual(
    s.templates.files.map((f) => f.name),
    ['a.txt', 'b.txt'],
    "the order stays the folder's",
  );
  // Editing it back to the text now in force is not pending.
  s = uiReducer(s, { type: 'template-edited', name: 'a.txt', error: null, hash: 'h-a2', at: 0 });
  assert.equal(row(s, 'a.txt').pending, false);
});

test('a rejected edit shows the error and keeps the version; a restarted trainer drops the badges', () => {
  let s = uiReducer(listed(), { type: 'template-edited', name: 'b.txt', error: 'b.txt: missing {{response}}', hash: null, at: 0 });
  assert.deepEqual([row(s, 'b.txt').error, row(s, 'b.txt').pending, s.templates.version], ['b.txt: missing {{response}}', false, 1]);
  s = uiReducer(s, { type: 'template-edited', name: 'a.txt', error: null, hash: 'h-a2', at: 0 });
  s = uiReducer(s, msg(runStart({ resumedFrom: 'runs/demo/checkpoints/step-2', startStep: 2 })));
  assert.equal(s.templates.version, null);
  assert.equal(row(s, 'a.txt').pending, false);
});

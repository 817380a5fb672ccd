/** A template broken outside the dashboard: its reason is shown in full, and the [rejected] badge goes once a reload succeeds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { templateLines } from '../../ui/panels/TemplatesPanel.js';
import { startApp } from './helpers/app.js';
import { runStart } from './helpers/events.js';

const REASON = 'prompts/self-critique.txt: missing the {{problem}} placeholder; add it where the problem text should go, or remove the file';

test('the reason wraps in full even when the file is not selected, at any width', () => {
  const files = [
    { name: 'a.txt', version: 1, pending: false, error: null },
    { name: 'self-critique.txt', version: 1, pending: false, error: REASON },
  ];
  for (const width of [40, 60, 80]) {
    const rows = templateLines(files, 0, width, 20).map((l) => l.map((s) => s.text).join(''));
    const reason = rows.slice(3).map((r) => r.trim().replace(/^! /, ''));
    assert.equal(reason.join(' '), REASON, `width ${width}`);
    assert.ok(rows.every((r) => [...r].length <= width));
  }
});

test('fixed outside the dashboard and reloaded: the badge clears even with no new version', async () => {
  const app = await startApp({
    size: { columns: 80, rows: 24 },
    script: [
      runStart(),
      { type: 'templates', version: 1, changed: ['a.txt', 'self-critique.txt'], error: null },
      { type: 'templates', version: 1, changed: ['self-critique.txt'], error: REASON },
    ],
  });
  await app.press('3');
  await app.until(/\[templates\]/);
  assert.match(app.frame(), /self-critique\.txt +v1 +\[rejected\]/);
  assert.match(app.frame(), /or remove the file/, 'the reason is not cut');
  // The person fixes the file back to the text in force and presses r: the trainer reloads, nothing changed.
  await app.press('r');
  app.source.emitEvent({ type: 'templates', version: 1, changed: [], error: null });
  await app.until(/0 rejected/);
  assert.doesNotMatch(app.frame(), /\[rejected\]|missing the/);
  app.ui.unmount();
});

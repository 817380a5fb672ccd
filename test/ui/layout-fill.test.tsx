/** At 120x40 the dashboard uses its height: taller charts, not twenty blank rows under a short panel. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from './helpers/app.js';

const blankRows = (frame: string) => frame.split('\n').filter((l) => l.trim() === '').length;

test('at 120x40 the frame is 39 lines with at most 12 blank', async () => {
  const app = await startApp({ size: { columns: 120, rows: 40 } });
  const frame = app.frame();
  assert.equal(frame.split('\n').length, 39);
  assert.ok(blankRows(frame) <= 12, `${blankRows(frame)} blank rows:\n${frame}`);
  app.ui.unmount();
});

// When the dashboard draws and when it falls back to plain lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInteractive } from '../../ui/start.js';

test('the dashboard needs a terminal on both ends, a real TERM, and no CI', () => {
  const tty = { isTTY: true };
  assert.equal(isInteractive(tty, tty, {}), true);
  assert.equal(isInteractive({ isTTY: false }, tty, {}), false, 'piped output');
  assert.equal(isInteractive(tty, { isTTY: false }, {}), false, 'no keyboard');
  assert.equal(isInteractive(tty, tty, { TERM: 'dumb' }), false);
  assert.equal(isInteractive(tty, tty, { CI: 'true' }), false, 'Ink draws only the last frame in CI');
  assert.equal(isInteractive(tty, tty, { CI: 'false' }), true);
  assert.equal(isInteractive(tty, tty, { CI: '0' }), true);
});

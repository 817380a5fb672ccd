/** Tab in the ':' line completes command names, then the keys `:set` may change mid-run (and other arguments). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settableKeys } from '../../src/config/train-config.js';
import { completeCommandLine } from '../../ui/commands.js';
import { KEYS, startApp } from './helpers/app.js';
import { waitFor } from './helpers/render-sized.js';

test('a unique prefix completes with a space; an ambiguous one extends to the common part and lists the rest', () => {
  assert.deepEqual(completeCommandLine('se'), { text: 'set ', candidates: [] });
  assert.deepEqual(completeCommandLine('s'), { text: 's', candidates: ['set', 'save', 'step', 'stop'] });
  assert.deepEqual(completeCommandLine('set gr'), { text: 'set grpo.', candidates: settableKeys().filter((k) => k.startsWith('grpo.')) });
  assert.deepEqual(completeCommandLine('set optim.l'), { text: 'set optim.lr ', candidates: [] });
  assert.deepEqual(completeCommandLine('theme d'), { text: 'theme dark ', candidates: [] });
  assert.deepEqual(completeCommandLine('set '), { text: 'set ', candidates: settableKeys() });
});

test('nothing to complete leaves the line as it is', () => {
  assert.deepEqual(completeCommandLine('zz'), { text: 'zz', candidates: [] });
  assert.deepEqual(completeCommandLine('set optim.lr 1'), { text: 'set optim.lr 1', candidates: [] });
  assert.deepEqual(completeCommandLine('save x'), { text: 'save x', candidates: [] });
  assert.deepEqual(completeCommandLine('set run.name'), { text: 'set run.name', candidates: [] }, 'only settable keys');
});

test(':se then Tab reads :set , optim. then Tab lists the optim keys, l Tab completes and enter sends it', async () => {
  const app = await startApp();
  await app.command('se');
  await app.press(KEYS.tab);
  await app.until(/^:set/m);
  await app.press(...'optim.');
  await app.until(/^:set optim\./m);
  await app.press(KEYS.tab);
  await app.until(/^:set optim\. +optim\.lr optim\.weightDecay optim\.gradClip/m);
  await app.press('l', KEYS.tab);
  await app.until(/^:set optim\.lr\s*$/m);
  await app.press(...'1e-5', KEYS.enter);
  await waitFor(() => app.source.sent.length === 1, app.frame);
  assert.deepEqual(app.source.sent, [{ type: 'set', key: 'optim.lr', value: '1e-5' }]);
  assert.match(app.frame(), /\[groups\]│ trace/, 'Tab did not move the focus');
  app.ui.unmount();
});

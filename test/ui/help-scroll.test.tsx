/** The help overlay scrolls when it does not fit (80x24 cuts it), and shifted keys read as shift+letter. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { DEFAULT_KEYMAP } from '../../ui/keys.js';
import { HelpOverlay, helpView } from '../../ui/panels/HelpOverlay.js';
import { DEFAULT_DISPLAY } from '../../ui/state/initial.js';
import { KEYS, startApp } from './helpers/app.js';
import { waitFor } from './helpers/render-sized.js';

const PAGE_DOWN = '\u001b[6~';
const PAGE_UP = '\u001b[5~';

test('at 80x24 the help says there is more below, and page down reaches :q and shift+g', async () => {
  const app = await startApp({ size: { columns: 80, rows: 24 } });
  await app.press('2'); // the trace panel has g/b and G/B
  await app.press('?');
  await app.until(/help: esc or \? closes/);
  assert.match(app.frame(), /more below \(\d+ more\)/);
  assert.doesNotMatch(app.frame(), /^:q /m);
  await app.press(PAGE_DOWN, PAGE_DOWN, PAGE_DOWN);
  await app.until(/:q +save, stop and quit/);
  assert.match(app.frame(), /end of help/);
  assert.match(app.frame(), /shift\+g +mark the rollout's teacher fee/);
  assert.match(app.frame(), /shift\+b +mark the rollout's teacher fee/);
  assert.match(app.frame(), /\bg +mark the rollout trace good/);
  assert.equal(app.frame().split('\n').length, 23, 'the overlay stays inside the frame');
  // Back to the top: the first rows show again, and the panel underneath did not move.
  await app.press(PAGE_UP, PAGE_UP, PAGE_UP, KEYS.up);
  await app.until(/more below/);
  assert.match(app.frame(), /toggle|pause or resume training/);
  await app.press(KEYS.esc);
  await waitFor(() => !/help: esc/.test(app.frame()), app.frame);
  await app.press('?');
  await app.until(/more below/); // reopened at the top
  app.ui.unmount();
});

test('down scrolls one row; the scroll stops at the end', () => {
  const view = helpView(DEFAULT_KEYMAP, 'trace', false, 80, 19);
  assert.ok(view.maxScroll > 0);
  const top = render(<HelpOverlay bindings={DEFAULT_KEYMAP} focus="trace" width={80} height={19} display={DEFAULT_DISPLAY} scroll={0} />);
  const past = render(<HelpOverlay bindings={DEFAULT_KEYMAP} focus="trace" width={80} height={19} display={DEFAULT_DISPLAY} scroll={999} />);
  const end = render(<HelpOverlay bindings={DEFAULT_KEYMAP} focus="trace" width={80} height={19} display={DEFAULT_DISPLAY} scroll={view.maxScroll} />);
  assert.equal(past.lastFrame(), end.lastFrame());
  assert.notEqual(top.lastFrame(), end.lastFrame());
  assert.equal(end.lastFrame()!.split('\n').length, 19);
  for (const r of [top, past, end]) r.unmount();
});

test('a tall screen shows all of the help with no scroll line', () => {
  const view = helpView(DEFAULT_KEYMAP, 'groups', false, 200, 50);
  assert.equal(view.maxScroll, 0);
  const r = render(<HelpOverlay bindings={DEFAULT_KEYMAP} focus="groups" width={200} height={50} display={DEFAULT_DISPLAY} />);
  assert.doesNotMatch(r.lastFrame()!, /more below|end of help/);
  r.unmount();
});

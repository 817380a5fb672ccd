/**
 * NO_COLOR: colour escape codes appear with colour on and none with NO_COLOR set. Chalk decides its
 * colour level when first imported, so FORCE_COLOR is set before Ink is loaded (dynamic imports);
 * without it the test's piped stdout would make every frame colourless and the test meaningless.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.FORCE_COLOR = '1';
const { startApp, KEYS } = await import('./helpers/app.js');

/** SGR foreground/background colour codes (30-37, 38;..., 40-47, 48;..., 90-97, 100-107). */
// eslint-disable-next-line no-control-regex
const COLOUR = /\u001b\[(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]/;

async function framesOf(env: Record<string, string>): Promise<string[]> {
  const app = await startApp({ env });
  const frames = [app.frame()];
  for (let i = 0; i < 5; i++) {
    await app.press(KEYS.tab);
    frames.push(app.frame());
  }
  await app.press('?');
  frames.push(app.frame());
  app.ui.unmount();
  return frames;
}

test('colour is used by default', async () => {
  const frames = await framesOf({});
  assert.ok(frames.some((f) => COLOUR.test(f)));
});

test('NO_COLOR removes every colour from every panel', async () => {
  const frames = await framesOf({ NO_COLOR: '1' });
  frames.forEach((f, i) => assert.doesNotMatch(f, COLOUR, `frame ${i}:\n${JSON.stringify(f)}`));
});

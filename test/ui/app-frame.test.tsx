import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord } from '../../src/trainer/events.js';
import type { ScriptEntry } from '../../ui/sources/scripted.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart, stepEvents } from './helpers/events.js';
import { lineWidths, waitFor } from './helpers/render-sized.js';

/** A long, messy run: long multi-line texts, many groups, a flood of long warnings, bad messages. */
function heavyScript(): ScriptEntry[] {
  const script: ScriptEntry[] = [runStart({ runName: 'a-very-long-run-name-that-goes-on-and-on-'.repeat(3) })];
  script.push({ type: 'templates', version: 4, changed: Array.from({ length: 30 }, (_, i) => `style-${i}.md`), error: null });
  for (let step = 0; step < 20; step++) {
    const rollouts: RolloutRecord[] = [];
    for (let g = 0; g < 8; g++) {
      for (let i = 0; i < 8; i++) {
        const student = `Line one of a long answer.\n${'word '.repeat(200)}\n\ttabbed\tline`;
        const teacher = i === 7 ? `\nWait, recheck: ${'because '.repeat(50)}` : '';
        rollouts.push(
          rollout(step, g, i, {
            text: student + teacher,
            guided: i === 7,
            teacherSpan: i === 7 ? [student.length, student.length + teacher.length] : null,
            style: i === 7 ? 'critique' : null,
            teacherTokenWeights: i === 7 ? Array(60).fill(0.5) : null,
          }),
        );
      }
    }
    script.push(...stepEvents(step).filter((e) => e.type !== 'rollouts'), { type: 'rollouts', step, rollouts });
    script.push({ type: 'warning', message: `warning ${step}: ${'this is a very long warning message '.repeat(8)}` });
    script.push({ raw: { v: 1, kind: 'event', event: { type: 'step', step: 'bad' } } });
  }
  return script;
}

function assertFits(frame: string, columns: number, rows: number, what: string): void {
  const lines = frame.split('\n');
  assert.ok(lines.length <= rows - 1, `${what}: ${lines.length} lines at ${columns}x${rows}:\n${frame}`);
  const widths = lineWidths(frame);
  assert.ok(Math.max(...widths) <= columns, `${what}: a line of ${Math.max(...widths)} columns at ${columns}x${rows}:\n${frame}`);
}

test('at 80x24 the frame never exceeds 24 lines or 80 columns, in every panel and overlay', async () => {
  const app = await startApp({ size: { columns: 80, rows: 24 }, script: heavyScript(), onAnnotation: () => {} });
  assertFits(app.frame(), 80, 24, 'groups');
  await app.press(KEYS.down, KEYS.down, 'g', ...'a note that is far longer than the line it is typed on, '.repeat(3));
  await app.until(/note on s20 g1 #3 trace good: /); // the 20th step (index 19), 1st group, 3rd sample
  assertFits(app.frame(), 80, 24, 'note line');
  await app.press(KEYS.enter);
  for (const panel of ['trace', 'templates', 'annotations', 'eval', 'log']) {
    await app.press(KEYS.tab);
    await app.until(new RegExp(`\\[${panel}\\]`));
    assertFits(app.frame(), 80, 24, panel);
    await app.press(KEYS.down, KEYS.down, '\u001b[6~');
    assertFits(app.frame(), 80, 24, `${panel} after scrolling`);
  }
  await app.press('?');
  await app.until(/help: esc/);
  assertFits(app.frame(), 80, 24, 'help');
  await app.press(KEYS.esc, ':', ...'set some.really.long.key.name '.repeat(5));
  assertFits(app.frame(), 80, 24, 'command line');
  app.ui.unmount();
});

test('the layout adapts on resize and stays inside the screen at every size', async () => {
  const app = await startApp({ size: { columns: 80, rows: 24 }, script: heavyScript() });
  const ui = app.ui as unknown as { resize(c: number, r: number): void };
  for (const [columns, rows] of [
    [120, 40],
    [50, 14],
    [200, 60],
    [72, 20],
    [40, 12],
    [100, 30],
  ] as const) {
    ui.resize(columns, rows);
    // The dashboard fills exactly rows - 1 lines; wait for the frame drawn at the new size.
    await waitFor(() => app.frame().split('\n').length === rows - 1 && app.frame().includes('[groups]'), app.frame);
    assertFits(app.frame(), columns, rows, `resized to ${columns}x${rows}`);
  }
  ui.resize(30, 10);
  await app.until(/too small: 30x10\nneed 40x12/);
  assertFits(app.frame(), 30, 10, 'too small');
  ui.resize(80, 24);
  await app.until(/\[groups\]/);
  app.ui.unmount();
});

test('the compact layout preference trades charts for panel lines', async () => {
  const app = await startApp({ size: { columns: 80, rows: 24 } });
  const full = app.frame().split('\n').length;
  await app.press(':', ...'layout compact', KEYS.enter);
  await app.until(/^thinktune.*tok\/s/m);
  assert.equal(app.frame().split('\n').length, full);
  assert.doesNotMatch(app.frame(), /^unguided/m);
  app.ui.unmount();
});

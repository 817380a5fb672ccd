/**
 * The completion table (key 8) on the whole dashboard at 80x24 and 120x40: every rollout of the shown
 * step, a `/` search typed in one chunk, Esc cancelling a search, the guided / truncated / reward filters
 * and x, the cursor and Enter into the trace inspector, and [ reaching a step read back from rollouts.jsonl.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { CAPACITY } from '../../ui/state/initial.js';
import { KEYS, startApp } from './helpers/app.js';
import { rollout, runStart, stepMetrics } from './helpers/events.js';
import { lineWidths } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-table-'));
after(() => rmSync(root, { recursive: true, force: true }));

const PROBLEMS = ['Sam packs 3 boxes of 4 pens. How many pens?', 'Ivy has 4 bags with 4 apples each. How many apples?'];

/**
 * Two groups of four, one problem each, in the arithmetic task's template: sample 2 (1-based) answers 7 (wrong, reward 0), sample 3 is cut at the length
 * limit, sample 4 is guided. Each text names its step, 1-based.
 */
function rolloutsOf(step: number): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  for (let g = 0; g < 2; g++)
    for (let i = 0; i < 4; i++) {
      const answer = i === 1 ? 7 : (g + 3) * 4;
      const text = `Step ${step + 1} try ${i + 1}: ${g + 3} x 4 = ${answer}. The answer is \\boxed{${answer}}.`;
      out.push(
        rollout(step, g, i, {
          prompt: `Question: ${PROBLEMS[g]}\nAnswer: `,
          text,
          studentSpan: [0, text.length],
          reward: i === 1 ? 0 : 1,
          rewards: { correct: i === 1 ? 0 : 1, format: 1 },
          advantage: i === 1 ? -1.5 : 0.5,
          truncated: i === 2,
          guided: i === 3,
          style: i === 3 ? 'self-critique' : null,
        }),
      );
    }
  return out;
}

function script(runDir: string, steps: number): TrainEvent[] {
  writeFileSync(join(runDir, 'rollouts.jsonl'), '');
  const events: TrainEvent[] = [runStart({ runDir, totalSteps: 150 })];
  for (let n = 0; n < steps; n++) {
    const rollouts = rolloutsOf(n);
    appendFileSync(join(runDir, 'rollouts.jsonl'), rollouts.map((r) => `${JSON.stringify(r)}\n`).join(''));
    events.push({ type: 'step-start', step: n }, { type: 'rollouts', step: n, rollouts }, { type: 'step', step: n, metrics: stepMetrics(n) });
  }
  return events;
}

const tableRowsOf = (frame: string) => frame.split('\n').filter((l) => /^[> ] {1,2}\d+ {1,2}\d+ /.test(l));

test('at 80x24: every rollout, a / search typed in one chunk, esc cancels, filters, the cursor and enter', async () => {
  const runDir = mkdtempSync(join(root, 'run-'));
  const app = await startApp({ script: script(runDir, 3), size: { columns: 80, rows: 24 } });
  await app.press('8');
  await app.until(/\[completions\]/);
  await app.until(/step 3 · 8 rollouts · no filter/);
  assert.equal(tableRowsOf(app.frame()).length, 8, app.frame());
  assert.match(app.frame(), /g\s+#\s+f\s+prompt\s+completion\s+reward correct\s+format\s+adv/);
  assert.match(app.frame(), /· prompts "Question: … Answer:"/, 'the template every prompt shares, said once');
  assert.match(app.frame(), /^> {2}1 {2}1 {4}Sam packs 3\.\. Step 3 try 1:\.\.boxed\{12\}\. +1\.00 +1\.00 +1\.00 +\+0\.50 *$/m);
  assert.match(app.frame(), /^ {3}2 {2}4 T {2}Ivy has 4 b\.\. /m, 'the guided marker');
  assert.match(app.frame(), /^ {3}1 {2}3 {2}~ /m, 'the truncated marker');
  for (const w of lineWidths(app.frame())) assert.ok(w <= 80, app.frame());

  // The whole search in one write, as a terminal hands over fast typing or a paste.
  app.type('/boxed{7}\r');
  await app.until(/showing 2: \/"boxed\{7\}"/);
  const rows = tableRowsOf(app.frame());
  assert.deepEqual(
    rows.map((l) => l.slice(0, 8).trim()),
    ['>  1  2', '2  2'],
  );
  assert.ok(
    rows.every((l) => l.includes('\\boxed{7}')),
    'the cell shows the match',
  );

  // The table narrows while the search is typed; Esc leaves the applied one as it was.
  app.type('/zzz');
  await app.until(/^\/zzz/m);
  await app.until(/showing 0: \/"zzz"/);
  await app.press(KEYS.esc);
  await app.until(/press \? for help|started on/);
  assert.match(app.frame(), /showing 2: \/"boxed\{7\}"/);
  assert.doesNotMatch(app.frame(), /^\/zzz/m);

  // Enter on an empty search line removes the text filter; t, c and r filter; x clears all.
  app.type('/\r');
  await app.until(/no filter/);
  await app.press('t');
  await app.until(/showing 2: guided/);
  assert.ok(tableRowsOf(app.frame()).every((l) => / T {2}/.test(l)));
  await app.press('t', 'c');
  await app.until(/showing 2: truncated/);
  await app.press('c', 'r');
  await app.until(/showing 6: reward > 0/);
  await app.press('r');
  await app.until(/showing 2: reward = 0/);
  await app.press('t');
  await app.until(/showing 0: guided · reward = 0/);
  assert.match(app.frame(), /none of them match; x clears the filter/);
  await app.press('x');
  await app.until(/no filter/);

  // Two keys in one chunk move the cursor twice; enter shows that rollout in the trace inspector.
  app.type('jj');
  await app.until(/\[completions\].* 3\/8/);
  assert.match(app.frame(), /^> {2}1 {2}3 {2}~ /m);
  await app.press(KEYS.enter);
  await app.until(/\[trace\].*g 1\/2 · #3\/4/);
  assert.match(app.frame(), /Step 3 try 3: 3 x 4 = 12/);
  app.ui.unmount();
});

test('[ reaches any step of the run in the table, read back from rollouts.jsonl; the filter stays', async () => {
  const runDir = mkdtempSync(join(root, 'run-'));
  const steps = CAPACITY.rolloutSteps + 4;
  const app = await startApp({ script: script(runDir, steps), size: { columns: 80, rows: 24 } });
  await app.press('8');
  await app.until(new RegExp(`step ${steps} · 8 rollouts`));
  app.type('/try 2\r');
  await app.until(/showing 2: \/"try 2"/);
  for (let i = 0; i < steps - 1; i++) await app.press('[');
  await app.until(/step 1 · 8 rollouts · showing 2: \/"try 2"/);
  const rows = tableRowsOf(app.frame());
  assert.equal(rows.length, 2);
  assert.ok(
    rows.every((l) => l.includes('Step 1 try 2')),
    app.frame(),
  );
  await app.press('f');
  await app.until(new RegExp(`step ${steps} · 8 rollouts · showing 2`));
  app.ui.unmount();
});

test('at 120x40 the prompt and completion cells are wider; ? lists the table keys', async () => {
  const runDir = mkdtempSync(join(root, 'run-'));
  const app = await startApp({ script: script(runDir, 2), size: { columns: 120, rows: 40 } });
  await app.press('8');
  await app.until(/step 2 · 8 rollouts/);
  assert.match(app.frame(), /^> {2}1 {2}1 {4}Sam packs 3 bo\.\.many pens\? Step 2 try 1: 3 x 4 = 12\. The answer is \\boxed\{12\}\. +1\.00/m);
  for (const w of lineWidths(app.frame())) assert.ok(w <= 120, app.frame());
  await app.press('?');
  await app.until(/in completions/);
  for (const help of [/search prompts and completions/, /only guided rollouts/, /reward filter: any, > 0, = 0/, /clear the search and every filter/]) {
    assert.match(app.frame(), help);
  }
  app.ui.unmount();
});

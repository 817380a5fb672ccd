/**
 * `:eval` alone opens a pick list of the run's checkpoints (plus the base model) and data sets (plus a
 * typed JSONL path); every marked pair is queued; `x` in the eval panel cancels the selected job.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { evalModelChoices } from '../../ui/eval/choices.js';
import { evalMessage } from '../../ui/protocol.js';
import type { EvalLauncher } from '../../ui/sources/types.js';
import type { EvalRequest } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { runStart } from './helpers/events.js';
import { lineWidths } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-eval-menu-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder with complete checkpoints step-10 and step-20 and an unfinished step-30 (no trainer state). */
function runFolder(): string {
  const runDir = join(root, 'run');
  for (const step of [10, 20, 30]) mkdirSync(join(runDir, 'checkpoints', `step-${step}`), { recursive: true });
  for (const step of [10, 20]) writeFileSync(join(runDir, 'checkpoints', `step-${step}`, 'trainer_state.json'), '{"completedSteps": 1}\n');
  return runDir;
}

function fakeLauncher() {
  const started: EvalRequest[] = [];
  const cancelled: string[] = [];
  const reports = new Map<string, (msg: unknown) => void>();
  const launcher: EvalLauncher = {
    start(req, report) {
      started.push(req);
      reports.set(req.id, report);
    },
    cancel(id) {
      cancelled.push(id);
      reports.get(id)?.(evalMessage({ type: 'eval-cancelled', id }));
    },
  };
  return { launcher, started, cancelled, reports };
}

test('the model choices are the complete checkpoints, newest first, then the base model', () => {
  const runDir = runFolder();
  const run = { name: 'run', runDir, totalSteps: 50, startStep: 0, backend: 'wasm', backendReason: '', resumedFrom: null };
  const choices = evalModelChoices({ ...run, config: { model: { checkpoint: 'models/tiny' } } }, root);
  assert.deepEqual(
    choices.map((c) => c.label),
    ['step-20', 'step-10', `base  ${join(process.cwd(), 'models/tiny')}`],
  );
  assert.deepEqual(choices[0], { label: 'step-20', value: join('run', 'checkpoints', 'step-20') }, 'paths inside the working folder are relative');
  assert.deepEqual(evalModelChoices({ ...run, config: { model: { checkpoint: 'builtin' } } }).at(-1), { label: 'base  builtin', value: 'builtin' });
});

test(':eval picks models x data sets, several queue; e reopens it; x cancels the selected job', async () => {
  const runDir = runFolder();
  const dataFile = join(root, 'my-problems.jsonl');
  writeFileSync(dataFile, '{"question": "1+1", "answer": "2"}\n');
  const { launcher, started, cancelled, reports } = fakeLauncher();
  const app = await startApp({
    size: { columns: 80, rows: 24 },
    evalLauncher: launcher,
    script: [runStart({ runDir, config: { model: { checkpoint: 'builtin' } } })],
  });

  await app.press(':', ...'eval', KEYS.enter);
  await app.until(/evaluate: space marks/);
  const menu = app.frame();
  assert.match(menu, /> \[ \] step-20 +\[ \] arith-test/);
  assert.match(menu, /\[ \] step-10 +\[ \] arith-validation/);
  assert.match(menu, /\[ \] base {2}builtin +\[ \] file: \(type a JSONL path\)/);
  assert.doesNotMatch(menu, /step-30/, 'an unfinished checkpoint is not offered');
  assert.ok(Math.max(...lineWidths(menu)) <= 80 && menu.split('\n').length <= 23, 'the pick list fits the screen');
  assert.match(menu.split('\n').at(-1)!, /space mark .*⏎ queue .*esc close/);

  await app.press(' ', KEYS.down, ' ', KEYS.right, ' ', KEYS.enter);
  // The temp run folder lies outside the working folder, so its paths stay absolute.
  assert.deepEqual(
    started.map((r) => [r.model, r.data]),
    [
      [join(runDir, 'checkpoints', 'step-20'), 'arith-test'],
      [join(runDir, 'checkpoints', 'step-10'), 'arith-test'],
    ],
  );
  await app.until(/\[eval\].*2 jobs, 2 active/);

  // e reopens the list; typing goes to the path row; a missing file keeps the list open.
  await app.press('e');
  await app.until(/evaluate: space marks/);
  await app.press(...'nowhere.jsonl', KEYS.enter);
  await app.until(/no such file: nowhere\.jsonl/);
  for (let i = 0; i < 'nowhere.jsonl'.length; i++) await app.press('\u007f');
  await app.press(...dataFile, KEYS.enter);
  await app.until(/3 jobs, 3 active/);
  assert.deepEqual(started.at(-1)?.data, dataFile);

  // The first job finishes; x on it explains; down then x cancels the second.
  const first = started[0]!.id;
  reports.get(first)!(evalMessage({ type: 'eval-start', id: first, model: started[0]!.model, data: 'arith-test', total: 4 }));
  reports.get(first)!(evalMessage({ type: 'eval-result', id: first, result: { 'pass@1': 0.5 } }));
  await app.until(/2 active/);
  await app.press('x');
  await app.until(new RegExp(`${first} is done; select a queued or running job`));
  assert.deepEqual(cancelled, []);
  await app.press(KEYS.down, 'x');
  assert.deepEqual(cancelled, [started[1]!.id]);
  await app.until(/3 jobs, 1 active/);
  assert.match(app.frame(), /- eval-\S+ +cancelled/);
  app.ui.unmount();
});

test(':eval without an evaluator says so instead of opening the list', async () => {
  const app = await startApp();
  await app.press(':', ...'eval', KEYS.enter);
  await app.until(/no evaluator is attached/);
  assert.doesNotMatch(app.frame(), /evaluate: space marks/);
  app.ui.unmount();
});

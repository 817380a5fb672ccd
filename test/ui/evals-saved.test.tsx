/**
 * Evaluation results outlive the dashboard: a finished job is one line of the run folder's evals.jsonl,
 * the checkpoint it evaluated is marked kept, and a dashboard that meets the run again (after
 * run-start, or `thinktune watch RUN_DIR`) lists the saved results with model and data set as
 * separate columns that fit 80 columns.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { EvalRecord } from '../../src/eval/records.js';
import { isKept } from '../../src/trainer/run-dir.js';
import { AppContainer } from '../../ui/AppContainer.js';
import { readSavedEvals } from '../../ui/eval/saved.js';
import { evalMessage } from '../../ui/protocol.js';
import { watchRunFolder } from '../../ui/sources/files.js';
import type { EvalLauncher } from '../../ui/sources/types.js';
import type { EvalRequest } from '../../ui/state/types.js';
import { KEYS, startApp } from './helpers/app.js';
import { runStart } from './helpers/events.js';
import { lineWidths, renderSized, waitFor } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-evals-saved-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder with config.json and complete checkpoints step-11 and step-22. */
function runFolder(name: string): string {
  const runDir = join(root, name);
  for (const step of [11, 22]) {
    mkdirSync(join(runDir, 'checkpoints', `step-${step}`, 'thinktune'), { recursive: true });
    writeFileSync(join(runDir, 'checkpoints', `step-${step}`, 'thinktune', 'state.json'), `{"completedSteps": ${step}}\n`);
  }
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ run: { totalSteps: 40 }, model: { checkpoint: 'builtin' } }));
  return runDir;
}

const record = (over: Partial<EvalRecord>): EvalRecord => ({
  id: 'eval-a',
  time: '2026-12-03T15:00:00.000Z',
  checkpoint: 'checkpoints/step-11',
  step: 11,
  data: 'arith-test',
  limit: null,
  samples: 1,
  metrics: { 'pass@1': 0.4126, reflection_rate: 0.12, mean_length: 31.46, termination_rate: 0.98, n: 200 },
  command: 'thinktune eval --model checkpoints/step-11 --data arith-test',
  ...over,
});

const evalsFile = (runDir: string) => join(runDir, 'evals.jsonl');
const savedLines = (runDir: string) => (existsSync(evalsFile(runDir)) ? readFileSync(evalsFile(runDir), 'utf8').split('\n').filter(Boolean) : []);

/** Two results of the same checkpoint on two data sets, and a torn last line. */
function writeSaved(runDir: string): void {
  const lines = [
    record({}),
    record({ id: 'eval-b', data: 'arith-validation', metrics: { 'pass@1': 0.38, reflection_rate: 0.09, mean_length: 29.8, termination_rate: 0.97, n: 200 } }),
  ].map((r) => JSON.stringify(r) + '\n');
  writeFileSync(evalsFile(runDir), lines.join('') + '{"id":"eval-c","ti');
}

/** The results rows of a frame: model and data in their own columns, then the metrics. */
function assertResultRows(frame: string): void {
  assert.match(frame, /^model +data +pass@1 +reflection_rate +mean_length/m, frame);
  assert.match(frame, /^step-11 +arith-test +0\.413 +0\.120 +31\.5/m, frame);
  assert.match(frame, /^step-11 +arith-validation +0\.380 +0\.090 +29\.8/m, frame);
  assert.ok(Math.max(...lineWidths(frame)) <= 80, 'fits 80 columns');
}

function fakeLauncher() {
  const started: EvalRequest[] = [];
  const reports = new Map<string, (msg: unknown) => void>();
  const launcher: EvalLauncher = {
    start(req, report) {
      started.push(req);
      reports.set(req.id, report);
    },
    cancel() {},
  };
  return { launcher, started, reports };
}

test('a finished evaluation is saved as one line of evals.jsonl and its checkpoint is kept', async () => {
  const runDir = runFolder('save');
  const model = join(runDir, 'checkpoints', 'step-11');
  const { launcher, started, reports } = fakeLauncher();
  const app = await startApp({
    size: { columns: 80, rows: 24 },
    evalLauncher: launcher,
    script: [runStart({ runDir, config: { model: { checkpoint: 'builtin' } } })],
  });
  await app.command(`eval ${model} arith-validation`);
  await app.press(KEYS.enter);
  await waitFor(() => started.length === 1, app.frame);
  assert.ok(isKept(model), 'a checkpoint picked for evaluation is protected from rotation at once');
  assert.equal(isKept(join(runDir, 'checkpoints', 'step-22')), false);

  const id = started[0]!.id;
  reports.get(id)!(evalMessage({ type: 'eval-start', id, model, data: 'arith-validation', total: 4 }));
  reports.get(id)!(evalMessage({ type: 'eval-result', id, result: { 'pass@1': 0.5, mean_length: 30 } }));
  await waitFor(() => savedLines(runDir).length === 1, app.frame);
  const saved = JSON.parse(savedLines(runDir)[0]!) as EvalRecord;
  assert.deepEqual(
    { ...saved, time: 'T' },
    {
      id,
      time: 'T',
      checkpoint: 'checkpoints/step-11',
      step: 11,
      data: 'arith-validation',
      limit: null,
      samples: 1,
      metrics: { 'pass@1': 0.5, mean_length: 30 },
      command: `thinktune eval --model ${model} --data arith-validation --prompt-config ${join(runDir, 'config.json')}`,
    },
  );
  assert.ok(Math.abs(Date.parse(saved.time) - Date.now()) < 60_000);
  app.ui.unmount();
});

test('the live dashboard lists the saved results after run-start: model and data as columns in 80 columns', async () => {
  const runDir = runFolder('reload');
  writeSaved(runDir);
  const app = await startApp({ size: { columns: 80, rows: 30 }, script: [runStart({ runDir })] });
  await app.until(/loaded 2 earlier evaluation results/);
  for (let i = 0; i < 4; i++) await app.press(KEYS.tab);
  await app.until(/^model +data/m);
  const frame = app.frame();
  assertResultRows(frame);
  assert.match(frame, /^\+ eval-a +done +step-11 +arith-test$/m, 'the job line shows the data set whole');
  app.ui.unmount();
  assert.equal(readSavedEvals(runDir).skipped, 0, 'the torn last line is skipped without a warning');
  assert.equal(savedLines(runDir).length, 3, 'loading writes nothing');
});

test('thinktune watch RUN_DIR lists the saved results too', async () => {
  const runDir = runFolder('watch');
  writeSaved(runDir);
  const source = watchRunFolder(runDir, { pollMs: 20 });
  const ui = renderSized(<AppContainer source={source} env={{}} coalesceMs={0} />, { columns: 80, rows: 30 });
  const frame = () => ui.lastFrame() ?? '';
  await waitFor(() => /loaded 2 earlier evaluation results/.test(frame()), frame);
  for (let i = 0; i < 4; i++) {
    ui.stdin.write(KEYS.tab);
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => /^model +data/m.test(frame()), frame);
  assertResultRows(frame());
  source.close();
  ui.unmount();
});

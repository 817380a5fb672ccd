// The generated-token budget of a compute-matched run (src/compare/budget.ts) on a real tiny run: it
// stops at the first step whose cumulative generated tokens reach the budget, saves there, ends as
// 'completed', and repeats the unbudgeted run's steps exactly up to that point; a budget that
// run.totalSteps cuts short says so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';
import { parseTrainConfig, type TrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { driveRun } from '../../src/compare/budget.js';
import { generatedTokensOf, runFacts } from '../../src/compare/run-facts.js';

let work = '';
let config: TrainConfig;
before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'tt-budget-'));
  config = parseTrainConfig({
    model: { checkpoint: saveTinyModel(5) },
    data: { promptsPerStep: 2 },
    grpo: { groupSize: 2, maxNewTokens: 12 },
    guidance: { enabled: false },
    run: { totalSteps: 5, saveEvery: 0, seed: 2 },
  });
});

async function drive(name: string, budget: number | null) {
  const runDir = join(work, name);
  const lines: string[] = [];
  const events: TrainEvent[] = [];
  const printer = new ProgressPrinter({ totalSteps: config.run.totalSteps });
  const trainer = await Trainer.create({ config, runDir });
  try {
    const out = await driveRun(trainer, {
      budget,
      onEvent: (e) => {
        events.push(e);
        const line = printer.line(e);
        if (line) lines.push(line.text);
      },
    });
    const rollouts = readFileSync(join(runDir, 'rollouts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutRecord);
    const perStep = Array.from({ length: out.steps }, (_, s) => rollouts.filter((r) => r.step === s).reduce((n, r) => n + generatedTokensOf(r), 0));
    return { out, lines, events, perStep, runDir };
  } finally {
    trainer.dispose();
  }
}

test('generated tokens of a rollout: student tokens, teacher tokens, the end token when there is one', () => {
  assert.equal(generatedTokensOf({ studentTokens: 10, teacherTokens: 0, endedBy: 'end-token', terminated: true, truncated: false }), 11);
  assert.equal(generatedTokensOf({ studentTokens: 10, teacherTokens: 30, endedBy: 'end-token', terminated: true, truncated: false }), 41);
  assert.equal(generatedTokensOf({ studentTokens: 12, teacherTokens: 0, endedBy: 'length', terminated: false, truncated: true }), 12);
  assert.equal(generatedTokensOf({ studentTokens: 7, teacherTokens: 0, endedBy: 'stop-string', terminated: true, truncated: false }), 7);
});

test("a budget stops the run after the first step that reaches it; the steps before are the unbudgeted run's", { timeout: 120_000 }, async () => {
  const full = await drive('full', null);
  assert.deepEqual([full.out.steps, full.out.budgetReached, full.out.error], [5, null, null]);
  assert.equal(
    full.out.generatedTokens,
    full.perStep.reduce((a, b) => a + b, 0),
  );
  assert.equal(runFacts(full.runDir).generatedTokens, full.out.generatedTokens);
  assert.equal(runFacts(full.runDir).updateSteps, 5);

  // Reached during step 3 (index 2): one token more than steps 1-2 generated.
  const budget = full.perStep[0] + full.perStep[1] + 1;
  const cut = await drive('cut', budget);
  assert.deepEqual([cut.out.steps, cut.out.budgetReached, cut.out.error], [3, true, null]);
  assert.deepEqual(cut.perStep, full.perStep.slice(0, 3), 'the same seed gives the same steps');
  assert.equal(cut.out.generatedTokens, full.perStep[0] + full.perStep[1] + full.perStep[2]);
  assert.ok(cut.out.checkpoint!.endsWith(join('checkpoints', 'step-3')), cut.out.checkpoint!);
  // Headless lines as `thinktune train` prints them, a normal end that says the budget was reached (no
  // "stopping"), and the done event a child's parent reads (children.ts) carrying the tokens spent.
  assert.equal(cut.lines.at(-1), `done after step 3 (completed: generated-token budget reached, ${cut.out.generatedTokens} >= ${budget} tokens)`);
  assert.deepEqual(cut.events.at(-1), { type: 'done', step: 3, reason: 'completed', budget: { tokens: cut.out.generatedTokens, budget } });
  assert.ok(!cut.lines.some((l) => l.includes('stopping')));
  assert.equal(cut.lines.filter((l) => l.startsWith('step ')).length, 3);

  const short = await drive('short', full.out.generatedTokens + 1);
  assert.deepEqual([short.out.steps, short.out.budgetReached, short.out.error], [5, false, null]);
  assert.ok(!short.lines.some((l) => l.includes('budget reached')), short.lines.join('\n'));
  assert.deepEqual(short.events.at(-1), { type: 'done', step: 5, reason: 'completed' });
});

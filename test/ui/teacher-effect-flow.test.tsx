/**
 * The teacher panel on the whole dashboard: verdicts counted as rollouts arrive (per step, across the
 * run), the shown step's guided rollouts listed with their answers before and after, and [ ] browsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { startApp } from './helpers/app.js';
import { rollout, runStart, stepMetrics } from './helpers/events.js';

function guided(step: number, group: number, sample: number, before: string, after: string): RolloutRecord {
  const student = `2 + 2 = ${before}. The answer is \\boxed{${before}}.`;
  const text = `${student}\n\nWait, let me check. The answer is \\boxed{${after}}.`;
  return rollout(step, group, sample, {
    text,
    studentSpan: [0, student.length],
    teacherSpan: [student.length + 2, text.length],
    guided: true,
    style: 'self-critique',
    teacherTokens: 9,
  });
}

const step = (n: number, rollouts: RolloutRecord[]): TrainEvent[] => [
  { type: 'step-start', step: n },
  { type: 'rollouts', step: n, rollouts },
  { type: 'step', step: n, metrics: stepMetrics(n) },
];

test("the teacher panel counts verdicts over the run and lists the shown step's guided rollouts", async () => {
  const script = [
    runStart(),
    ...step(0, [guided(0, 0, 1, '5', '4'), guided(0, 1, 0, '4', '4'), rollout(0, 0, 0)]),
    ...step(1, [guided(1, 0, 2, '4', '7'), rollout(1, 0, 0)]),
    ...step(2, [rollout(2, 0, 0), rollout(2, 1, 0)]),
  ];
  const app = await startApp({ script, size: { columns: 80, rows: 24 } });
  await app.press('7');
  await app.until(/\[teacher\]/);
  await app.until(/3 guided in 2 of 3 steps: fixed 1 · broke 1 · kept right 1 · kept wrong 0/);
  assert.match(app.frame(), /step 3: no guided rollouts; the newest step with some is step 2/);
  await app.press('[');
  await app.until(/step 2 · 1 guided · 0 fixed · 1 broke/);
  assert.match(app.frame(), />\s+1\s+3\s+4\s+7\s+broke\s+critique/);
  await app.press('[');
  await app.until(/step 1 · 2 guided · 1 fixed · 0 broke/);
  assert.match(app.frame(), /1\s+2\s+5\s+4\s+fixed/);
  assert.match(app.frame(), /2\s+1\s+4\s+4\s+kept right/);
  for (const l of app.frame().split('\n')) assert.ok(l.length <= 80, l);
  app.ui.unmount();
});

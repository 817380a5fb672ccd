// The teacher-effect panel: the run's verdict totals, the per-step fixed-minus-broke chart, and each
// guided rollout of the shown step with its answer before and after the feedback, at 80 columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { teacherEffectLines, totalEffect } from '../../ui/panels/TeacherEffectPanel.js';
import type { StepEffect } from '../../ui/state/types.js';

const text = (l: { text: string }[]) => l.map((s) => s.text).join('');

function record(group: number, sample: number, student: string, teacher: string | null, answer = '12'): RolloutRecord {
  const full = teacher === null ? student : `${student}\n\n${teacher}`;
  return {
    step: 3,
    group,
    sample,
    promptId: `p${group}`,
    prompt: 'q',
    text: full,
    studentSpan: [0, student.length],
    teacherSpan: teacher === null ? null : [student.length + 2, full.length],
    studentTokens: 5,
    teacherTokens: teacher === null ? 0 : 5,
    guided: teacher !== null,
    style: teacher === null ? null : 'self-consultation',
    feedback: null,
    noFeedbackReason: null,
    reward: 0,
    rewards: {},
    advantage: 0,
    terminated: true,
    truncated: false,
    answer,
    teacherTokenWeights: null,
    templateVersion: 1,
  };
}

const history: StepEffect[] = [
  { step: 0, guided: 2, fixed: 1, broke: 0, 'kept-right': 1, 'kept-wrong': 0 },
  { step: 1, guided: 0, fixed: 0, broke: 0, 'kept-right': 0, 'kept-wrong': 0 },
  { step: 2, guided: 3, fixed: 2, broke: 1, 'kept-right': 0, 'kept-wrong': 0 },
];

test("totals, the chart and the shown step's guided rollouts with before / after / verdict", () => {
  const step = {
    step: 3,
    rollouts: [record(0, 0, '\\boxed{7}', 'Wait. \\boxed{12}'), record(0, 1, '\\boxed{12}', null), record(1, 0, '\\boxed{12}', 'Hmm. \\boxed{5}')],
  };
  const lines = teacherEffectLines({ step, history, selected: 1, width: 80, height: 12, color: false }).map(text);
  assert.equal(lines[0], '5 guided in 2 of 3 steps: fixed 3 · broke 1 · kept right 1 · kept wrong 0');
  assert.match(lines[1], /^fixed-broke per step .+ {2}\+1$/);
  assert.equal(lines[2], 'step 4 · 2 guided · 1 fixed · 1 broke');
  assert.match(lines[3], /^ {2}g +# +before +after +verdict +style$/);
  assert.match(lines[4], /^ {2}1 +1 +7 +12 +fixed +consult$/, 'group and sample 1-based, as on the header');
  assert.match(lines[5], /^> 2 +1 +12 +5 +broke +consult$/, 'the selected row');
  assert.equal(lines.length, 6, 'the unguided rollout is not listed');
  for (const l of lines) assert.ok(l.length <= 80, l);
  assert.deepEqual(totalEffect(history), { guided: 5, fixed: 3, broke: 1, 'kept-right': 1, 'kept-wrong': 0 });
});

test('a step without guided rollouts points at the newest one that had some', () => {
  const step = { step: 9, rollouts: [record(0, 0, '\\boxed{12}', null)] };
  const lines = teacherEffectLines({ step, history, selected: 0, width: 80, height: 8, color: false }).map(text);
  assert.equal(lines.at(-1), 'step 10: no guided rollouts; the newest step with some is step 3 (browse with [ and ])');
  assert.ok(teacherEffectLines({ step, history, selected: 0, width: 80, height: 2 }).length <= 2, 'clipped to its height');
});

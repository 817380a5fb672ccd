// The teacher's effect on a guided rollout: the student's last answer before the feedback, the last
// answer after it, and the verdict against the gold answer, on hand-made records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countVerdicts, teacherEffect, type GuidedRolloutLike } from '../../src/eval/teacher-effect.js';

function guided(student: string, teacher: string, answer: string): GuidedRolloutLike {
  const text = `${student}\n\n${teacher}`;
  return { text, studentSpan: [0, student.length], teacherSpan: [student.length + 2, text.length], guided: true, answer };
}

test('each verdict from the answers before and after the feedback', () => {
  const cases: [GuidedRolloutLike, string | null, string | null, string][] = [
    [guided('3 x 4 = 7. \\boxed{7}', 'Wait, 3 x 4 is 12. The answer is \\boxed{12}.', '12'), '7', '12', 'fixed'],
    [guided('3 x 4 = 12. \\boxed{12}', 'Wait, that is 7. The answer is \\boxed{7}.', '12'), '12', '7', 'broke'],
    [guided('\\boxed{12}', 'Checking again: \\boxed{12.0}.', '12'), '12', '12.0', 'kept-right'],
    [guided('\\boxed{5}', 'Wait. The answer is \\boxed{6}.', '12'), '5', '6', 'kept-wrong'],
    // A student part with no answer yet (cut off) that the teacher completes.
    [guided('3 x 4 =', 'The answer is \\boxed{12}.', '12'), null, '12', 'fixed'],
  ];
  for (const [r, before, after, verdict] of cases) assert.deepEqual(teacherEffect(r), { before, after, verdict }, r.text);
});

test('unguided rollouts have no effect; counts add up over a step', () => {
  const plain: GuidedRolloutLike = { text: '\\boxed{12}', studentSpan: [0, 10], teacherSpan: null, guided: false, answer: '12' };
  assert.equal(teacherEffect(plain), null);
  const counts = countVerdicts([
    plain,
    guided('\\boxed{7}', '\\boxed{12}', '12'),
    guided('\\boxed{8}', '\\boxed{12}', '12'),
    guided('\\boxed{12}', '\\boxed{7}', '12'),
  ]);
  assert.deepEqual(counts, { guided: 3, fixed: 2, broke: 1, 'kept-right': 0, 'kept-wrong': 0 });
});

/** A hand-built Rollout with only what the update stages read; ended with end token 1 unless truncated. */
import type { Rollout } from '../../src/trainer/rollout.js';

export function rollout(
  group: number,
  sample: number,
  prompt: number[],
  student: number[],
  advantage: number,
  o: { teacher?: number[]; truncated?: boolean } = {},
): Rollout {
  return {
    group,
    sample,
    problem: { id: `p${group}`, question: '', answer: '' },
    promptText: '',
    promptIds: prompt,
    studentIds: student,
    teacherIds: o.teacher ?? [],
    studentText: '',
    teacherText: '',
    ended: !o.truncated,
    endId: o.truncated ? null : 1,
    truncated: !!o.truncated,
    guided: (o.teacher ?? []).length > 0,
    style: null,
    feedback: null,
    noFeedbackReason: null,
    reward: null,
    rewards: {},
    advantage,
  };
}

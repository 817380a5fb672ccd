/** Helpers for panel tests: a RolloutRecord builder and measurements of a rendered frame. */
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import type { RolloutRecord } from '../../../src/trainer/events.js';

/** A guided rollout: 'Student says 3 + 4 = 7.' followed by a teacher part, with weights. */
export function rollout(over: Partial<RolloutRecord> = {}): RolloutRecord {
  const student = 'He gives away 3 + 4 = 7 stickers. 20 - 7 = 13. The answer is \\boxed{13}.';
  const teacher = ' Wait... each of the 3 friends gets 4 stickers, so 3 * 4 = 12. Then 20 - 12 = 8. The answer is \\boxed{8}.';
  return {
    step: 12,
    group: 3,
    sample: 0,
    promptId: 'gsm8k-0042',
    prompt: 'Sam has 20 stickers. He gives each of 3 friends 4 stickers. How many does he keep?',
    text: student + teacher,
    studentSpan: [0, student.length],
    teacherSpan: [student.length, student.length + teacher.length],
    studentTokens: 31,
    teacherTokens: 27,
    guided: true,
    style: 'self-conflict',
    feedback: { opinion: 'incorrect', reason: 'Each friend gets 4, so multiply.', phrase: 'Then 20 - 12 = 8. The answer is \\boxed{8}.' },
    noFeedbackReason: null,
    reward: 1,
    rewards: { correctness: 1, format: 0.5 },
    advantage: 0.8712,
    terminated: true,
    truncated: false,
    answer: '8',
    teacherTokenWeights: Array.from({ length: 27 }, (_, i) => 0.1 + (0.9 * i) / 26),
    templateVersion: 3,
    ...over,
  };
}

/** An unguided rollout with the given sample index and advantage. */
export function plain(sample: number, advantage: number, reward: number | null = 0): RolloutRecord {
  const text = `Attempt ${sample}: 20 - 7 = 13, so the answer is \\boxed{13}.`;
  return rollout({
    sample,
    advantage,
    reward,
    text,
    studentSpan: [0, text.length],
    teacherSpan: null,
    teacherTokens: 0,
    guided: false,
    style: null,
    feedback: null,
    teacherTokenWeights: null,
  });
}

/** The rows of a frame, escape codes removed. */
export const rows = (frame: string | undefined): string[] => stripVTControlCharacters(frame ?? '').split('\n');

/**
 * Check that every row of `frame` fits `width` columns and there are at most `height` rows; returns the
 * rows without the blank ones Ink adds below the content to fill the panel's height.
 */
export function assertFits(frame: string | undefined, width: number, height: number): string[] {
  const r = rows(frame);
  assert.ok(r.length <= height, `${r.length} rows > height ${height}:\n${r.join('\n')}`);
  for (const row of r) assert.ok(Array.from(row).length <= width, `row wider than ${width}: '${row}'`);
  while (r.length > 0 && r[r.length - 1].trim() === '') r.pop();
  return r;
}

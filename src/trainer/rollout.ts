/**
 * A rollout as the trainer handles it: token ids of the prompt, of the student's part and (when the
 * teacher guided it) of the teacher's appended part, plus what the reward and loss need.
 */
import type { TeacherFeedback } from '../rl/feedback.js';
import type { Problem } from '../tasks/datasets.js';

export interface Rollout {
  group: number;
  sample: number;
  problem: Problem;
  promptText: string;
  promptIds: number[];
  /** Student tokens, end token excluded. */
  studentIds: number[];
  /** Teacher tokens appended after the student's part ("\n\n" + reason + "\n\n" + phrase), end token excluded. */
  teacherIds: number[];
  studentText: string;
  teacherText: string;
  /** The completion ended: on a stop token (student stopped, or the teacher finished it) or a stop string. */
  ended: boolean;
  /**
   * The stop token that ends the completion (the one the student emitted: with Llama-3-Instruct
   * `<|eot_id|>`, not always the tokenizer's eos); null when it ended on a stop string or was truncated.
   */
  endId: number | null;
  /** The student hit maxNewTokens without an end token (never guided: not eligible). */
  truncated: boolean;
  guided: boolean;
  style: string | null;
  feedback: TeacherFeedback | null;
  noFeedbackReason: string | null;
  reward: number | null;
  rewards: Record<string, number | null>;
  advantage: number;
}

/** The completion tokens the loss sees: student + teacher + the end token when there is one. */
export function completionIds(r: Rollout): number[] {
  return [...r.studentIds, ...r.teacherIds, ...(r.endId !== null ? [r.endId] : [])];
}

export function completionText(r: Rollout): string {
  return r.studentText + r.teacherText;
}

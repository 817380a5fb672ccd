/**
 * What the training loop tells the world, and what it can be told, as plain serialisable objects.
 * The headless printer, the run folder and the dashboard's worker protocol all consume these.
 * Field names of metrics follow TRL (`reward`, `reward_std`, `clip_ratio/low_mean`, ...).
 */

/** One rollout of a group, as shown in the group view and written to rollouts.jsonl. */
export interface RolloutRecord {
  step: number;
  /** Prompt (group) index within the step, and sample index within the group. */
  group: number;
  sample: number;
  promptId: string;
  prompt: string;
  /** Full response text (student part + teacher part when guided). */
  text: string;
  /** Character spans within `text`. */
  studentSpan: [number, number];
  teacherSpan: [number, number] | null;
  /** Token counts of the student and teacher parts. */
  studentTokens: number;
  teacherTokens: number;
  guided: boolean;
  /** Feedback style used for a guided rollout; null otherwise. */
  style: string | null;
  /** Parsed teacher feedback (null when not guided or unparseable). */
  feedback: { opinion: string | null; reason: string; phrase: string } | null;
  /**
   * Why a chosen rollout got no feedback, else null: `teacher-error: <the call's error>` (TEACHER_ERROR_PREFIX)
   * or `unparseable: "<the teacher's reply, JSON-quoted, at most SAVED_REPLY_CHARS>"` (plain 'unparseable' in
   * older files).
   */
  noFeedbackReason: string | null;
  reward: number | null;
  rewards: Record<string, number | null>;
  advantage: number;
  terminated: boolean;
  truncated: boolean;
  /** What ended the student's part: an end token, a grpo.stop string, or the length cap (absent in older files). */
  endedBy?: 'end-token' | 'stop-string' | 'length';
  answer: string;
  /** Per-token weight of the teacher tokens under the shaping (trace inspector); null when unguided. */
  teacherTokenWeights: number[] | null;
  templateVersion: number;
}

/** Start of RolloutRecord.noFeedbackReason when the teacher call itself failed (the printer counts these). */
export const TEACHER_ERROR_PREFIX = 'teacher-error: ';
/** Start of RolloutRecord.noFeedbackReason when the teacher answered without the tags. */
export const UNPARSEABLE_PREFIX = 'unparseable';
/** Characters of an unparseable teacher reply kept in rollouts.jsonl (a long answer of a large teacher fits). */
export const SAVED_REPLY_CHARS = 16 * 1024;

export type StepMetrics = Record<string, number | null>;

export type TrainEvent =
  | {
      type: 'run-start';
      runDir: string;
      runName: string;
      totalSteps: number;
      startStep: number;
      backend: string;
      backendReason: string;
      config: unknown;
      resumedFrom: string | null;
      /** Steps finished when this process stops: totalSteps, or startStep + --max-steps if that is sooner (absent: totalSteps). */
      stopAt?: number;
    }
  | { type: 'step-start'; step: number }
  | { type: 'rollouts'; step: number; rollouts: RolloutRecord[] }
  | { type: 'teacher-feedback'; step: number; group: number; sample: number; style: string | null; ok: boolean; text: string }
  | { type: 'step'; step: number; metrics: StepMetrics }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'templates'; version: number; changed: string[]; error: string | null }
  | { type: 'setting'; key: string; value: unknown; ok: boolean; error: string | null }
  | { type: 'state'; state: 'running' | 'paused' | 'stopping' }
  | { type: 'warning'; message: string }
  | { type: 'done'; step: number; reason: 'completed' | 'stopped' | 'nan' }
  | { type: 'fatal'; message: string };

export type TrainCommand =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step-once' }
  | { type: 'stop'; save?: boolean }
  | { type: 'save' }
  | { type: 'reload-templates' }
  | { type: 'set'; key: string; value: unknown };

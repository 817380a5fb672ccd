/**
 * What the training loop tells the world, and what it can be told: zod schemas first, the TypeScript
 * types derived from them (z.output), so the contract is written once. The headless printer, the run
 * folder, `thinktune train --json` and the dashboard's worker protocol (protocol.ts wraps these in
 * versioned envelopes) all consume these plain serialisable objects.
 * Field names of metrics follow TRL (`reward`, `reward_std`, `clip_ratio/low_mean`, ...): metrics.ts.
 * Numbers that may be NaN or infinite (metrics, rewards, advantages) accept any JS number: worker_threads
 * messages are structured clones, so a NaN loss arrives as NaN and must still be shown; in JSON lines they
 * arrive as null where the schema allows it.
 */
import { z } from 'zod';

/** Any JS number, NaN and infinities included (z.number() rejects those). */
export const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
/** A whole number >= 0: steps, indices, counts. */
export const count = z.number().int().nonnegative();
/** A metric or reward: a number, or null when it does not apply (or was NaN in a JSON line). */
const metricValue = z.union([anyNumber, z.null()]);

/** Start of RolloutRecord.noFeedbackReason when the teacher call itself failed (the printer counts these). */
export const TEACHER_ERROR_PREFIX = 'teacher-error: ';
/** Start of RolloutRecord.noFeedbackReason when the teacher answered without the tags. */
export const UNPARSEABLE_PREFIX = 'unparseable';
/** Characters of an unparseable teacher reply kept in rollouts.jsonl (a long answer of a large teacher fits). */
export const SAVED_REPLY_CHARS = 16 * 1024;

/** One rollout of a group, as shown in the group view and written to rollouts.jsonl. */
export const RolloutRecordSchema = z.object({
  step: count,
  /** Prompt (group) index within the step, and sample index within the group (0-based; shown 1-based). */
  group: count,
  sample: count,
  promptId: z.string(),
  prompt: z.string(),
  /** Full response text (student part + teacher part when guided). */
  text: z.string(),
  /** Character spans within `text`. */
  studentSpan: z.tuple([count, count]),
  teacherSpan: z.tuple([count, count]).nullable(),
  /** Token counts of the student and teacher parts. */
  studentTokens: count,
  teacherTokens: count,
  guided: z.boolean(),
  /** Feedback style used for a guided rollout; null otherwise. */
  style: z.string().nullable(),
  /** Parsed teacher feedback (null when not guided or unparseable). */
  feedback: z.object({ opinion: z.string().nullable(), reason: z.string(), phrase: z.string() }).nullable(),
  /**
   * Why a chosen rollout got no feedback, else null: `teacher-error: <the call's error>` (TEACHER_ERROR_PREFIX)
   * or `unparseable: "<the teacher's reply, JSON-quoted, at most SAVED_REPLY_CHARS>"` (plain 'unparseable' in
   * older files).
   */
  noFeedbackReason: z.string().nullable(),
  reward: metricValue,
  /** Each reward function's value, by its name. */
  rewards: z.record(z.string(), metricValue),
  advantage: anyNumber,
  terminated: z.boolean(),
  truncated: z.boolean(),
  /** What ended the student's part: an end token, a grpo.stop string, or the length cap (absent in older files). */
  endedBy: z.enum(['end-token', 'stop-string', 'length']).optional(),
  answer: z.string(),
  /** Per-token weight of the teacher tokens under the shaping (trace inspector); null when unguided. */
  teacherTokenWeights: z.array(anyNumber).nullable(),
  templateVersion: count,
});
export type RolloutRecord = z.output<typeof RolloutRecordSchema>;

/** One step's metrics by name (metrics.ts lists the names); null = does not apply this step. */
export const StepMetricsSchema = z.record(z.string(), metricValue);
export type StepMetrics = z.output<typeof StepMetricsSchema>;

export const TrainEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-start'),
    runDir: z.string(),
    runName: z.string(),
    totalSteps: count,
    startStep: count,
    backend: z.string(),
    backendReason: z.string(),
    config: z.unknown(),
    resumedFrom: z.string().nullable(),
    /** Steps finished when this process stops: totalSteps, or startStep + --max-steps if that is sooner (absent: totalSteps). */
    stopAt: count.optional(),
  }),
  z.object({ type: z.literal('step-start'), step: count }),
  z.object({ type: z.literal('rollouts'), step: count, rollouts: z.array(RolloutRecordSchema) }),
  z.object({
    type: z.literal('teacher-feedback'),
    step: count,
    group: count,
    sample: count,
    style: z.string().nullable(),
    ok: z.boolean(),
    text: z.string(),
  }),
  z.object({ type: z.literal('step'), step: count, metrics: StepMetricsSchema }),
  z.object({ type: z.literal('checkpoint'), step: count, path: z.string() }),
  z.object({ type: z.literal('templates'), version: count, changed: z.array(z.string()), error: z.string().nullable() }),
  z.object({ type: z.literal('setting'), key: z.string(), value: z.unknown(), ok: z.boolean(), error: z.string().nullable() }),
  z.object({ type: z.literal('state'), state: z.enum(['running', 'paused', 'stopping']) }),
  z.object({ type: z.literal('warning'), message: z.string() }),
  z.object({
    type: z.literal('done'),
    step: count,
    reason: z.enum(['completed', 'stopped', 'nan']),
    /** A compute-matched run (compare's budget.ts) that stopped on its generated-token budget: how many it spent. */
    budget: z.object({ tokens: count, budget: count }).optional(),
  }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
]);
export type TrainEvent = z.output<typeof TrainEventSchema>;

export const TrainCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('step-once') }),
  z.object({ type: z.literal('stop'), save: z.boolean().optional() }),
  z.object({ type: z.literal('save') }),
  z.object({ type: z.literal('reload-templates') }),
  z.object({ type: z.literal('set'), key: z.string().min(1), value: z.unknown() }),
]);
export type TrainCommand = z.output<typeof TrainCommandSchema>;

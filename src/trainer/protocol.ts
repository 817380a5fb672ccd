/**
 * The typed, versioned messages between the training worker (and eval child processes) and the dashboard.
 *   worker -> UI:  {v: 1, kind: 'event', event: TrainEvent}
 *   eval   -> UI:  {v: 1, kind: 'eval', event: EvalEvent}
 *   UI -> worker:  {v: 1, kind: 'command', command: TrainCommand}
 * Both directions are validated with zod at the boundary: a message that does not parse becomes a
 * one-line warning in the UI (or the worker's log), never a crash.
 * Numbers that may be NaN or infinite (metrics, rewards) accept any JS number: worker_threads messages
 * are structured clones, so a NaN loss arrives as NaN and must still be shown.
 */
import { z } from 'zod';
import type { TrainCommand, TrainEvent } from './events.js';

export const PROTOCOL_VERSION = 1 as const;

/** Any JS number, NaN and infinities included (z.number() rejects those). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
const count = z.number().int().nonnegative();
const metricValue = z.union([anyNumber, z.null()]);

const FeedbackSchema = z.object({ opinion: z.string().nullable(), reason: z.string(), phrase: z.string() });

export const RolloutRecordSchema = z.object({
  step: count,
  group: count,
  sample: count,
  promptId: z.string(),
  prompt: z.string(),
  text: z.string(),
  studentSpan: z.tuple([count, count]),
  teacherSpan: z.tuple([count, count]).nullable(),
  studentTokens: count,
  teacherTokens: count,
  guided: z.boolean(),
  style: z.string().nullable(),
  feedback: FeedbackSchema.nullable(),
  noFeedbackReason: z.string().nullable(),
  reward: metricValue,
  rewards: z.record(z.string(), metricValue),
  advantage: anyNumber,
  terminated: z.boolean(),
  truncated: z.boolean(),
  endedBy: z.enum(['end-token', 'stop-string', 'length']).optional(),
  answer: z.string(),
  teacherTokenWeights: z.array(anyNumber).nullable(),
  templateVersion: count,
});

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
  z.object({ type: z.literal('step'), step: count, metrics: z.record(z.string(), metricValue) }),
  z.object({ type: z.literal('checkpoint'), step: count, path: z.string() }),
  z.object({ type: z.literal('templates'), version: count, changed: z.array(z.string()), error: z.string().nullable() }),
  z.object({ type: z.literal('setting'), key: z.string(), value: z.unknown(), ok: z.boolean(), error: z.string().nullable() }),
  z.object({ type: z.literal('state'), state: z.enum(['running', 'paused', 'stopping']) }),
  z.object({ type: z.literal('warning'), message: z.string() }),
  z.object({ type: z.literal('done'), step: count, reason: z.enum(['completed', 'stopped', 'nan']) }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
]);

export const TrainCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('step-once') }),
  z.object({ type: z.literal('stop'), save: z.boolean().optional() }),
  z.object({ type: z.literal('save') }),
  z.object({ type: z.literal('reload-templates') }),
  z.object({ type: z.literal('set'), key: z.string().min(1), value: z.unknown() }),
]);

/** Progress of one evaluation child process, keyed by the job id the UI gave it. */
export const EvalEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('eval-start'), id: z.string(), model: z.string(), data: z.string(), total: count }),
  z.object({ type: z.literal('eval-progress'), id: z.string(), done: count, total: count }),
  z.object({ type: z.literal('eval-result'), id: z.string(), result: z.record(z.string(), anyNumber) }),
  z.object({ type: z.literal('eval-error'), id: z.string(), error: z.string() }),
  z.object({ type: z.literal('eval-cancelled'), id: z.string() }),
]);
export type EvalEvent = z.output<typeof EvalEventSchema>;

// Compile-time proof that the schemas describe exactly the contract in src/trainer/events.ts:
// if either side changes without the other, these lines stop type-checking.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventsMatch: Same<z.output<typeof TrainEventSchema>, TrainEvent> = true;
const commandsMatch: Same<z.output<typeof TrainCommandSchema>, TrainCommand> = true;
void eventsMatch;
void commandsMatch;

export interface EventMessage {
  v: typeof PROTOCOL_VERSION;
  kind: 'event';
  event: TrainEvent;
}
export interface EvalMessage {
  v: typeof PROTOCOL_VERSION;
  kind: 'eval';
  event: EvalEvent;
}
export interface CommandMessage {
  v: typeof PROTOCOL_VERSION;
  kind: 'command';
  command: TrainCommand;
}
/** What flows into the UI. */
export type WorkerMessage = EventMessage | EvalMessage;

export type ParseResult<T> = { ok: true; msg: T } | { ok: false; error: string };

export const eventMessage = (event: TrainEvent): EventMessage => ({ v: PROTOCOL_VERSION, kind: 'event', event });
export const evalMessage = (event: EvalEvent): EvalMessage => ({ v: PROTOCOL_VERSION, kind: 'eval', event });
export const commandMessage = (command: TrainCommand): CommandMessage => ({ v: PROTOCOL_VERSION, kind: 'command', command });

/** Validate a message arriving at the UI. Never throws. */
export function parseWorkerMessage(raw: unknown): ParseResult<WorkerMessage> {
  const envelope = checkEnvelope(raw, ['event', 'eval']);
  if (!envelope.ok) return envelope;
  const { kind, body } = envelope;
  if (kind === 'event') {
    const parsed = TrainEventSchema.safeParse(body);
    if (!parsed.success) return { ok: false, error: describeIssue('event', body, parsed.error) };
    return { ok: true, msg: { v: PROTOCOL_VERSION, kind: 'event', event: parsed.data } };
  }
  const parsed = EvalEventSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeIssue('eval event', body, parsed.error) };
  return { ok: true, msg: { v: PROTOCOL_VERSION, kind: 'eval', event: parsed.data } };
}

/** Validate a command arriving at the worker. Never throws. */
export function parseCommandMessage(raw: unknown): ParseResult<CommandMessage> {
  const envelope = checkEnvelope(raw, ['command']);
  if (!envelope.ok) return envelope;
  const parsed = TrainCommandSchema.safeParse(envelope.body);
  if (!parsed.success) return { ok: false, error: describeIssue('command', envelope.body, parsed.error) };
  return { ok: true, msg: { v: PROTOCOL_VERSION, kind: 'command', command: parsed.data } };
}

type Envelope = { ok: true; kind: string; body: unknown } | { ok: false; error: string };

function checkEnvelope(raw: unknown, kinds: readonly string[]): Envelope {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: `invalid message: expected an object like {v: 1, kind, ...}, got ${preview(raw)}` };
  }
  const m = raw as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      error: `invalid message: protocol version ${preview(m.v)}, this dashboard speaks v${PROTOCOL_VERSION}; run the trainer and the dashboard from the same thinktune install`,
    };
  }
  if (typeof m.kind !== 'string' || !kinds.includes(m.kind)) {
    return { ok: false, error: `invalid message: kind ${preview(m.kind)} is not one of ${kinds.join(', ')}` };
  }
  const body = m.kind === 'command' ? m.command : m.event;
  return { ok: true, kind: m.kind, body };
}

function describeIssue(what: string, body: unknown, error: z.ZodError): string {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  const issue = error.issues[0];
  if (issue && issue.path.length === 1 && issue.path[0] === 'type') {
    return `invalid ${what}: unknown type ${preview(type)}`;
  }
  const where = issue ? issue.path.map(String).join('.') : '';
  const label = typeof type === 'string' ? `${what} '${type}'` : what;
  return `invalid ${label}: ${where ? `${where}: ` : ''}${issue?.message ?? 'does not match the protocol'}`;
}

function preview(v: unknown): string {
  if (v === undefined) return 'undefined';
  let s: string;
  try {
    s = typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/** What the dashboard hands the training worker when it starts it (worker_threads workerData). */
export interface WorkerStart {
  configFile?: string;
  sets?: string[];
  runDir?: string;
  resume?: boolean;
  /** A new run over the one already in runDir (its logs and checkpoints removed). */
  overwrite?: boolean;
  maxSteps?: number;
  /** Forced backend name (else the first that loads). */
  backend?: string;
}

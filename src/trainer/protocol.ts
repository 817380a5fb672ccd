/**
 * The typed, versioned messages at every process boundary, one format for all of them:
 *   training -> reader:  {v: 1, kind: 'event', event: TrainEvent}    (events.ts)
 *   eval     -> reader:  {v: 1, kind: 'eval', event: EvalEvent}
 *   reader   -> worker:  {v: 1, kind: 'command', command: TrainCommand}
 * The dashboard's worker thread posts them; `thinktune train --json` and `thinktune eval --json` print
 * them one per line on stdout (jsonLine), which is how `compare`'s children and the dashboard's eval
 * queue are read (child-process.ts). The human-readable lines (print.ts) are for people, never parsed.
 * Every message is validated with zod where it arrives: one that does not parse becomes a one-line
 * warning in the UI (or the worker's log), never a crash.
 * Numbers that may be NaN or infinite (metrics, rewards) accept any JS number: worker_threads messages
 * are structured clones, so a NaN loss arrives as NaN and must still be shown.
 */
import { z } from 'zod';
import { anyNumber, count, TrainCommandSchema, TrainEventSchema, type TrainCommand, type TrainEvent } from './events.js';

// The messages' bodies, for readers that import the protocol alone (the dashboard reads rollouts.jsonl with these).
export { RolloutRecordSchema, TrainCommandSchema, TrainEventSchema } from './events.js';
export type { RolloutRecord, StepMetrics, TrainCommand, TrainEvent } from './events.js';

export const PROTOCOL_VERSION = 1 as const;

/**
 * Progress of one evaluation, keyed by a job id: what `thinktune eval --json --job-id ID` prints (the
 * dashboard's queue passes its job id) and what the dashboard's eval queue reports.
 */
export const EvalEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('eval-start'), id: z.string(), model: z.string(), data: z.string(), total: count }),
  z.object({ type: z.literal('eval-progress'), id: z.string(), done: count, total: count }),
  z.object({ type: z.literal('eval-result'), id: z.string(), result: z.record(z.string(), anyNumber) }),
  z.object({ type: z.literal('eval-error'), id: z.string(), error: z.string() }),
  z.object({ type: z.literal('eval-cancelled'), id: z.string() }),
]);
export type EvalEvent = z.output<typeof EvalEventSchema>;

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

/**
 * One message as a line of `--json` output. JSON has no NaN: a NaN or infinite metric becomes null, which
 * the schemas accept where a value may be missing (metrics, rewards).
 */
export const jsonLine = (message: WorkerMessage): string => JSON.stringify(message) + '\n';

/** A line of `--json` output read back; null for a line that is not JSON at all (a stray print). Never throws. */
export function parseJsonLine(line: string): ParseResult<WorkerMessage> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  return parseWorkerMessage(raw);
}

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

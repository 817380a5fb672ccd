/**
 * The HTTP side of a teacher behind an OpenAI-compatible server: one JSON POST with a timeout and a byte
 * cap on the reply, the server's own error text kept, and which failures are worth another attempt.
 *
 * Hand-written on fetch rather than the `openai` package: that one would bring retries, but it is a large
 * dependency and reads a reply of any size into memory, which is what the cap here is for.
 *
 * Retried: network errors, timeouts, 408, 429 and 5xx, after an exponential backoff with jitter
 * (BACKOFF_BASE_MS x 2^attempt, at most BACKOFF_CAP_MS, the second half random: "equal jitter") or after
 * the server's Retry-After (seconds or an HTTP date, at most RETRY_AFTER_CAP_MS). Anything else (another
 * 4xx, a reply that is not JSON or too large, a malformed URL) fails at once: asking again gets the same.
 */
import { RunDirError } from './run-dir.js';

/**
 * A teacher endpoint that cannot answer at all (checked at the start of a run). It keeps RunDirError's
 * name so that cli/errors.ts prints it as one `thinktune:` line, like the run's other start-up problems.
 */
export class TeacherError extends RunDirError {}

/** One failed call, and whether asking again might help. */
export class TeacherCallError extends Error {
  override name = 'TeacherCallError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** What the user should change, for the start-up check's message. */
    readonly hint: string,
    /** The server's Retry-After, in ms from now; null when it sent none. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 4_000;
export const RETRY_AFTER_CAP_MS = 30_000;
/** The most of an error page read to find the server's message. */
const ERROR_BODY_BYTES = 16 * 1024;
/** Characters of the server's text kept in a message. */
const SNIPPET_CHARS = 200;

/** Codes (on a fetch error's cause) of network failures that may pass: refused while starting, reset, DNS hiccups. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** `s` on one line, whitespace collapsed, at most `max` characters. */
export function oneLine(s: string, max = SNIPPET_CHARS): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

const looksHtml = (text: string, contentType: string | null) => /html/i.test(contentType ?? '') || /^\s*<(!doctype|html|head|body|\?xml)/i.test(text);

function htmlText(html: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  const body = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ');
  return oneLine(title && !body.includes(title) ? `${title} ${body}` : body);
}

/**
 * The server's own words in an error body: `error.message` (OpenAI, vLLM), `error` as a string (Ollama,
 * llama.cpp), `message` (older vLLM), `detail` (FastAPI), else the first SNIPPET_CHARS of the text (an
 * HTML page without its tags). '' for an empty body.
 */
export function serverMessage(text: string, contentType: string | null = null): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const err = j.error as { message?: unknown } | string | undefined;
    if (typeof err === 'object' && err !== null && typeof err.message === 'string') return oneLine(err.message);
    if (typeof err === 'string') return oneLine(err);
    if (typeof j.message === 'string') return oneLine(j.message);
    if (typeof j.detail === 'string') return oneLine(j.detail);
    if (Array.isArray(j.detail)) return oneLine(j.detail.map((d: { msg?: unknown }) => String(d?.msg ?? JSON.stringify(d))).join('; '));
  } catch {
    // not JSON: the text itself
  }
  return looksHtml(text, contentType) ? htmlText(text) : oneLine(text);
}

/** Retry-After in ms from `nowMs`: whole seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** How long to wait before attempt `attempt + 1` (0 = after the first failure). */
export function backoffMs(attempt: number, err: TeacherCallError, random: () => number): number {
  if (err.retryAfterMs !== null) return Math.min(err.retryAfterMs, RETRY_AFTER_CAP_MS);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export type Attempted<T> = { ok: true; value: T } | { ok: false; error: TeacherCallError; attempts: number };

/** `call` until it succeeds, fails for good, or the attempts run out. */
export async function withRetries<T>(call: () => Promise<T>, p: RetryPolicy): Promise<Attempted<T>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { ok: true, value: await call() };
    } catch (e) {
      const err = e instanceof TeacherCallError ? e : new TeacherCallError((e as Error).message, false, 'report this as a bug');
      if (!err.retryable || attempt >= p.retries) return { ok: false, error: err, attempts: attempt + 1 };
      await p.sleep(backoffMs(attempt, err, p.random));
    }
  }
}

export interface PostOptions {
  timeoutMs: number;
  /** The largest reply body read; a larger one fails the call. */
  maxBytes: number;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

class TooLarge extends Error {}

/** The body as text, reading at most `maxBytes` (then TooLarge, or the first `maxBytes` with `truncate`). */
async function readCapped(res: Response, maxBytes: number, truncate = false): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (!truncate && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new TooLarge(`${declared} bytes`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => {});
      if (!truncate) throw new TooLarge(`more than ${maxBytes} bytes`);
      chunks.push(value.subarray(0, maxBytes - n));
      break;
    }
    chunks.push(value);
    n += value.byteLength;
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The teacher-call error for a non-2xx reply, with the server's message. */
async function httpError(res: Response, now: number): Promise<TeacherCallError> {
  const text = await readCapped(res, ERROR_BODY_BYTES, true).catch(() => '');
  const said = serverMessage(text, res.headers.get('content-type'));
  const s = res.status;
  const location = res.headers.get('location');
  const message = `HTTP ${s}${said ? `: ${said}` : res.statusText ? ` ${res.statusText}` : ''}${location ? ` (redirect to ${oneLine(location)})` : ''}`;
  const retryable = s === 408 || s === 429 || s >= 500;
  const hint =
    s >= 300 && s < 400
      ? 'set teacher.url to the address the server redirects to'
      : s === 401 || s === 403
        ? "put the server's key in the environment variable that teacher.apiKeyEnv names"
        : s === 404
          ? 'check teacher.url (the API base, usually ending in /v1) and teacher.model'
          : s === 429
            ? 'the server is rate-limiting; lower teacher.concurrency or wait'
            : s >= 500
              ? "see the server's log"
              : 'check teacher.model and teacher.url';
  return new TeacherCallError(message, retryable, hint, retryable ? parseRetryAfter(res.headers.get('retry-after'), now) : null);
}

function networkError(e: unknown): TeacherCallError {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = code ?? (typeof cause?.message === 'string' ? cause.message : undefined);
  const message = detail ? `${(e as Error).message} (${detail})` : (e as Error).message;
  if (code === 'ERR_INVALID_URL') return new TeacherCallError(message, false, "set teacher.url to the server's base URL, e.g. http://localhost:8000/v1");
  const hint =
    code === 'ECONNREFUSED'
      ? 'start the server, or fix the host and port in teacher.url'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'check the host name in teacher.url'
        : 'check teacher.url and the network';
  return new TeacherCallError(message, code !== undefined && TRANSIENT_CODES.has(code), hint);
}

/** What a 2xx body that is not JSON looks like, for the message. */
function notJson(status: number, text: string, contentType: string | null): TeacherCallError {
  if (text.trim() === '')
    return new TeacherCallError(
      `HTTP ${status} with an empty body, not JSON`,
      false,
      'check teacher.url: it must be the API base, e.g. http://localhost:8000/v1',
    );
  const html = looksHtml(text, contentType);
  const what = html ? `an HTML page, not JSON ("${htmlText(text)}")` : `text that is not JSON ("${oneLine(text)}")`;
  return new TeacherCallError(`HTTP ${status} with ${what}`, false, 'teacher.url must be the API base (e.g. http://localhost:8000/v1), not a web page');
}

/**
 * POST `body` as JSON; the parsed JSON of a 2xx reply. Throws TeacherCallError. Redirects are not
 * followed: the POST would turn into a GET, and the key would follow to wherever the server points.
 */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, o: PostOptions): Promise<unknown> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), o.timeoutMs);
  try {
    const res = await (o.fetchImpl ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: ctrl.signal,
    });
    if (!res.ok) throw await httpError(res, (o.now ?? Date.now)());
    const text = await readCapped(res, o.maxBytes);
    try {
      return JSON.parse(text);
    } catch {
      throw notJson(res.status, text, res.headers.get('content-type'));
    }
  } catch (e) {
    if (ctrl.signal.aborted)
      throw new TeacherCallError(`no answer within ${o.timeoutMs} ms`, true, 'raise teacher.timeoutMs, or check that the server is not stuck');
    if (e instanceof TeacherCallError) throw e;
    if (e instanceof TooLarge) {
      throw new TeacherCallError(
        `the reply is larger than the ${o.maxBytes}-byte cap (${e.message}); the server ignored max_tokens`,
        false,
        'check that the server honours max_tokens (teacher.maxNewTokens)',
      );
    }
    throw networkError(e);
  } finally {
    clearTimeout(timer);
  }
}

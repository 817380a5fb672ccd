// The OpenAI-compatible teacher against a real local HTTP server (node:http on port 0): the start-up
// check, the server's own error text, which failures are retried and after how long, and the byte cap.
// Waits between attempts go through an injected sleep that records them, so no test waits for a clock;
// only the timeout tests use a short real timeout, the timeout being what they test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadTemplates, type TeacherPromptInput } from '../../src/prompts/templates.js';
import { OpenAITeacher, TeacherError, replyByteCap, type OpenAITeacherOptions } from '../../src/trainer/teacher.js';
import { BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, TeacherCallError, backoffMs, parseRetryAfter, serverMessage } from '../../src/trainer/teacher-http.js';
import { isUserError } from '../../src/cli/errors.js';

const templates = loadTemplates('prompts');
const req: TeacherPromptInput = { question: 'What is 1 + 1?', response: '1 + 1 = 3. The answer is \\boxed{3}.', styles: ['self-conflict'] };
const FEEDBACK = '<reason>Wait... 1 + 1 = 2.</reason> <opinion>incorrect</opinion> <phrase>The answer is \\boxed{2}.</phrase>';

interface Seen {
  body: { model?: string; max_tokens?: number; messages?: unknown[] };
  headers: IncomingMessage['headers'];
}

/** A server answering each request with `handler`; `seen` holds every request's JSON body and headers. */
async function serve(handler: (res: ServerResponse, n: number, seen: Seen) => void) {
  const seen: Seen[] = [];
  const server = createServer((rq, res) => {
    let raw = '';
    rq.on('data', (d) => (raw += d));
    rq.on('end', () => {
      const s = { body: raw ? JSON.parse(raw) : {}, headers: rq.headers };
      seen.push(s);
      handler(res, seen.length, s);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { url, seen, close };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const completion = (content: unknown) => ({ choices: [{ message: { role: 'assistant', content } }] });

/** A teacher whose waits are recorded instead of slept; the jitter draws `random` (0: the shortest wait). */
function teacher(url: string, over: Partial<OpenAITeacherOptions> = {}) {
  const sleeps: number[] = [];
  const t = new OpenAITeacher({
    url,
    model: 'qwen',
    timeoutMs: 5000,
    retries: 2,
    concurrency: 1,
    maxNewTokens: 50,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0,
    ...over,
  });
  return { t, sleeps };
}

/** checkEndpoint must reject with a one-line TeacherError that the CLI prints as `thinktune: ...`, matching `re`. */
async function checkFails(t: OpenAITeacher, re: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(t.checkEndpoint(), (e: unknown) => {
    assert.ok(e instanceof TeacherError, String(e));
    assert.ok(isUserError(e), 'printed as one thinktune: line by cli/errors.ts');
    assert.ok(!e.message.includes('\n'), e.message);
    assert.match(e.message, re);
    message = e.message;
    return true;
  });
  return message;
}

test('the start-up check: one 1-token chat completion with the key; any reply with choices passes', async () => {
  const s = await serve((res) => json(res, 200, completion(null))); // a reasoning model may leave content null
  try {
    await teacher(s.url, { apiKey: 'sk-test' }).t.checkEndpoint();
    assert.equal(s.seen.length, 1);
    assert.equal(s.seen[0].body.model, 'qwen');
    assert.equal(s.seen[0].body.max_tokens, 1);
    assert.equal(s.seen[0].headers.authorization, 'Bearer sk-test');
  } finally {
    await s.close();
  }
});

test('the start-up check fails loudly on a server that is down, after its retries', async () => {
  const s = await serve(() => {});
  await s.close(); // the port is now refused
  const { t, sleeps } = teacher(s.url);
  await checkFails(
    t,
    new RegExp(`^teacher qwen at ${s.url.replace(/[.]/g, '\\.')} cannot answer \\(3 attempts\\): fetch failed \\(ECONNREFUSED\\); start the server`),
  );
  assert.equal(sleeps.length, 2, 'connection refused is retried: a server may be starting');
});

test("the start-up check carries the server's message for a wrong model (404), a bad request (400) and a rejected key (401), without retrying", async () => {
  const cases: [number, unknown, RegExp][] = [
    [
      404,
      { object: 'error', message: 'The model `qwn` does not exist.', type: 'NotFoundError', code: 404 },
      /cannot answer: HTTP 404: The model `qwn` does not exist\.; check teacher\.url .* and teacher\.model$/,
    ],
    [
      400,
      { error: { message: "The model 'x' does not exist", type: 'invalid_request_error' } },
      /cannot answer: HTTP 400: The model 'x' does not exist; check teacher\.model/,
    ],
    [
      401,
      { error: { message: 'Incorrect API key provided: sk-xx***' } },
      /HTTP 401: Incorrect API key provided: sk-xx\*\*\*; put the server's key in the environment variable that teacher\.apiKeyEnv names$/,
    ],
    [400, { error: 'model "llama9" not found, try pulling it first' }, /HTTP 400: model "llama9" not found, try pulling it first/], // Ollama
  ];
  for (const [status, body, re] of cases) {
    const s = await serve((res) => json(res, status, body));
    try {
      const { t, sleeps } = teacher(s.url);
      await checkFails(t, re);
      assert.equal(s.seen.length, 1, `${status} is not retried`);
      assert.deepEqual(sleeps, []);
    } finally {
      await s.close();
    }
  }
});

test('the start-up check names an HTML page, text that is not JSON, and JSON that is not a completion', async () => {
  const html = '<!DOCTYPE html><html><head><title>Open WebUI</title><script>var x = 1;</script></head><body><h1>Welcome</h1></body></html>';
  const cases: [(res: ServerResponse) => void, RegExp][] = [
    [
      (res) => (res.writeHead(200, { 'content-type': 'text/html' }), res.end(html)),
      /HTTP 200 with an HTML page, not JSON \("Open WebUI Welcome"\); teacher\.url must be the API base/,
    ],
    [(res) => (res.writeHead(200, { 'content-type': 'text/plain' }), res.end('OK then')), /HTTP 200 with text that is not JSON \("OK then"\)/],
    [(res) => json(res, 200, { models: ['a'] }), /the reply has no choices list: \{"models":\["a"\]\}/],
    [
      (res) => (
        res.writeHead(502, { 'content-type': 'text/html' }),
        res.end('<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>')
      ),
      /\(3 attempts\): HTTP 502: 502 Bad Gateway nginx; see the server's log$/,
    ],
  ];
  for (const [handler, re] of cases) {
    const s = await serve(handler);
    try {
      await checkFails(teacher(s.url).t, re);
    } finally {
      await s.close();
    }
  }
});

test('a malformed URL and an unresolvable host fail the check with the fix', async () => {
  const bad = teacher('not a url');
  await checkFails(
    bad.t,
    /cannot answer: Failed to parse URL from not a url\/chat\/completions \(ERR_INVALID_URL\); set teacher\.url to the server's base URL/,
  );
  assert.deepEqual(bad.sleeps, [], 'a malformed URL is not retried');
  // DNS through an injected fetch: the sandbox may have no resolver to ask.
  const dns = (async () => {
    throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND gpu-box'), { code: 'ENOTFOUND' }) });
  }) as unknown as typeof fetch;
  await checkFails(
    teacher('https://gpu-box/v1', { fetchImpl: dns, retries: 0 }).t,
    /cannot answer: fetch failed \(ENOTFOUND\); check the host name in teacher\.url$/,
  );
});

test("a non-2xx reply keeps the server's message: HTTP 400: The model 'x' does not exist; other 4xx fail at once", async () => {
  const s = await serve((res) =>
    json(res, 400, { error: { message: "The model 'x' does not exist", type: 'invalid_request_error', code: 'model_not_found' } }),
  );
  try {
    const { t, sleeps } = teacher(s.url);
    const [reply] = await t.feedback(templates, [req]);
    assert.deepEqual(reply, { ok: false, error: `teacher at ${s.url} failed: HTTP 400: The model 'x' does not exist` });
    assert.equal(s.seen.length, 1, 'a 400 is asked once');
    assert.deepEqual(sleeps, []);
  } finally {
    await s.close();
  }
});

test('5xx is retried with exponential backoff and jitter, capped; then it succeeds', async () => {
  const s = await serve((res, n) => (n <= 5 ? json(res, 503, { error: { message: 'overloaded' } }) : json(res, 200, completion(FEEDBACK))));
  try {
    const { t, sleeps } = teacher(s.url, { retries: 5, random: () => 1 }); // the longest jitter draw
    assert.deepEqual(await t.feedback(templates, [req]), [{ ok: true, text: FEEDBACK }]);
    assert.deepEqual(sleeps, [500, 1000, 2000, 4000, 4000], 'base 500 ms doubling, at most BACKOFF_CAP_MS');
    assert.equal(s.seen.length, 6);
  } finally {
    await s.close();
  }
  // Equal jitter: the wait lies in [ceiling / 2, ceiling].
  const err = new TeacherCallError('x', true, '');
  assert.equal(
    backoffMs(0, err, () => 0),
    250,
  );
  assert.equal(
    backoffMs(10, err, () => 0.5),
    BACKOFF_CAP_MS * 0.75,
  );
});

test('429 waits for Retry-After, in seconds or as an HTTP date, capped at 30 s', async () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const after = ['2', new Date(now + 3000).toUTCString(), '999'];
  const s = await serve((res, n) =>
    n <= 3 ? json(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': after[n - 1] }) : json(res, 200, completion(FEEDBACK)),
  );
  try {
    const { t, sleeps } = teacher(s.url, { retries: 3, now: () => now });
    assert.deepEqual(await t.feedback(templates, [req]), [{ ok: true, text: FEEDBACK }]);
    assert.deepEqual(sleeps, [2000, 3000, RETRY_AFTER_CAP_MS]);
  } finally {
    await s.close();
  }
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(new Date(now - 5000).toUTCString(), now), 0, 'a date in the past: at once');
});

test('the last failure of a retried call is its error, with the number of attempts', async () => {
  const s = await serve((res) => json(res, 500, { error: { message: 'CUDA out of memory' } }));
  try {
    const { t, sleeps } = teacher(s.url, { retries: 1 });
    assert.deepEqual(await t.feedback(templates, [req]), [{ ok: false, error: `teacher at ${s.url} failed after 2 attempts: HTTP 500: CUDA out of memory` }]);
    assert.equal(sleeps.length, 1);
  } finally {
    await s.close();
  }
});

test('a server that never answers times out, and the timeout is retried', async () => {
  const s = await serve(() => {}); // reads the request, never answers
  try {
    const { t, sleeps } = teacher(s.url, { timeoutMs: 100, retries: 1 });
    assert.deepEqual(await t.feedback(templates, [req]), [{ ok: false, error: `teacher at ${s.url} failed after 2 attempts: no answer within 100 ms` }]);
    assert.equal(s.seen.length, 2);
    assert.equal(sleeps.length, 1);
    await checkFails(teacher(s.url, { timeoutMs: 100, retries: 0 }).t, /cannot answer: no answer within 100 ms; raise teacher\.timeoutMs/);
  } finally {
    await s.close();
  }
});

test('a reply past the byte cap fails that call, whether it declares its length or streams without end', async () => {
  let streamed = 0;
  const s = await serve((res, n) => {
    if (n === 1) {
      const body = JSON.stringify(completion('x'.repeat(100_000)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // No content-length and no end: only the client stopping reading ends it.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) streamed += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.write('{"choices":[{"message":{"content":"');
    pump();
  });
  try {
    const { t, sleeps } = teacher(s.url, { maxReplyBytes: 64 * 1024 });
    const first = await t.feedback(templates, [req]);
    assert.deepEqual(first, [
      { ok: false, error: `teacher at ${s.url} failed: the reply is larger than the 65536-byte cap (100059 bytes); the server ignored max_tokens` },
    ]);
    const second = await t.feedback(templates, [req]);
    assert.match(!second[0].ok ? second[0].error : '', /failed: the reply is larger than the 65536-byte cap \(more than 65536 bytes\)/);
    assert.deepEqual(sleeps, [], 'not retried: it would come back as large');
    assert.ok(streamed < 64 * 1024 * 1024, `the server stopped once the client let go (${streamed} bytes written)`);
  } finally {
    await s.close();
  }
  assert.equal(replyByteCap(128), 1 << 20, 'at least 1 MiB');
  assert.equal(replyByteCap(32_768), 64 * 32_768);
});

test('a huge error page is read only in part, and its message kept', async () => {
  const s = await serve((res) => (res.writeHead(500, { 'content-type': 'text/plain' }), res.end('Internal error: ' + 'y'.repeat(5_000_000))));
  try {
    const [reply] = await teacher(s.url, { retries: 0 }).t.feedback(templates, [req]);
    assert.match(!reply.ok ? reply.error : '', /failed: HTTP 500: Internal error: y+\.\.\.$/);
    assert.ok(!reply.ok && reply.error.length < 400);
  } finally {
    await s.close();
  }
});

test('a redirect is not followed: the key stays with the server it was meant for', async () => {
  const elsewhere = await serve((res) => json(res, 200, completion(FEEDBACK)));
  const s = await serve((res) => (res.writeHead(307, { location: `${elsewhere.url}/chat/completions` }), res.end()));
  try {
    const [reply] = await teacher(s.url, { apiKey: 'sk-secret' }).t.feedback(templates, [req]);
    assert.match(!reply.ok ? reply.error : '', /failed: HTTP 307 Temporary Redirect \(redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\)$/);
    assert.equal(elsewhere.seen.length, 0);
  } finally {
    await s.close();
    await elsewhere.close();
  }
});

test('a 200 without message content is an error naming what came back, not retried', async () => {
  const s = await serve((res) => json(res, 200, { choices: [{ message: { content: null, tool_calls: [] } }] }));
  try {
    const { t, sleeps } = teacher(s.url);
    const [reply] = await t.feedback(templates, [req]);
    assert.match(
      !reply.ok ? reply.error : '',
      /failed: the reply has no choices\[0\]\.message\.content: \{"choices":\[\{"message":\{"content":null,"tool_calls":\[\]\}\}\]\}$/,
    );
    assert.deepEqual(sleeps, []);
  } finally {
    await s.close();
  }
});

test('serverMessage: error.message, error as text, message, detail, else the text itself', () => {
  assert.equal(serverMessage(JSON.stringify({ error: { message: 'a' } })), 'a');
  assert.equal(serverMessage(JSON.stringify({ error: 'b' })), 'b');
  assert.equal(serverMessage(JSON.stringify({ message: 'c', object: 'error' })), 'c');
  assert.equal(serverMessage(JSON.stringify({ detail: 'Not Found' })), 'Not Found');
  assert.equal(serverMessage(JSON.stringify({ detail: [{ loc: ['body', 'model'], msg: 'field required' }] })), 'field required');
  assert.equal(serverMessage('  plain\n\ntext  '), 'plain text');
  assert.equal(serverMessage(''), '');
  assert.equal(serverMessage('z'.repeat(1000)).length, 200);
});

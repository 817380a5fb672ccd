// The teacher section's safety rules (src/config/train-config.ts): which variable may hold the key, no key
// inside teacher.url, and no key in the clear to another machine unless teacher.allowInsecureKey says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrainConfigError, isLoopbackHost, parseTrainConfig } from '../../src/config/train-config.js';

const openai = (teacher: Record<string, unknown>) => ({ teacher: { kind: 'openai', model: 'qwen', url: 'https://api.example.com/v1', ...teacher } });

/** parse must throw a one-line TrainConfigError matching `re`, and never quote `secret`. */
function fails(raw: unknown, re: RegExp, secret?: string): void {
  assert.throws(
    () => parseTrainConfig(raw),
    (e: unknown) => {
      assert.ok(e instanceof TrainConfigError, String(e));
      assert.ok(!e.message.includes('\n'), e.message);
      assert.match(e.message, re);
      if (secret) assert.ok(!e.message.includes(secret), `the message quotes the secret: ${e.message}`);
      return true;
    },
  );
}

/** Run `fn` with the environment variable `name` set to `value` (or removed for undefined). */
function withEnv(name: string, value: string | undefined, fn: () => void): void {
  const old = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    fn();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

test('apiKeyEnv must name an API-key variable: ending in API_KEY, _KEY or _TOKEN, no SECRET, PASSW, PRIVATE or SESSION', () => {
  for (const ok of ['OPENAI_API_KEY', 'VLLM_API_KEY', 'together_apikey', 'HF_TOKEN', 'GITHUB_TOKEN', 'MY_TEACHER_KEY', 'API_KEY']) {
    assert.equal(parseTrainConfig(openai({ apiKeyEnv: ok })).teacher.apiKeyEnv, ok);
  }
  for (const bad of [
    'HOME',
    'DATABASE_URL',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'SSH_PRIVATE_KEY',
    'DB_PASSWORD_KEY',
    'MONKEY',
    '1_KEY',
    'A-B_KEY',
  ]) {
    fails(
      openai({ apiKeyEnv: bad }),
      new RegExp(
        `^config: teacher\\.apiKeyEnv must be the name of an API-key variable: .*ending in API_KEY, _KEY or _TOKEN.* \\(got "${bad}"\\); set teacher\\.apiKeyEnv to the variable that holds the teacher server's key`,
      ),
    );
  }
});

test('a key inside teacher.url is refused, without quoting it, with the fix', () => {
  fails(
    openai({ url: 'https://user:sk-live-123@api.example.com/v1' }),
    /^config: teacher\.url holds a user name or password \(user:password@host\), which would be saved in config\.json; remove it and put the key in an environment variable named by teacher\.apiKeyEnv \(now OPENAI_API_KEY\)$/,
    'sk-live-123',
  );
  fails(
    openai({ url: 'https://api.example.com/v1?api_key=sk-live-123' }),
    /^config: teacher\.url holds a key in its query \(\?api_key=\).*teacher\.apiKeyEnv/,
    'sk-live-123',
  );
  fails(openai({ url: 'https://generativelanguage.example.com/v1beta/openai?key=AIza123' }), /holds a key in its query \(\?key=\)/, 'AIza123');
  // Not a key: Azure's api-version.
  assert.ok(parseTrainConfig(openai({ url: 'https://x.openai.azure.com/openai?api-version=2024-06-01' })));
  // The rule holds for a url written under another kind too: it would still be saved.
  fails({ teacher: { url: 'http://u:p@localhost:8000/v1' } }, /teacher\.url holds a user name or password/, ':p@');
});

test('teacher.url must be an http(s) URL', () => {
  fails(openai({ url: 'localhost:8000/v1' }), /^config: teacher\.url must start with http:\/\/ or https:\/\/ \(got localhost:\/\/\)/);
  fails(
    openai({ url: 'not a url' }),
    /^config: teacher\.url "not a url" is not a URL; set teacher\.url to the server's base URL, e.g\. http:\/\/localhost:8000\/v1$/,
  );
});

test('a key is not sent over plain http:// to another machine unless teacher.allowInsecureKey is true', () => {
  const lan = openai({ url: 'http://gpu-box:8000/v1', apiKeyEnv: 'TT_TEST_API_KEY' });
  withEnv('TT_TEST_API_KEY', 'sk-test-value', () => {
    fails(
      lan,
      /^config: teacher\.url is plain http:\/\/ to gpu-box, not this machine, and would carry the key in \$TT_TEST_API_KEY unencrypted; use https:\/\/, unset TT_TEST_API_KEY if the server needs no key, or set teacher\.allowInsecureKey=true/,
      'sk-test-value',
    );
    assert.equal(parseTrainConfig({ teacher: { ...lan.teacher, allowInsecureKey: true } }).teacher.allowInsecureKey, true);
    for (const url of ['http://localhost:8000/v1', 'http://127.0.0.1:8000/v1', 'http://127.1.2.3/v1', 'http://[::1]:8000/v1', 'https://gpu-box/v1']) {
      assert.ok(parseTrainConfig(openai({ url, apiKeyEnv: 'TT_TEST_API_KEY' })), url);
    }
  });
  // No key to send (the variable unset), no exception needed: a keyless vLLM on the local network.
  withEnv('TT_TEST_API_KEY', undefined, () => assert.ok(parseTrainConfig(lan)));
  assert.equal(parseTrainConfig({}).teacher.allowInsecureKey, false);
});

test('isLoopbackHost: localhost, 127.0.0.0/8 and ::1 only', () => {
  for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]', '[::ffff:7f00:1]']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['gpu-box', '10.0.0.1', '128.0.0.1', 'localhost.evil.com', '127.0.0.1.nip.io', '[::2]']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(isLoopbackHost(new URL('http://[::ffff:127.0.0.1]/').hostname), true);
});

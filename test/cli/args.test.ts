// Numeric flags are parsed by one checked parser (src/cli/args.ts); `train --max-steps` uses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { numberArg, wholeArg } from '../../src/cli/args.js';

test('wholeArg takes whole numbers >= min and nothing else', () => {
  assert.equal(wholeArg('--n', undefined, 1), undefined);
  assert.equal(wholeArg('--n', '3', 1), 3);
  assert.equal(wholeArg('--seed', '0', 0), 0);
  for (const raw of ['abc', '-1', '0', '1.5', '', ' ', '1e3', '0x10', 'Infinity', '99999999999999999999']) {
    assert.throws(
      () => wholeArg('--n', raw, 1),
      (e: Error) => e.name === 'UsageError' && e.message === `--n must be a whole number >= 1 (got "${raw}")`,
      raw,
    );
  }
});

test('numberArg takes finite numbers > 0', () => {
  assert.equal(numberArg('--t', undefined), undefined);
  assert.equal(numberArg('--t', '0.7'), 0.7);
  for (const raw of ['0', '-1', 'abc', '', ' ', 'Infinity', 'NaN']) {
    assert.throws(
      () => numberArg('--t', raw),
      (e: Error) => e.message === `--t must be a number > 0 (got "${raw}")`,
      raw,
    );
  }
});

test('train --max-steps rejects what is not a whole number >= 1 with one line and exit 1', { timeout: 120_000 }, () => {
  for (const raw of ['abc', '-1', '0', '1.5']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--headless', `--max-steps=${raw}`], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`^thinktune: --max-steps must be a whole number >= 1 \\(got "${raw.replace('.', '\\.')}"\\)$`, 'm'));
    assert.doesNotMatch(r.stdout, /^step /m, 'no step ran');
  }
});

// `thinktune config`: the resolved configuration before a run (same loader and errors as train), a run
// folder's saved one, and the key list with defaults and which keys may change mid-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseTrainConfig } from '../../src/config/train-config.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'config', ...args], { encoding: 'utf8', timeout: 60_000 });

test("config prints the resolved settings as YAML (or JSON), a run folder's saved ones, and one line for a bad key", () => {
  const r = cli('--set', 'grpo.groupSize=8', '--set', 'optim.lr=3e-5');
  assert.equal(r.status, 0, r.stderr);
  const yaml = YAML.parse(r.stdout);
  assert.equal(yaml.grpo.groupSize, 8);
  assert.equal(yaml.optim.lr, 3e-5);
  assert.deepEqual(parseTrainConfig(yaml), yaml, 'what it prints is a valid config file');
  assert.equal(JSON.parse(cli('--json').stdout).grpo.groupSize, 5);

  const run = mkdtempSync(join(tmpdir(), 'tt-config-'));
  writeFileSync(join(run, 'config.json'), JSON.stringify(parseTrainConfig({ grpo: { groupSize: 3 } })));
  assert.equal(YAML.parse(cli('--run-dir', run).stdout).grpo.groupSize, 3);

  const bad = cli('--set', 'grpo.groupsize=8');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^thinktune: config: unknown key grpo\.groupsize \(did you mean grpo\.groupSize\?\)/);
});

test('config --keys lists every key with its default, marking those :set may change', () => {
  const out = cli('--keys').stdout;
  assert.match(out, /^optim\.lr +0\.0001 {2}\[mid-run\]$/m);
  assert.match(out, /^grpo\.groupSize +5$/m);
  const json = JSON.parse(cli('--keys', '--json').stdout) as { key: string; midRun: boolean }[];
  assert.ok(json.some((k) => k.key === 'run.totalSteps' && !k.midRun));
});

// The smaller messages a new user meets: commander's usage errors and unknown commands as thinktune:
// lines, --version, non-UTF-8 data, broken (NaN) weights, a missing absolute prompts folder, NaN shown
// as NaN. Each used to be a bare commander line, silent mangling, silence, a wrong path or "got null".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { saveTinyModel } from '../helpers/tiny-model.js';
import { loadJsonlProblems } from '../../src/tasks/datasets.js';
import { loadModel } from '../../src/model/io.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { resolvePromptsDir } from '../../src/paths.js';
import { showValue } from '../../src/config/key-paths.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

test('usage errors and unknown commands are one thinktune: line with exit 1; --version prints the version', () => {
  const unknownOption = cli('train', '--bogus');
  assert.equal(unknownOption.status, 1);
  assert.equal(unknownOption.stderr, "thinktune: unknown option '--bogus'; see thinktune --help (or thinktune <command> --help)\n");
  const missing = cli('eval', '--model');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^thinktune: option '--model <dir>' argument missing; see thinktune --help/);
  const typo = cli('trian');
  assert.equal(typo.status, 1);
  assert.match(typo.stderr, /^thinktune: unknown command 'trian' \(did you mean train\?\); the commands are .*train.*compare/);
  const version = cli('--version');
  assert.equal(version.status, 0);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
  assert.equal(cli('train', '--help').status, 0);
});

test('a data file that is not UTF-8 is refused naming its line, not read as replacement characters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-msg-'));
  const file = join(dir, 'latin1.jsonl');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from('{"question":"1 + 1","answer":"#### 2"}\n'), Buffer.from('{"question":"caf\xe9 costs 3","answer":"#### 3"}\n', 'latin1')]),
  );
  assert.throws(
    () => loadJsonlProblems(file),
    new RegExp(`^DatasetError: ${file} line 2: not UTF-8 text \\(Latin-1\\?\\); convert the file, e.g. iconv -f latin1 -t utf-8`),
  );
  writeFileSync(file, '{"question":"café costs 3","answer":"#### 3"}\n');
  assert.equal(loadJsonlProblems(file)[0].question, 'café costs 3', 'real UTF-8 reads as before');
});

test('weights with NaN are refused at load, naming the tensor', async () => {
  await useTestBackend();
  const dir = saveTinyModel(2);
  const file = join(dir, 'model.safetensors');
  const tensors = readSafetensors(file);
  const [name, t] = [...tensors][1];
  t.data.fill(Number.NaN, 0, 3);
  writeSafetensors(file, tensors);
  await assert.rejects(
    loadModel(dir),
    new RegExp(`tensor '${name.replace(/\./g, '\\.')}' holds 3 of ${t.data.length} values that are NaN or infinite; the weights are broken`),
  );
});

test('a missing absolute prompts folder is reported where the user put it; NaN shows as NaN', () => {
  assert.equal(resolvePromptsDir('/nowhere/prompts'), '/nowhere/prompts');
  assert.equal(resolvePromptsDir('prompts'), join(process.cwd(), 'prompts'));
  assert.equal(showValue(Number.NaN), 'NaN');
  assert.equal(showValue(-Infinity), '-Infinity');
});

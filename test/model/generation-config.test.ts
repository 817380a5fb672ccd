import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGenerationConfig, stopTokenIds } from '../../src/model/generation-config.js';

const dirs: string[] = [];
function folder(generation?: string): string {
  const d = mkdtempSync(join(tmpdir(), 'tt-gen-'));
  dirs.push(d);
  if (generation !== undefined) writeFileSync(join(d, 'generation_config.json'), generation);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('generation_config.json', () => {
  it('reads a list of eos ids (Llama-3-Instruct) and keeps the file as read', () => {
    const g = readGenerationConfig(folder('{"bos_token_id": 1, "eos_token_id": [2, 7], "temperature": 0.6}'), 2);
    assert.deepEqual(g.eosTokenIds, [2, 7]);
    assert.deepEqual(g.raw, { bos_token_id: 1, eos_token_id: [2, 7], temperature: 0.6 });
  });

  it('reads a single id, and falls back to config.json eos as transformers does', () => {
    assert.deepEqual(readGenerationConfig(folder('{"eos_token_id": 5}'), 2).eosTokenIds, [5]);
    assert.deepEqual(readGenerationConfig(folder('{}'), [3, 4]).eosTokenIds, [3, 4]);
    const none = readGenerationConfig(folder(), 9);
    assert.deepEqual(none, { eosTokenIds: [9], raw: null });
  });

  it('stops on the generation ids and the tokenizer eos, each once', () => {
    assert.deepEqual(stopTokenIds({ eosTokenIds: [2, 7], raw: null }, 2), [2, 7]);
    assert.deepEqual(stopTokenIds({ eosTokenIds: [7], raw: null }, 2), [7, 2]);
    assert.deepEqual(stopTokenIds(null, 2), [2]);
  });

  it('rejects a broken file in one line naming it', () => {
    assert.throws(
      () => readGenerationConfig(folder('{"eos_token_id": "x"}'), 2),
      /generation_config\.json: "eos_token_id" must be a token id or a list of ids/,
    );
    assert.throws(() => readGenerationConfig(folder('{oops'), 2), /generation_config\.json is not valid JSON/);
    assert.throws(() => readGenerationConfig(folder('[1]'), 2), /must hold a JSON object/);
  });
});

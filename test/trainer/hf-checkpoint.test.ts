// A run on a model that transformers saved (test/fixtures/hf/chat-tuned: Llama-3 layout, llama3 rope in
// rope_parameters, a chat template, generation_config.json with <|eot_id|>), on GSM8K-layout data:
// prompts go through the chat template, and each checkpoint is a folder transformers and vLLM load as is.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { loadModel, saveModel } from '../../src/model/io.js';
import { loadTaskProblems } from '../../src/tasks/task.js';
import { OracleTeacher } from './fakes.js';

before(useTestBackend);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hf');
const MODEL = join(FIXTURES, 'chat-tuned');
const DATA = join(MODEL, 'problems.jsonl');
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

test('a GSM8K run on an HF chat model: chat-template prompts, eot stops, an HF checkpoint with our files apart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-hf-run-'));
  try {
    const config = parseTrainConfig({
      model: { checkpoint: MODEL },
      data: { task: 'gsm8k', file: DATA, promptsPerStep: 2 },
      grpo: { groupSize: 3, maxNewTokens: 40, temperature: 0.7 },
      teacher: { maxNewTokens: 40 },
      guidance: { initPct: 0.5, minPct: 0.4, offThreshold: 0.3 },
      run: { totalSteps: 2, saveEvery: 1, seed: 2 },
    });
    const teacher = new OracleTeacher(new Map(loadTaskProblems({ task: 'gsm8k', file: DATA }).map((p) => [p.question, p.answer])));
    const trainer = await Trainer.create({ config, runDir: dir, teacher });
    for await (const e of trainer.run()) assert.notEqual(e.type, 'fatal', JSON.stringify(e));
    trainer.dispose();

    const rollouts = readFileSync(join(dir, 'rollouts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutRecord);
    assert.ok(rollouts.every((r) => r.prompt.startsWith('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n')));
    assert.ok(rollouts.every((r) => r.prompt.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')));
    // The model ends its turn with <|eot_id|>, which only generation_config.json names: rollouts terminate.
    assert.ok(rollouts.filter((r) => r.terminated).length >= rollouts.length / 2, 'most rollouts stop on <|eot_id|>');
    assert.ok(
      rollouts.some((r) => r.guided),
      'terminated rollouts are eligible for the teacher',
    );

    const ck = join(dir, 'checkpoints', 'step-2');
    const files = readdirSync(ck).sort();
    assert.deepEqual(files, [
      'chat_template.jinja',
      'config.json',
      'generation_config.json',
      'model.safetensors',
      'thinktune',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    assert.deepEqual(readdirSync(join(ck, 'thinktune')).sort(), ['optimizer.safetensors', 'state.json']);
    // config.json written back in the layout it was read in: every original key, rope_parameters kept.
    const original = json(join(MODEL, 'config.json'));
    const saved = json(join(ck, 'config.json'));
    for (const key of Object.keys(original)) assert.ok(key in saved, `config.json keeps ${key}`);
    assert.deepEqual(saved.rope_parameters, original.rope_parameters);
    assert.equal(saved.rope_theta, undefined, 'no top-level rope_theta added');
    assert.equal(saved.dtype, 'float32');
    assert.deepEqual(json(join(ck, 'generation_config.json')), json(join(MODEL, 'generation_config.json')));
    assert.equal(readFileSync(join(ck, 'chat_template.jinja'), 'utf8'), readFileSync(join(MODEL, 'chat_template.jinja'), 'utf8'));
    const state = json(join(ck, 'thinktune', 'state.json'));
    assert.equal(state.task, 'gsm8k');
    // It loads back as the same kind of model, with the same chat template and stop ids.
    const back = await loadModel(ck);
    assert.deepEqual(back.generation.eosTokenIds, [374, 382]);
    assert.equal(back.model.config.rope.type, 'llama3');
    back.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a BF16 save says bfloat16 in config.json, under the key the original used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-hf-bf16-'));
  try {
    const loaded = await loadModel(join(FIXTURES, 'qwen2-bf16'));
    saveModel(join(dir, 'out'), loaded.model, { dtype: 'BF16', tokenizer: loaded.tokenizer, generation: loaded.generation });
    const saved = json(join(dir, 'out', 'config.json'));
    assert.equal(saved.dtype, 'bfloat16');
    assert.equal(saved.torch_dtype, undefined);
    assert.equal(saved.rope_parameters.rope_theta, json(join(FIXTURES, 'qwen2-bf16', 'config.json')).rope_parameters.rope_theta);
    const header = readFileSync(join(dir, 'out', 'model.safetensors'))
      .subarray(8, 200)
      .toString('utf8');
    assert.match(header, /"dtype":"BF16"/);
    loaded.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// grpo.stop in a run: rollouts end on a stop string (text cut before it, as vLLM returns it), count as
// terminated for the reward, and, having no end token, are never sent to the teacher.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { Trainer } from '../../src/trainer/trainer.js';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { loadProblems } from '../../src/tasks/datasets.js';
import { OracleTeacher } from './fakes.js';

before(useTestBackend);

test('a stop string ends rollouts, cuts their text, and keeps them from the teacher', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-stop-'));
  try {
    const config = parseTrainConfig({
      model: { checkpoint: tinyWorldModel() },
      data: { promptsPerStep: 2 },
      grpo: { groupSize: 4, maxNewTokens: 32, stop: ['='] }, // every solution line has one
      guidance: { initPct: 0.5, minPct: 0.4, offThreshold: 0.3 },
      run: { totalSteps: 1, seed: 3 },
    });
    const teacher = new OracleTeacher(new Map(loadProblems('arith-train', { count: 20000 }).map((p) => [p.question, p.answer])));
    const trainer = await Trainer.create({ config, runDir: dir, teacher });
    for await (const e of trainer.run()) assert.notEqual(e.type, 'fatal');
    trainer.dispose();
    const rollouts = readFileSync(join(dir, 'rollouts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutRecord);
    const cut = rollouts.filter((r) => r.endedBy === 'stop-string');
    assert.ok(cut.length > 0, 'some rollouts stopped on "="');
    assert.ok(
      cut.every((r) => r.terminated && !r.truncated),
      'a stop string terminates a rollout',
    );
    assert.ok(
      rollouts.every((r) => !r.text.includes('=')),
      'no text keeps the stop string or what follows it',
    );
    assert.ok(
      cut.every((r) => !r.guided),
      'a rollout cut by a stop string has no end token: not eligible',
    );
    assert.ok(rollouts.filter((r) => r.guided).every((r) => r.endedBy === 'end-token'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

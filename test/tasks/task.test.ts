import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTaskProblems, taskOfDataSpec } from '../../src/tasks/task.js';

const dir = mkdtempSync(join(tmpdir(), 'tt-task-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const gsm = join(dir, 'gsm.jsonl');
const math = join(dir, 'math.jsonl');
writeFileSync(gsm, '{"question": "2+2?", "answer": "2+2=4\\n#### 4"}\n');
writeFileSync(math, '{"problem": "1/2 + 1/2?", "answer": "1"}\n');

describe('tasks', () => {
  it('loads each task from its own source', () => {
    assert.equal(loadTaskProblems({ task: 'arith', split: 'test', count: 5 }).length, 5);
    assert.deepEqual(
      loadTaskProblems({ task: 'gsm8k', file: gsm }).map((p) => p.answer),
      ['4'],
    );
    assert.deepEqual(
      loadTaskProblems({ task: 'math', file: math }).map((p) => p.question),
      ['1/2 + 1/2?'],
    );
  });

  it('says which key to set when source and task disagree', () => {
    assert.throws(() => loadTaskProblems({ task: 'gsm8k' }), /data\.task gsm8k reads a JSONL file; set data\.file/);
    assert.throws(() => loadTaskProblems({ task: 'arith', file: gsm }), /data\.task is arith; set data\.task to gsm8k or math/);
    assert.throws(() => loadTaskProblems({ task: 'arith', split: 'dev' }), /not an arith split/);
    assert.throws(() => loadTaskProblems({ task: 'math', file: gsm }), /"problem"/);
  });

  it('tells the task of an eval data spec', () => {
    assert.equal(taskOfDataSpec('arith-test'), 'arith');
    assert.equal(taskOfDataSpec(gsm), 'gsm8k');
    assert.equal(taskOfDataSpec(math), 'math');
  });
});

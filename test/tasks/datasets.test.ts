import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { answersEquivalent } from '../../src/rl/math-answer.js';
import { arithDataset } from '../../src/tasks/arith.js';
import { loadJsonlProblems, loadProblems } from '../../src/tasks/datasets.js';
import { DatasetError } from '../../src/tasks/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'thinktune-datasets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const row = (o: unknown) => JSON.stringify(o);

/** Must throw a one-line DatasetError that starts with `start` and matches `re`. */
function fails(fn: () => unknown, start: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.ok(e.message.startsWith(start), e.message);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('JSONL problems', () => {
  it('reads the GSM8K layout: the answer is the text after ####; blank lines and CRLF are fine', () => {
    const path = file(
      'gsm8k.jsonl',
      [
        row({
          question: 'Natalia sold 48 clips in April and half as many in May. How many in all?',
          answer: 'In May she sold 48/2 = <<48/2=24>>24.\n48+24 = <<48+24=72>>72\n#### 72',
        }),
        '',
        row({ id: 'q-2', question: 'A big sum?', answer: 'It is large.\n#### 1,234' }),
      ].join('\r\n') + '\r\n',
    );
    const problems = loadJsonlProblems(path);
    assert.deepEqual(problems[0], { id: 'gsm8k.jsonl:1', question: 'Natalia sold 48 clips in April and half as many in May. How many in all?', answer: '72' });
    assert.deepEqual(problems[1], { id: 'q-2', question: 'A big sum?', answer: '1,234' });
    assert.ok(answersEquivalent(problems[1].answer, '1234'));
  });

  it('reads the MATH-500 layout (unique_id, LaTeX or numeric answers), and layouts may mix', () => {
    const path = file(
      'math.jsonl',
      [
        row({ problem: 'Compute $\\frac{1}{4} + \\frac{1}{4}$.', solution: '...', answer: '\\frac{1}{2}', unique_id: 'test/algebra/1.json' }),
        row({ problem: 'What is 2+3?', answer: 5 }),
        row({ question: 'And 1+1?', answer: '#### 2' }),
      ].join('\n'),
    );
    assert.deepEqual(loadJsonlProblems(path), [
      { id: 'test/algebra/1.json', question: 'Compute $\\frac{1}{4} + \\frac{1}{4}$.', answer: '\\frac{1}{2}' },
      { id: 'math.jsonl:2', question: 'What is 2+3?', answer: '5' },
      { id: 'math.jsonl:3', question: 'And 1+1?', answer: '2' },
    ]);
  });

  it('names the file and line of bad JSON, missing fields, and rows of the wrong shape', () => {
    const good = row({ question: 'q', answer: '#### 1' });
    const cases: [string, string, RegExp][] = [
      ['bad-json.jsonl', `${good}\n${good}\n{"question": "q", "answer": }\n`, /line 3: not valid JSON \(.+\); write one JSON object per line$/],
      ['no-answer.jsonl', `${good}\n${row({ question: 'q' })}`, /line 2: field "answer" is missing; a GSM8K row needs a non-empty "answer" string$/],
      ['no-marker.jsonl', row({ question: 'q', answer: 'it is 4' }), /line 1: the GSM8K "answer" has no "#### N" line/],
      ['empty-problem.jsonl', row({ problem: ' ', answer: '3' }), /line 1: field "problem" is " "; a MATH-500 row needs/],
      [
        'neither.jsonl',
        row({ prompt: 'q', target: '1' }),
        /line 1: no "question" \(GSM8K layout\) or "problem" \(MATH-500 layout\) field \(fields: prompt, target\)/,
      ],
      ['array.jsonl', '[1, 2]', /line 1: expected a JSON object, got an array/],
      ['empty.jsonl', '\n\n', /has no rows/],
    ];
    for (const [name, text, re] of cases) {
      const path = file(name, text);
      fails(() => loadJsonlProblems(path), path, re);
    }
    fails(
      () => loadJsonlProblems(join(dir, 'missing.jsonl')),
      'cannot read',
      /missing\.jsonl \(ENOENT\); pass an existing JSONL file or one of arith-train, arith-validation, arith-test$/,
    );
  });

  it('a forced layout reads only that layout', () => {
    const path = file('forced.jsonl', row({ question: 'q', answer: '#### 1' }));
    fails(() => loadJsonlProblems(path, 'math'), path, /line 1: field "problem" is missing; a MATH-500 row/);
  });
});

describe('loadProblems', () => {
  it('names the built-in arithmetic splits and passes count, seed and difficulty through', () => {
    const test = loadProblems('arith-test', { count: 40, seed: 3, difficulty: 'easy' });
    assert.deepEqual(test, arithDataset('test', { count: 40, seed: 3, difficulty: 'easy' }));
    assert.equal(loadProblems('arith-validation').length, 1000, 'default count');
    assert.ok(test.every((p) => /^arith-[0-9a-f]{10}$/.test(p.id) && /^\d+$/.test(p.answer)));
  });

  it('reads any other spec as a JSONL path', () => {
    const path = file('spec.jsonl', row({ problem: 'p', answer: '7' }));
    assert.deepEqual(loadProblems(path), [{ id: 'spec.jsonl:1', question: 'p', answer: '7' }]);
    fails(() => loadProblems('arith-dev'), 'cannot read arith-dev', /one of arith-train, arith-validation, arith-test$/);
  });
});

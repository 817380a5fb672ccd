import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from '../../ui/commands.js';

const effect = (line: string) => {
  const r = parseCommandLine(line);
  assert.ok(r.ok, `${line}: ${!r.ok && r.error}`);
  return r.effect;
};

test(':set sends the raw value text for the trainer to parse against its schema', () => {
  assert.deepEqual(effect('set optim.lr 1e-5'), { kind: 'send', command: { type: 'set', key: 'optim.lr', value: '1e-5' } });
  assert.deepEqual(effect(':set guidance.styles [hint, critique]'), {
    kind: 'send',
    command: { type: 'set', key: 'guidance.styles', value: '[hint, critique]' },
  });
});

test('training commands', () => {
  assert.deepEqual(effect('save'), { kind: 'send', command: { type: 'save' } });
  assert.deepEqual(effect('pause'), { kind: 'send', command: { type: 'pause' } });
  assert.deepEqual(effect('resume'), { kind: 'send', command: { type: 'resume' } });
  assert.deepEqual(effect('step'), { kind: 'send', command: { type: 'step-once' } });
  assert.deepEqual(effect('reload'), { kind: 'send', command: { type: 'reload-templates' } });
  assert.deepEqual(effect('q'), { kind: 'quit' });
});

test(':eval takes an optional model and data set', () => {
  assert.deepEqual(effect('eval'), { kind: 'eval-menu' });
  assert.deepEqual(effect('eval runs/a/step-10'), { kind: 'eval', model: 'runs/a/step-10', data: 'arith-test' });
  assert.deepEqual(effect('eval runs/a/step-10 data/gsm8k-test.jsonl'), { kind: 'eval', model: 'runs/a/step-10', data: 'data/gsm8k-test.jsonl' });
});

test(':mark with target and note; display preferences', () => {
  assert.deepEqual(effect('mark bad feedback the hint gives the answer away'), {
    kind: 'mark',
    verdict: 'bad',
    target: 'feedback',
    note: 'the hint gives the answer away',
  });
  assert.deepEqual(effect('mark good'), { kind: 'mark', verdict: 'good', target: 'trace', note: '' });
  assert.deepEqual(effect('ascii on'), { kind: 'display', patch: { ascii: true } });
  assert.deepEqual(effect('theme mono'), { kind: 'display', patch: { theme: 'mono' } });
});

test('mistakes give a usage line', () => {
  for (const [line, pattern] of [
    ['set optim.lr', /usage: :set KEY VALUE/],
    ['save now', /takes no arguments/],
    ['frobnicate', /unknown command :frobnicate/],
    ['theme neon', /usage: :theme dark\|light\|mono/],
    ['mark maybe', /usage: :mark/],
    ['eval a b c', /usage: :eval/],
  ] as const) {
    const r = parseCommandLine(line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.match(r.error, pattern);
  }
});

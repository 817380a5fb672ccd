import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateError, TemplateStore } from '../../src/prompts/templates.js';

function withScratch(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'thinktune-store-'));
  try {
    cpSync('prompts', dir, { recursive: true });
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

function edit(dir: string, file: string, change: (s: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

const input = { question: 'What is 1 + 1?', response: '1 + 1 = 2. The answer is \\boxed{2}.', styles: ['self-conflict'] as const };

test('refresh without edits keeps version 1 and reports no change', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    assert.equal(store.version, 1);
    assert.deepEqual(store.refresh(), { changed: false, version: 1 });
    assert.deepEqual(store.refresh({ force: true }), { changed: false, version: 1 });
  });
});

test('a valid edit replaces the set in force and bumps the version', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    const before = store.render(input);
    edit(dir, 'self-conflict.txt', (s) => s.replace('notice any slip', 'notice my slip'));
    assert.deepEqual(store.refresh(), { changed: true, version: 2, files: ['self-conflict.txt'] });
    assert.equal(store.version, 2);
    const after = store.render(input);
    assert.notEqual(after, before);
    assert.ok(after.includes('notice my slip'));
    assert.deepEqual(store.refresh(), { changed: false, version: 2 });
  });
});

test('an invalid edit is reported and the previous set stays in force until the file is fixed', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    const set1 = store.current;
    const good = readFileSync(join(dir, 'teacher-prompt.txt'), 'utf8');
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('Question: {{question}}', 'Question: {{questoin}}'));
    const r = store.refresh();
    assert.equal(r.changed, false);
    assert.equal(r.version, 1);
    assert.ok(!r.changed && r.error, 'error reported');
    assert.match(r.error!, /teacher-prompt\.txt: unknown placeholder \{\{questoin\}\}; use only/);
    assert.equal(store.current, set1, 'previous set in force');
    assert.ok(store.render(input).includes('Question: What is 1 + 1?'));
    // Still broken on the next step boundary: same error, still version 1.
    assert.deepEqual(store.refresh(), r);
    // Fixing the file back to its old content is no change of the set in force.
    writeFileSync(join(dir, 'teacher-prompt.txt'), `${good}\n`);
    assert.deepEqual(store.refresh(), { changed: false, version: 1 });
    // A valid new edit is taken.
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('Feedback:', 'Your feedback:'));
    assert.deepEqual(store.refresh(), { changed: true, version: 2, files: ['teacher-prompt.txt'] });
  });
});

test('an edit of the paper layout is taken like any other, and renders under that layout only', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    const short = store.render(input);
    edit(dir, 'teacher-prompt-fewshot.txt', (s) => s.replace(/^Feedback:$/m, 'Your feedback:'));
    assert.deepEqual(store.refresh(), { changed: true, version: 2, files: ['teacher-prompt-fewshot.txt'] });
    assert.ok(store.render(input, { layout: 'paper' }).endsWith('Your feedback:'));
    assert.equal(store.render(input), short);
  });
});

test('a file deleted mid-run (e.g. an editor saving by rename) keeps the previous set', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    const saved = readFileSync(join(dir, 'self-critique.txt'), 'utf8');
    rmSync(join(dir, 'self-critique.txt'));
    const r = store.refresh();
    assert.ok(!r.changed && r.error?.includes('self-critique.txt: cannot read the file'), JSON.stringify(r));
    assert.equal(store.current.styles['self-critique'].example.question.startsWith('A train'), true);
    writeFileSync(join(dir, 'self-critique.txt'), saved.replace('km more', 'kilometres more'));
    assert.deepEqual(store.refresh(), { changed: true, version: 2, files: ['self-critique.txt'] });
  });
});

test('a comment-only edit does not bump the version', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    edit(dir, 'teacher-instruction.txt', (s) => `${s}# a note for whoever edits this next\n`);
    assert.deepEqual(store.refresh(), { changed: false, version: 1 });
  });
});

test('the store refuses to start from an invalid folder', () => {
  withScratch((dir) => {
    edit(dir, 'self-agreement.txt', (s) => s.replace('</opinion>', ''));
    assert.throws(() => new TemplateStore(dir), TemplateError);
  });
});

test('an edit past the 64 KiB limit is rejected at reload like any invalid edit: the previous set stays in force', () => {
  withScratch((dir) => {
    const store = new TemplateStore(dir);
    const set1 = store.current;
    edit(dir, 'teacher-instruction.txt', (s) => `${s}\n${'Be brief. '.repeat(7000)}`);
    const r = store.refresh();
    assert.ok(!r.changed && r.error, JSON.stringify(r));
    assert.match(r.error!, /teacher-instruction\.txt: is \d+ bytes; a template may be at most 65536 bytes \(64 KiB\)/);
    assert.equal(store.current, set1);
    assert.equal(store.version, 1);
  });
});

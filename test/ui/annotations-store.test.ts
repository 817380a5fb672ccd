import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { annotationsPath, appendAnnotation, csvField, exportAnnotations, readAnnotations } from '../../ui/annotations/store.js';
import type { Annotation } from '../../ui/state/types.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-ann-'));
after(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const runDir = (): string => join(root, `run-${runs++}`);

const ann = (i: number, over: Partial<Annotation> = {}): Annotation => ({
  id: `a${i}`,
  time: `2025-01-02T10:0${i}:00.000Z`,
  step: 10 + i,
  group: i % 2,
  sample: i,
  target: i % 2 === 0 ? 'trace' : 'feedback',
  verdict: i % 3 === 0 ? 'bad' : 'good',
  note: `note ${i}`,
  templateVersion: 1,
  ...over,
});

test('append then read gives the annotations back in order, one JSON line each', () => {
  const dir = runDir();
  assert.deepEqual(readAnnotations(dir), [], 'no file yet');
  const all = [ann(0), ann(1), ann(2, { note: 'has "quotes", commas\nand a newline' })];
  for (const a of all) appendAnnotation(dir, a);
  assert.deepEqual(readAnnotations(dir), all);
  const text = readFileSync(annotationsPath(dir), 'utf8');
  assert.equal(text.split('\n').length, 4, 'three lines and a final newline');
  assert.deepEqual(JSON.parse(text.split('\n')[1]), all[1]);
});

test('a torn last line is skipped when reading and cut off before the next append', () => {
  const dir = runDir();
  appendAnnotation(dir, ann(0));
  appendAnnotation(dir, ann(1));
  appendFileSync(annotationsPath(dir), '{"id":"a2","time":"2025-01-0'); // a crash mid-write
  assert.deepEqual(readAnnotations(dir), [ann(0), ann(1)]);
  appendAnnotation(dir, ann(3));
  assert.deepEqual(readAnnotations(dir), [ann(0), ann(1), ann(3)]);
  assert.ok(!readFileSync(annotationsPath(dir), 'utf8').includes('"a2"'));
});

test('a bad line in the middle is an error naming the line; a bad annotation is refused', () => {
  const dir = runDir();
  appendAnnotation(dir, ann(0));
  appendFileSync(annotationsPath(dir), 'not json\n');
  appendAnnotation(dir, ann(1));
  assert.throws(() => readAnnotations(dir), /annotations\.jsonl:2: not valid JSON; fix or delete that line/);

  const dir2 = runDir();
  appendAnnotation(dir2, ann(0));
  appendFileSync(annotationsPath(dir2), JSON.stringify({ ...ann(1), verdict: 'meh' }) + '\n');
  assert.throws(() => readAnnotations(dir2), /annotations\.jsonl:2: not an annotation \(verdict: /);

  assert.throws(() => appendAnnotation(runDir(), { ...ann(0), step: 'x' } as unknown as Annotation), /cannot save annotation: step: /);
});

test('export as JSON lines and as CSV with quoting', () => {
  const dir = runDir();
  const all = [ann(0), ann(1, { note: 'has "quotes", commas\nand a newline' })];
  for (const a of all) appendAnnotation(dir, a);
  appendFileSync(annotationsPath(dir), '{"id":"torn'); // skipped here too

  const jsonl = join(dir, 'out.jsonl');
  assert.deepEqual(exportAnnotations(dir, jsonl, 'jsonl'), { count: 2 });
  assert.deepEqual(
    readFileSync(jsonl, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
    all,
  );

  const csv = join(dir, 'out.csv');
  assert.deepEqual(exportAnnotations(dir, csv, 'csv'), { count: 2 });
  assert.equal(
    readFileSync(csv, 'utf8'),
    'id,time,step_index,group_index,sample_index,target,verdict,note,templateVersion\n' +
      'a0,2025-01-02T10:00:00.000Z,10,0,0,trace,bad,note 0,1\n' +
      'a1,2025-01-02T10:01:00.000Z,11,1,1,feedback,good,"has ""quotes"", commas\nand a newline",1\n',
  );
  assert.throws(() => exportAnnotations(dir, csv, 'xml' as 'csv'), /unknown export format 'xml'; use jsonl or csv/);

  const empty = runDir();
  const out = join(root, 'empty.csv');
  assert.deepEqual(exportAnnotations(empty, out, 'csv'), { count: 0 });
  assert.equal(readFileSync(out, 'utf8'), 'id,time,step_index,group_index,sample_index,target,verdict,note,templateVersion\n');
});

test('csvField quotes only what needs it', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField(3), '3');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
});

test('a complete last line that lost its newline is kept by read and by the next append', () => {
  const dir = runDir();
  appendAnnotation(dir, ann(0));
  writeFileSync(annotationsPath(dir), readFileSync(annotationsPath(dir), 'utf8').trimEnd()); // hand-edited, newline lost
  assert.deepEqual(readAnnotations(dir), [ann(0)]);
  appendAnnotation(dir, ann(1));
  assert.deepEqual(readAnnotations(dir), [ann(0), ann(1)]);
});

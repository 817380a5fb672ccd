/**
 * A person's verdicts on traces and teacher feedback, kept beside the run as `<runDir>/annotations.jsonl`:
 * one JSON object a line, appended and fsynced one at a time, so a crash loses at most the line being
 * written. A torn last line (no newline: the write never finished) is skipped when reading and cut off
 * before the next append, so it can never glue itself to a good line. Deleting a mark rewrites the file
 * atomically (temp file, fsync, rename). Steps, groups and samples are
 * 0-based indices, as in rollouts.jsonl; the screen shows them from 1 (s11 g1 #1 is step 10, group 0, sample 0).
 */
import fs from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { fsyncDir, tempSuffix, writeAllSync, writeFileDurable } from '../../src/io/durable.js';
import type { Annotation } from '../state/types.js';

export const ANNOTATIONS_FILE = 'annotations.jsonl';
export const annotationsPath = (runDir: string): string => join(runDir, ANNOTATIONS_FILE);

const AnnotationSchema = z.object({
  id: z.string(),
  time: z.string(),
  step: z.number().int(),
  group: z.number().int(),
  sample: z.number().int(),
  target: z.enum(['trace', 'feedback']),
  verdict: z.enum(['good', 'bad']),
  note: z.string(),
  templateVersion: z.number().int(),
});

/**
 * Columns of the CSV export, in order: the fields of `Annotation`, with step, group and sample named
 * for what they hold, 0-based indices as in rollouts.jsonl (the mark shown on s11 g1 #1 is
 * step_index 10, group_index 0, sample_index 0). The JSONL export is annotations.jsonl as stored.
 */
export const CSV_COLUMNS = ['id', 'time', 'step_index', 'group_index', 'sample_index', 'target', 'verdict', 'note', 'templateVersion'] as const;
const CSV_FIELD: Record<(typeof CSV_COLUMNS)[number], keyof Annotation> = {
  id: 'id',
  time: 'time',
  step_index: 'step',
  group_index: 'group',
  sample_index: 'sample',
  target: 'target',
  verdict: 'verdict',
  note: 'note',
  templateVersion: 'templateVersion',
};

const describe = (err: z.ZodError): string => err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parsesAsAnnotation(row: string): boolean {
  try {
    return AnnotationSchema.safeParse(JSON.parse(row)).success;
  } catch {
    return false;
  }
}

/** Append one annotation as a JSON line and fsync it. Throws one line if `a` is not a valid annotation. */
export function appendAnnotation(runDir: string, a: Annotation): void {
  const checked = AnnotationSchema.safeParse(a);
  if (!checked.success) throw new Error(`cannot save annotation: ${describe(checked.error)}`);
  const file = annotationsPath(runDir);
  fs.mkdirSync(runDir, { recursive: true });
  const existing = readText(file);
  const fd = fs.openSync(file, 'a');
  try {
    let lead = '';
    if (existing !== null && existing !== '' && !existing.endsWith('\n')) {
      const keepTo = existing.lastIndexOf('\n') + 1;
      // A complete annotation that only lost its newline (a hand edit) is kept, as `readAnnotations` keeps
      // it; anything else is a torn write that never completed: drop it before appending.
      if (parsesAsAnnotation(existing.slice(keepTo))) lead = '\n';
      else fs.ftruncateSync(fd, Buffer.byteLength(existing.slice(0, keepTo)));
    }
    writeAllSync(fd, new TextEncoder().encode(lead + JSON.stringify(checked.data) + '\n'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (existing === null) fsyncDir(runDir);
}

/**
 * All annotations of a run, oldest first; [] when there are none yet. Skips a torn last line; any other
 * bad line throws one line naming the file and line number.
 */
export function readAnnotations(runDir: string): Annotation[] {
  const file = annotationsPath(runDir);
  const text = readText(file);
  if (text === null) return [];
  const rows = text.split('\n');
  const out: Annotation[] = [];
  rows.forEach((row, i) => {
    if (row.trim() === '') return;
    const isTornTail = i === rows.length - 1; // no newline after it: the write may not have finished
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      if (isTornTail) return;
      throw new Error(`${file}:${i + 1}: not valid JSON; fix or delete that line`);
    }
    const checked = AnnotationSchema.safeParse(value);
    if (checked.success) out.push(checked.data);
    else if (!isTornTail) throw new Error(`${file}:${i + 1}: not an annotation (${describe(checked.error)}); fix or delete that line`);
  });
  return out;
}

/**
 * Remove the annotation `id` from the run's file: the other lines are written, unchanged and in order,
 * to a temp file beside it that is fsynced and renamed over it, so a crash leaves the old file or the
 * new one, never half of one. A torn last line is dropped with it. Returns whether the id was there
 * (false, and the file untouched, when it was not or there is no file).
 */
export function deleteAnnotation(runDir: string, id: string): boolean {
  const file = annotationsPath(runDir);
  const text = readText(file);
  if (text === null) return false;
  const rows = text.split('\n');
  const idOf = (row: string): string | null => {
    try {
      const value = JSON.parse(row) as { id?: unknown };
      return typeof value?.id === 'string' ? value.id : null;
    } catch {
      return null;
    }
  };
  const kept = rows.filter((row, i) => row.trim() !== '' && idOf(row) !== id && (i < rows.length - 1 || parsesAsAnnotation(row)));
  if (!rows.some((row) => idOf(row) === id)) return false;
  const temp = `${file}.${tempSuffix()}.tmp`;
  try {
    writeFileDurable(temp, kept.map((row) => row + '\n').join(''));
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fsyncDir(runDir);
  return true;
}

/** RFC 4180 quoting: fields with a comma, quote or line break go in quotes, quotes doubled. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function annotationsToCsv(annotations: Annotation[]): string {
  const rows = annotations.map((a) => CSV_COLUMNS.map((c) => csvField(a[CSV_FIELD[c]])).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** Write the run's annotations to `outFile` as JSON lines or CSV (with a header row); returns how many. */
export function exportAnnotations(runDir: string, outFile: string, format: 'jsonl' | 'csv'): { count: number } {
  if (format !== 'jsonl' && format !== 'csv') throw new Error(`unknown export format '${String(format)}'; use jsonl or csv`);
  const annotations = readAnnotations(runDir);
  const text = format === 'csv' ? annotationsToCsv(annotations) : annotations.map((a) => JSON.stringify(a) + '\n').join('');
  fs.writeFileSync(outFile, text);
  return { count: annotations.length };
}

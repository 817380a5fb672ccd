/**
 * Problems for training and evaluation, from the built-in arithmetic world or from outside JSONL files,
 * mapped to one shape: `{ id, question, answer }` (answer: the bare final answer, compared with
 * math-answer.ts answersEquivalent).
 *
 * JSONL layouts read (one JSON object per line; blank lines skipped):
 *   GSM8K     {"question": "...", "answer": "...reasoning...\n#### 72"}   answer = the text after "####"
 *   MATH-500  {"problem": "...", "answer": "\\frac{1}{2}", "unique_id": "test/algebra/1.json"}
 * An `id` (or MATH's `unique_id`) field is used when present, else `<file name>:<line>`.
 */
import { readFileSync } from 'node:fs';
import { diskErrorReason, errnoCode } from '../io/errors.js';
import { basename } from 'node:path';
import { extractGsm8k } from '../rl/math-answer.js';
import { ARITH_SPLITS, arithDataset, type ArithSplit, type DifficultySetting, BUILTIN_WORLD_DIFFICULTY } from './arith.js';
import { DatasetError } from './errors.js';

export interface Problem {
  id: string;
  question: string;
  /** The bare final answer ("72", "\\frac{1}{2}"). */
  answer: string;
}

export type JsonlLayout = 'gsm8k' | 'math';

/** Where a row came from, for error messages: "data/test.jsonl line 12". */
const at = (file: string, line: number) => `${file} line ${line}`;

function stringField(row: Record<string, unknown>, key: string, file: string, line: number, layout: string): string {
  const v = row[key];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') {
    const got = v === undefined ? 'missing' : `${JSON.stringify(v)?.slice(0, 40)}`;
    throw new DatasetError(`${at(file, line)}: field "${key}" is ${got}; a ${layout} row needs a non-empty "${key}" string`);
  }
  return v;
}

/** The layout of one row: "question" means GSM8K, "problem" means MATH-500. */
function layoutOf(row: Record<string, unknown>, file: string, line: number): JsonlLayout {
  if ('question' in row) return 'gsm8k';
  if ('problem' in row) return 'math';
  const keys = Object.keys(row).slice(0, 6).join(', ') || 'none';
  throw new DatasetError(
    `${at(file, line)}: no "question" (GSM8K layout) or "problem" (MATH-500 layout) field (fields: ${keys}); rename the problem field to one of them`,
  );
}

/** One parsed row as a Problem. */
export function rowToProblem(row: Record<string, unknown>, file: string, line: number, layout?: JsonlLayout): Problem {
  const kind = layout ?? layoutOf(row, file, line);
  const idField = row.id ?? row.unique_id;
  const id = typeof idField === 'string' || typeof idField === 'number' ? String(idField) : `${basename(file)}:${line}`;
  if (kind === 'gsm8k') {
    const question = stringField(row, 'question', file, line, 'GSM8K');
    const full = stringField(row, 'answer', file, line, 'GSM8K');
    const answer = extractGsm8k(full);
    if (answer === null) {
      throw new DatasetError(`${at(file, line)}: the GSM8K "answer" has no "#### N" line; end it with "#### <final answer>"`);
    }
    return { id, question, answer };
  }
  return { id, question: stringField(row, 'problem', file, line, 'MATH-500'), answer: stringField(row, 'answer', file, line, 'MATH-500').trim() };
}

/**
 * The file's text; bytes that are not UTF-8 (a Latin-1 or Windows-1252 export, say) are an error that
 * names the line, since decoding them as U+FFFD would silently change questions and answers.
 */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the first bad line for the message: decode line by line.
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end));
      } catch {
        throw new DatasetError(`${at(file, line)}: not UTF-8 text (Latin-1?); convert the file, e.g. iconv -f latin1 -t utf-8 ${file} > fixed.jsonl`);
      }
      start = end + 1;
    }
    throw new DatasetError(`${file}: not UTF-8 text; convert it to UTF-8`);
  }
}

/**
 * Problems from a JSONL file in the GSM8K or MATH-500 layout (decided per row, or forced by `layout`).
 * Throws DatasetError naming the file and line for unreadable files, bad JSON, and missing fields.
 */
export function loadJsonlProblems(file: string, layout?: JsonlLayout): Problem[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const why = errnoCode(e) === 'ENOENT' ? ' (ENOENT)' : `: ${diskErrorReason(e)}`;
    throw new DatasetError(`cannot read ${file}${why}; pass an existing JSONL file or one of ${ARITH_SPECS.join(', ')}`);
  }
  const text = decodeUtf8(bytes, file);
  const problems: Problem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '').trim();
    if (raw === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      throw new DatasetError(`${at(file, i + 1)}: not valid JSON (${why}); write one JSON object per line`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new DatasetError(
        `${at(file, i + 1)}: expected a JSON object, got ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}; write one {...} per line`,
      );
    }
    problems.push(rowToProblem(row as Record<string, unknown>, file, i + 1, layout));
  }
  if (problems.length === 0) throw new DatasetError(`${file} has no rows; write one JSON object per line`);
  return problems;
}

export const ARITH_SPECS = ARITH_SPLITS.map((s) => `arith-${s}`) as readonly string[];
export type ProblemSpec = `arith-${ArithSplit}` | (string & {});

export interface LoadProblemsOptions {
  /** Built-in arithmetic only: how many problems (default 1000), the seed (default 0), the difficulty. */
  count?: number;
  seed?: number;
  difficulty?: DifficultySetting;
  /** JSONL files only: force the layout instead of detecting it per row. */
  layout?: JsonlLayout;
}

/** Problems named by `spec`: `arith-train`, `arith-validation`, `arith-test`, or a JSONL file path. */
export function loadProblems(spec: ProblemSpec, opts: LoadProblemsOptions = {}): Problem[] {
  const split = /^arith-(.+)$/.exec(spec)?.[1];
  if (split !== undefined && (ARITH_SPLITS as readonly string[]).includes(split)) {
    // ArithProblems (they also carry `steps`, which an oracle teacher can use).
    return arithDataset(split as ArithSplit, { count: opts.count ?? 1000, seed: opts.seed ?? 0, difficulty: opts.difficulty ?? BUILTIN_WORLD_DIFFICULTY });
  }
  return loadJsonlProblems(spec, opts.layout);
}

/**
 * A run's evaluation results, kept beside it as `<runDir>/evals.jsonl`: one JSON object a line, appended
 * and fsynced when an evaluation finishes (the dashboard's `:eval` jobs, `thinktune eval` on one of the
 * run's checkpoints), read back when a dashboard opens the run. One line:
 *
 *   {"id":"eval-m3x-1","time":"2026-12-03T15:40:02.120Z","checkpoint":"checkpoints/step-11","step":11,
 *    "data":"arith-test","limit":null,"samples":1,
 *    "metrics":{"pass@1":0.412,"reflection_rate":0.12,"mean_length":31.5,"termination_rate":0.98,"n":200},
 *    "command":"thinktune eval --model runs/a/checkpoints/step-11 --data arith-test"}
 *
 * `checkpoint` is relative to the run folder when the model lies inside it (so the folder can move),
 * else absolute, or `builtin`; `step` is the checkpoint's step (null for a model that is not one of the
 * run's checkpoints); `limit` null means every problem; `time` is when the evaluation finished.
 * No UI or tfjs imports: the CLI and the dashboard both write it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { RunDir } from '../trainer/run-dir.js';

export const EVALS_FILE = 'evals.jsonl';

export interface EvalRecord {
  id: string;
  /** ISO 8601, when the evaluation finished. */
  time: string;
  checkpoint: string;
  step: number | null;
  data: string;
  limit: number | null;
  samples: number;
  /** Finite metrics only (pass@1, reflection_rate, mean_length in tokens, ...). */
  metrics: Record<string, number>;
  /** A `thinktune eval` line that evaluates the same thing again. */
  command: string;
}

/** `model` as a record names it: relative to the run folder when inside it, else absolute; `builtin` as is. */
export function checkpointField(runDir: string, model: string): string {
  if (model === 'builtin') return model;
  const rel = relative(resolve(runDir), resolve(model));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(model);
}

/** The step of a model that is one of the run's checkpoints (`checkpoints/step-N`), else null. */
export function checkpointStep(field: string): number | null {
  const m = /^checkpoints[/\\]step-(\d+)$/.exec(field);
  return m ? Number(m[1]) : null;
}

/** The model folder a record names, resolved against its run folder. */
export function recordModelPath(runDir: string, r: Pick<EvalRecord, 'checkpoint'>): string {
  return r.checkpoint === 'builtin' || isAbsolute(r.checkpoint) ? r.checkpoint : join(runDir, r.checkpoint);
}

/** Arguments as a POSIX shell line: words with anything but [\w@%+=:,./-] are single-quoted. */
export function shellLine(words: string[]): string {
  return words.map((w) => (w !== '' && /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function finiteMetrics(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof metrics !== 'object' || metrics === null) return out;
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** Append one record and fsync it (RunDir.appendLines); throws one line when the folder cannot be written. */
export function appendEvalRecord(runDir: string, record: EvalRecord): void {
  new RunDir(runDir).appendLines(EVALS_FILE, [record]);
}

function asRecord(v: unknown): EvalRecord | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Partial<EvalRecord>;
  if (typeof r.id !== 'string' || typeof r.checkpoint !== 'string' || typeof r.data !== 'string' || typeof r.time !== 'string') return null;
  return {
    id: r.id,
    time: r.time,
    checkpoint: r.checkpoint,
    step: typeof r.step === 'number' ? r.step : checkpointStep(r.checkpoint),
    data: r.data,
    limit: typeof r.limit === 'number' ? r.limit : null,
    samples: typeof r.samples === 'number' ? r.samples : 1,
    metrics: finiteMetrics(r.metrics),
    command: typeof r.command === 'string' ? r.command : '',
  };
}

/**
 * The run's records, oldest first; [] when there is no evals.jsonl. A torn last line (no newline yet)
 * is skipped; other lines that are not a record (a hand edit) are skipped and counted in `skipped`.
 */
export function readEvalRecords(runDir: string): { records: EvalRecord[]; skipped: number } {
  const file = join(runDir, EVALS_FILE);
  if (!existsSync(file)) return { records: [], skipped: 0 };
  const records: EvalRecord[] = [];
  let skipped = 0;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: EvalRecord | null = null;
    try {
      r = asRecord(JSON.parse(line));
    } catch {
      r = null;
    }
    if (r) records.push(r);
    else if (i < lines.length - 1) skipped++; // a last line without its newline is a write still under way
  });
  return { records, skipped };
}

/**
 * Set (to 1) in the environment of `thinktune eval` children that a dashboard started: the dashboard
 * records their results itself, so the child does not append a second line.
 */
export const PARENT_RECORDS_ENV = 'THINKTUNE_EVAL_PARENT_RECORDS';

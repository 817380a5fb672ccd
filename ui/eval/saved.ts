/**
 * The dashboard's side of a run's evals.jsonl (format: src/eval/records.ts): a finished `:eval` job is
 * appended there, earlier results are read back as finished jobs when the dashboard meets the run
 * (the live dashboard's run-start, `thinktune watch RUN_DIR`), and a checkpoint picked for evaluation
 * gets the keep marker so rotation does not delete it (src/trainer/run-dir.ts KEEP_FILE).
 */
import { existsSync, statSync } from 'node:fs';
import { appendEvalRecord, checkpointField, checkpointStep, readEvalRecords, recordModelPath, shellLine, type EvalRecord } from '../../src/eval/records.js';
import { markKept, runDirOfCheckpoint } from '../../src/trainer/run-dir.js';
import type { EvalJob, EvalRequest } from '../state/types.js';
import { shortPath } from './choices.js';
import { evalArgs } from './runner.js';

/** A folder that exists: the demo's and tests' made-up run paths get nothing written. */
const isFolder = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The record of a finished job; `time` when it finished. */
export function evalRecordOf(runDir: string, request: EvalRequest, metrics: Record<string, number>, time: Date): EvalRecord {
  const checkpoint = checkpointField(runDir, request.model);
  return {
    id: request.id,
    time: time.toISOString(),
    checkpoint,
    step: checkpointStep(checkpoint),
    data: request.data,
    limit: null,
    samples: 1,
    metrics,
    command: shellLine(['thinktune', ...evalArgs(request, { json: false })]),
  };
}

/** Append a finished job's result to `<runDir>/evals.jsonl`; false (nothing written) when the run folder does not exist. */
export function saveEvalResult(runDir: string, request: EvalRequest, metrics: Record<string, number>, time = new Date()): boolean {
  if (!isFolder(runDir)) return false;
  appendEvalRecord(runDir, evalRecordOf(runDir, request, metrics, time));
  return true;
}

/** Earlier results of the run as finished jobs, oldest first; model paths as the pick list shows them. */
export function readSavedEvals(runDir: string, cwd = process.cwd()): { jobs: EvalJob[]; skipped: number } {
  const { records, skipped } = readEvalRecords(runDir);
  const jobs = records.map((r): EvalJob => {
    const model = recordModelPath(runDir, r);
    const n = r.metrics.n ?? 0;
    return {
      id: r.id,
      model: model === 'builtin' ? model : shortPath(model, cwd),
      data: r.data,
      status: 'done',
      done: n,
      total: n,
      result: r.metrics,
      error: null,
    };
  });
  return { jobs, skipped };
}

/** Mark `model` kept when it is one of a run's checkpoints; true when it is. */
export function protectEvaluated(model: string): boolean {
  if (model === 'builtin' || runDirOfCheckpoint(model) === null) return false;
  markKept(model);
  return true;
}

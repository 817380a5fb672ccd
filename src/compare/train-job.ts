/**
 * The child process of a compute-matched run under `thinktune compare --jobs N`:
 *
 *   thinktune compare --train-job <jobsDir>/<name>.job.json
 *
 * `thinktune train` knows no token budget (the trainer runs to run.totalSteps), so a budgeted run is
 * this small entry instead: the same Trainer, driven by budget.ts, printing the protocol lines
 * `thinktune train --json` prints (children.ts reads them the same way); its done event carries the budget.
 * The job file is { config, runDir, budget }, written by children.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseTrainConfig } from '../config/train-config.js';
import { RunDirError } from '../trainer/run-dir.js';
import { eventMessage, jsonLine } from '../trainer/protocol.js';
import { Trainer } from '../trainer/trainer.js';
import { driveRun } from './budget.js';

export interface TrainJob {
  config: unknown;
  runDir: string;
  /** Generated tokens to train to; null trains to run.totalSteps. */
  budget: number | null;
}

export function writeTrainJob(file: string, job: TrainJob): void {
  writeFileSync(file, JSON.stringify(job, null, 2) + '\n');
}

function readTrainJob(file: string): TrainJob {
  let job: Partial<TrainJob>;
  try {
    job = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunDirError(`--train-job ${file}: ${(e as Error).message.split('\n')[0]}; it is written by thinktune compare --jobs, not by hand`);
  }
  if (typeof job.runDir !== 'string' || !(job.budget === null || (Number.isInteger(job.budget) && job.budget! >= 0))) {
    throw new RunDirError(`--train-job ${file} needs runDir and budget (a whole number or null); it is written by thinktune compare --jobs, not by hand`);
  }
  return job as TrainJob;
}

/** Runs the job; the exit status is 1 when the run failed (its fatal event is on stdout, as train's). */
export async function trainJobCommand(file: string, backend: { name: string; reason: string }): Promise<number> {
  const job = readTrainJob(file);
  const config = parseTrainConfig(job.config);
  const trainer = await Trainer.create({ config, runDir: job.runDir, backend });
  try {
    const out = await driveRun(trainer, { budget: job.budget, onEvent: (e) => process.stdout.write(jsonLine(eventMessage(e))) });
    return out.error === null ? 0 : 1;
  } finally {
    trainer.dispose();
  }
}

/**
 * Evaluation jobs started from the dashboard, run one at a time as child processes so an evaluation
 * never shares the trainer's memory or event loop:
 *
 *   node bin/thinktune.js eval --model M --data D --json --job-id ID [--limit N] [--samples K]
 *   (from source: node --import tsx src/cli/main.ts eval ..., see src/paths.ts thinktuneCommand)
 *
 * The child speaks the protocol (src/trainer/protocol.ts) through the one child launcher
 * (src/trainer/child-process.ts): eval-progress events while it works and one eval-result at the end.
 * A child that exits non-zero (or without a result) fails the job with the line its stderr gives for
 * why (its `thinktune:` line). The child runs with
 * PARENT_RECORDS_ENV set: the dashboard appends the result to the run's evals.jsonl itself
 * (ui/eval/saved.ts), so the child does not write a second line.
 */
import { PARENT_RECORDS_ENV } from '../../src/eval/records.js';
import { thinktuneCommand } from '../../src/paths.js';
import { startChild, type ChildProcess } from '../../src/trainer/child-process.js';
import type { EvalEvent } from '../../src/trainer/protocol.js';
import type { EvalJob } from '../state/types.js';

export interface EvalSpec {
  /** Job id chosen by the caller (must be unique); default `eval-<n>`. */
  id?: string;
  /** Checkpoint folder or model name, passed to `--model`. */
  model: string;
  /** Evaluation data file, passed to `--data`. */
  data: string;
  /** Evaluate only the first N problems. */
  limit?: number;
  /** Samples per problem (the k of pass@k and maj@k). */
  samples?: number;
  /** A run's config.json, passed to `--prompt-config`: prompt the model as that run prompts its student. */
  promptConfig?: string;
}

/** The program and arguments that evaluate one spec; injectable so tests can run a fake. */
export type EvalCommand = (spec: EvalSpec & { id: string }) => { file: string; args: string[] };

export interface EvalQueueOptions {
  /** Called with a fresh copy of every job after each change (status, progress, result). */
  onUpdate?: (jobs: EvalJob[]) => void;
  command?: EvalCommand;
}

/** `bin/thinktune.js`, found by walking up from this file (it runs from ui/ under tsx and dist/ui/ when built). */
export const thinktuneEvalCommand: EvalCommand = (spec) => {
  const cli = thinktuneCommand();
  return { file: cli.file, args: [...cli.args, ...evalArgs(spec, { json: true }), '--job-id', spec.id] };
};

/** `eval --model M --data D [--json] [--limit N] [--samples K] [--prompt-config F]`: the CLI words after `thinktune`. */
export function evalArgs(spec: EvalSpec, { json }: { json: boolean }): string[] {
  const args = ['eval', '--model', spec.model, '--data', spec.data, ...(json ? ['--json'] : [])];
  if (spec.limit !== undefined) args.push('--limit', String(spec.limit));
  if (spec.samples !== undefined) args.push('--samples', String(spec.samples));
  if (spec.promptConfig !== undefined) args.push('--prompt-config', spec.promptConfig);
  return args;
}

export class EvalQueue {
  private readonly list: EvalJob[] = [];
  private readonly specs = new Map<string, EvalSpec>();
  private running: { id: string; child: ChildProcess } | null = null;
  private nextId = 1;
  private idleWaiters: (() => void)[] = [];
  private readonly command: EvalCommand;

  constructor(private readonly opts: EvalQueueOptions = {}) {
    this.command = opts.command ?? thinktuneEvalCommand;
  }

  /** A copy of every job, in the order they were queued. */
  get jobs(): EvalJob[] {
    return this.list.map((j) => ({ ...j, result: j.result === null ? null : { ...j.result } }));
  }

  /** Queue an evaluation; it starts at once when nothing else runs. Returns the job as queued. */
  enqueue(spec: EvalSpec): EvalJob {
    const id = spec.id ?? `eval-${this.nextId++}`;
    if (this.list.some((j) => j.id === id)) throw new Error(`an evaluation job with id '${id}' already exists; pick another id`);
    const job: EvalJob = { id, model: spec.model, data: spec.data, status: 'queued', done: 0, total: 0, result: null, error: null };
    this.list.push(job);
    this.specs.set(job.id, { ...spec });
    this.emit();
    this.pump();
    return { ...job };
  }

  /** Drop a queued job or kill a running one; false when the id is unknown or the job already ended. */
  cancel(id: string): boolean {
    const job = this.list.find((j) => j.id === id);
    if (job === undefined || (job.status !== 'queued' && job.status !== 'running')) return false;
    job.status = 'cancelled';
    if (this.running?.id === id) this.running.child.kill();
    this.emit();
    return true;
  }

  /** Cancel everything (the dashboard is closing) and wait for the running child to exit. */
  async close(): Promise<void> {
    for (const j of this.list) if (j.status === 'queued' || j.status === 'running') this.cancel(j.id);
    await this.idle();
  }

  /** Resolves once no job is queued or running. */
  idle(): Promise<void> {
    if (this.running === null && !this.list.some((j) => j.status === 'queued')) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private emit(): void {
    this.opts.onUpdate?.(this.jobs);
  }

  private pump(): void {
    if (this.running !== null) return;
    const job = this.list.find((j) => j.status === 'queued');
    if (job === undefined) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    void this.run(job);
  }

  private async run(job: EvalJob): Promise<void> {
    let command: { file: string; args: string[] };
    try {
      command = this.command({ ...this.specs.get(job.id)!, id: job.id });
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      this.emit();
      this.pump();
      return;
    }
    job.status = 'running';
    const child = startChild({
      ...command,
      env: { [PARENT_RECORDS_ENV]: '1' },
      onMessage: (m) => {
        if (m.kind === 'eval') this.handleEvent(job, m.event);
      },
    });
    this.running = { id: job.id, child };
    this.emit();
    const result = await child.outcome;

    if (job.status === 'running') {
      if (result.exitCode === 0 && job.result !== null) {
        job.status = 'done';
      } else {
        job.status = 'failed';
        job.error =
          result.exitCode === undefined
            ? `could not start the eval command: ${result.lastError ?? command.file}`
            : (result.lastError ??
              (result.exitCode === 0 ? 'the eval command finished without a result line' : `the eval command exited with status ${result.exitCode}`));
      }
    }
    this.running = null;
    this.emit();
    this.pump();
  }

  /** One event of the running child; events of another id (not this job's child) are ignored. */
  private handleEvent(job: EvalJob, e: EvalEvent): void {
    if (job.status !== 'running' || e.id !== job.id) return;
    if (e.type === 'eval-progress') {
      job.done = e.done;
      job.total = e.total;
      this.emit();
    } else if (e.type === 'eval-start') {
      job.total = e.total;
      this.emit();
    } else if (e.type === 'eval-result') {
      job.result = { ...e.result };
      if (job.total > 0) job.done = job.total;
      this.emit();
    } else if (e.type === 'eval-error') {
      job.error = e.error;
    }
  }
}

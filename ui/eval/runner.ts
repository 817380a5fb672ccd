/**
 * Evaluation jobs started from the dashboard, run one at a time as child processes so an evaluation
 * never shares the trainer's memory or event loop:
 *
 *   node bin/thinktune.js eval --model M --data D --json [--limit N] [--samples K]
 *   (from source: node --import tsx src/cli/main.ts eval ..., see src/paths.ts thinktuneCommand)
 *
 * The child prints JSON lines on stdout, `{"type":"progress","done":n,"total":N}` while it works and one
 * `{"type":"result","metrics":{...}}` at the end; other stdout lines are ignored. A child that exits
 * non-zero (or without a result) fails the job with its last stderr line. The child runs with
 * PARENT_RECORDS_ENV set: the dashboard appends the result to the run's evals.jsonl itself
 * (ui/eval/saved.ts), so the child does not write a second line.
 */
import { execa, type ResultPromise } from 'execa';
import { finiteMetrics, PARENT_RECORDS_ENV } from '../../src/eval/records.js';
import { thinktuneCommand } from '../../src/paths.js';
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
export type EvalCommand = (spec: EvalSpec) => { file: string; args: string[] };

export interface EvalQueueOptions {
  /** Called with a fresh copy of every job after each change (status, progress, result). */
  onUpdate?: (jobs: EvalJob[]) => void;
  command?: EvalCommand;
}

/** `bin/thinktune.js`, found by walking up from this file (it runs from ui/ under tsx and dist/ui/ when built). */
export const thinktuneEvalCommand: EvalCommand = (spec) => {
  const cli = thinktuneCommand();
  return { file: cli.file, args: [...cli.args, ...evalArgs(spec, { json: true })] };
};

/** `eval --model M --data D [--json] [--limit N] [--samples K] [--prompt-config F]`: the CLI words after `thinktune`. */
export function evalArgs(spec: EvalSpec, { json }: { json: boolean }): string[] {
  const args = ['eval', '--model', spec.model, '--data', spec.data, ...(json ? ['--json'] : [])];
  if (spec.limit !== undefined) args.push('--limit', String(spec.limit));
  if (spec.samples !== undefined) args.push('--samples', String(spec.samples));
  if (spec.promptConfig !== undefined) args.push('--prompt-config', spec.promptConfig);
  return args;
}

const lastLine = (text: string): string | null =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop() ?? null;

export class EvalQueue {
  private readonly list: EvalJob[] = [];
  private readonly specs = new Map<string, EvalSpec>();
  private running: { id: string; child: ResultPromise } | null = null;
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
      command = this.command(this.specs.get(job.id)!);
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      this.emit();
      this.pump();
      return;
    }
    const { file, args } = command;
    job.status = 'running';
    const env = { [PARENT_RECORDS_ENV]: '1' };
    const child = execa(file, args, { reject: false, stdin: 'ignore', buffer: { stdout: false }, stripFinalNewline: true, env });
    this.running = { id: job.id, child };
    this.emit();

    // Split stdout into lines ourselves: progress must show while the child runs, not when it ends.
    let pending = '';
    const onText = (text: string): void => {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        this.handleLine(job, pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onText);
    const result = await child;
    if (pending !== '') this.handleLine(job, pending);

    if (job.status === 'running') {
      if (result.exitCode === 0 && job.result !== null) {
        job.status = 'done';
      } else {
        job.status = 'failed';
        const stderr = typeof result.stderr === 'string' ? lastLine(result.stderr) : null;
        job.error =
          stderr ??
          (result.exitCode === undefined
            ? `could not start the eval command: ${result.originalMessage ?? result.shortMessage}`
            : result.exitCode === 0
              ? 'the eval command finished without a result line'
              : `the eval command exited with status ${result.exitCode}`);
      }
    }
    this.running = null;
    this.emit();
    this.pump();
  }

  private handleLine(job: EvalJob, raw: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      return; // not one of ours (a warning printed to stdout): ignore
    }
    if (typeof msg !== 'object' || msg === null || job.status !== 'running') return;
    const m = msg as { type?: unknown; done?: unknown; total?: unknown; metrics?: unknown };
    if (m.type === 'progress' && typeof m.done === 'number' && typeof m.total === 'number') {
      job.done = m.done;
      job.total = m.total;
      this.emit();
    } else if (m.type === 'result') {
      job.result = finiteMetrics(m.metrics); // a metric that came out NaN is serialised as null: nothing to show
      if (job.total > 0) job.done = job.total;
      this.emit();
    }
  }
}

/**
 * `thinktune watch RUN_DIR`: the dashboard on a run folder's files instead of a live worker, e.g. a
 * headless run under nohup or on another terminal. It reads config.json, metrics.jsonl and
 * rollouts.jsonl, follows them as they grow (a poll every `pollMs`), and turns what it reads into the
 * same TrainEvents a worker sends (run-start from config.json, rollouts, step, checkpoint, done), so the
 * one reducer and the one set of panels serve both.
 *
 * Read-only, except for the commands a headless run takes between steps: pause, resume, step-once,
 * save and stop are appended to the folder's control.jsonl (RunDir.sendControl). The run does not
 * answer a watcher, so the state a command asks for is shown at once ("paused"), and a stop shows as
 * done once the run's final checkpoint appears.
 *
 * What the files cannot tell: step-start (so no step timer between steps), teacher-feedback lines,
 * warnings, and whether the run is alive at all; a crashed run simply stops growing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RolloutRecord, StepMetrics, TrainCommand, TrainEvent } from '../../src/trainer/events.js';
import { eventMessage } from '../../src/trainer/protocol.js';
import { RunDir, RunDirError } from '../../src/trainer/run-dir.js';
import { CAPACITY } from '../state/initial.js';
import { JsonlTail } from './jsonl-tail.js';
import type { EventSource } from './types.js';

/** Commands a headless run reads from control.jsonl and a watcher may send. */
export const WATCH_COMMANDS: readonly TrainCommand['type'][] = ['pause', 'resume', 'step-once', 'save', 'stop'];

export interface FilesSourceOptions {
  /** Milliseconds between polls of the files (default 1000). */
  pollMs?: number;
}

export interface FilesSource extends EventSource {
  readonly watching: true;
  /** The run folder, absolute. */
  readonly runDir: string;
  /** Read what was appended since the last poll now (the timer does this every pollMs). */
  poll(): void;
  /** Stop polling. */
  close(): void;
}

/** The run folder, checked: a missing or empty folder, or one without config.json, is a one-line RunDirError. */
export function checkRunFolder(dir: string): RunDir {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new RunDirError(`run folder ${dir} does not exist; pass the folder a run writes (its --run-dir, holding config.json and metrics.jsonl)`);
  }
  if (readdirSync(abs).length === 0) throw new RunDirError(`run folder ${dir} is empty: its run has not started yet, or this is not a run folder`);
  if (!existsSync(join(abs, 'config.json'))) throw new RunDirError(`${dir} has no config.json: not a thinktune run folder, or its run has not written it yet`);
  return new RunDir(abs);
}

function readConfig(run: RunDir): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(run.file('config.json'), 'utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RunDirError(`${run.file('config.json')} is not a JSON object; the run writes it at start, so restore it or watch another folder`);
}

const totalStepsOf = (config: Record<string, unknown>): number => {
  const n = (config.run as { totalSteps?: unknown } | undefined)?.totalSteps;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
};

const isStep = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** A metrics.jsonl line as a step's metrics: its numbers (and nulls: NaN is written as null). */
function metricsOf(rec: Record<string, unknown>): StepMetrics {
  const out: StepMetrics = {};
  for (const [k, v] of Object.entries(rec)) if (typeof v === 'number' || v === null) out[k] = v;
  return out;
}

export function watchRunFolder(dir: string, options: FilesSourceOptions = {}): FilesSource {
  const run = checkRunFolder(dir);
  const pollMs = options.pollMs ?? 1000;
  const listeners = new Set<(msg: unknown) => void>();
  const emit = (e: TrainEvent) => listeners.forEach((cb) => cb(eventMessage(e)));

  let config = readConfig(run);
  let metrics = new JsonlTail(run.file('metrics.jsonl'), 'metrics.jsonl');
  let rollouts = new JsonlTail(run.file('rollouts.jsonl'), 'rollouts.jsonl');
  let lastStep: number | null = null;
  let lastCheckpoint = -1;
  let templateVersion = 0;
  let finished = false;
  let stopSent = false;
  let timer: NodeJS.Timeout | null = null;
  let failing: string | null = null;

  const runStart = () => {
    emit({
      type: 'run-start', runDir: run.path, runName: run.name, totalSteps: totalStepsOf(config), startStep: 0,
      backend: 'files', backendReason: `watching ${run.path}`, config, resumedFrom: null,
    });
  };

  /** Rollouts of the newest steps read (older ones would fall out of the dashboard's history at once). */
  const emitRollouts = (records: unknown[]) => {
    const bySteps: { step: number; rollouts: RolloutRecord[] }[] = [];
    for (const rec of records) {
      const r = rec as RolloutRecord;
      if (!isStep(r?.step)) {
        emit({ type: 'warning', message: 'rollouts.jsonl: a line without a step number; skipped' });
        continue;
      }
      const last = bySteps[bySteps.length - 1];
      if (last && last.step === r.step) last.rollouts.push(r);
      else bySteps.push({ step: r.step, rollouts: [r] });
    }
    for (const g of bySteps.slice(-CAPACITY.rolloutSteps)) emit({ type: 'rollouts', step: g.step, rollouts: g.rollouts });
    // Rollouts carry the template version they were made with: a higher one is a template reload.
    const newest = Math.max(templateVersion, ...bySteps.flatMap((g) => g.rollouts.map((r) => (isStep(r.templateVersion) ? r.templateVersion : 0))));
    if (newest > templateVersion) {
      templateVersion = newest;
      emit({ type: 'templates', version: newest, changed: [], error: null });
    }
  };

  const emitSteps = (records: unknown[]) => {
    for (const rec of records) {
      const m = rec as Record<string, unknown>;
      if (typeof m !== 'object' || m === null || !isStep(m.step)) {
        emit({ type: 'warning', message: 'metrics.jsonl: a line without a step number; skipped' });
        continue;
      }
      lastStep = m.step;
      emit({ type: 'step', step: m.step, metrics: metricsOf(m) });
    }
  };

  const checkEnd = () => {
    const newest = run.checkpoints()[0];
    if (newest && newest.step > lastCheckpoint) {
      lastCheckpoint = newest.step;
      emit({ type: 'checkpoint', step: newest.step, path: newest.path });
    }
    if (finished || lastStep === null) return;
    const total = totalStepsOf(config);
    if (total > 0 && lastStep + 1 >= total) {
      finished = true;
      emit({ type: 'done', step: lastStep + 1, reason: 'completed' });
    } else if (stopSent && newest && newest.step >= lastStep + 1) {
      // A stopped run saves a checkpoint of every step it completed, then exits.
      finished = true;
      emit({ type: 'done', step: newest.step, reason: 'stopped' });
    }
  };

  const poll = () => {
    try {
      const m = metrics.read();
      const r = rollouts.read();
      if (m.reset || r.reset) {
        // A resumed run cut its files back to its checkpoint: start over, as the run itself did.
        config = readConfig(run);
        metrics = new JsonlTail(run.file('metrics.jsonl'), 'metrics.jsonl');
        rollouts = new JsonlTail(run.file('rollouts.jsonl'), 'rollouts.jsonl');
        lastStep = null;
        templateVersion = 0;
        finished = false;
        runStart();
        return poll();
      }
      for (const error of [...m.errors, ...r.errors]) emit({ type: 'warning', message: error });
      emitRollouts(r.records);
      emitSteps(m.records);
      checkEnd();
      failing = null;
    } catch (err) {
      // Say it once, keep polling: the folder may come back (a remounted disk, a restored file).
      const text = `cannot read ${run.path}: ${err instanceof Error ? err.message : String(err)}`;
      if (text !== failing) emit({ type: 'warning', message: text });
      failing = text;
    }
  };

  return {
    watching: true,
    runDir: run.path,
    subscribe(cb) {
      const first = listeners.size === 0 && timer === null;
      listeners.add(cb);
      if (first) {
        runStart();
        poll();
        timer = setInterval(poll, pollMs);
      }
      return () => listeners.delete(cb);
    },
    send(cmd) {
      if (!WATCH_COMMANDS.includes(cmd.type)) {
        throw new Error(`${cmd.type} is not available while watching; a headless run takes only ${WATCH_COMMANDS.join(', ')} from control.jsonl`);
      }
      run.sendControl(cmd);
      // The run answers nobody: show the state asked for; the run takes it up at its next step boundary.
      if (cmd.type === 'pause') emit({ type: 'state', state: 'paused' });
      if (cmd.type === 'resume') emit({ type: 'state', state: 'running' });
      if (cmd.type === 'stop') {
        stopSent = true;
        emit({ type: 'state', state: 'stopping' });
      }
    },
    poll,
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

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
 * Whether the run is alive comes from run.lock (src/trainer/run-lock.ts), which a training process
 * holds while it runs: the lock gone, or left behind by a dead PID, ends the view. Then a run whose
 * metrics reached run.totalSteps finished; one with a checkpoint of its last step was stopped (a stop
 * saves one); else it crashed or was killed. A run started again (a live lock) is followed again. A
 * folder that never had a lock while watched (an older trainer) counts as alive, as before, unless
 * its newest checkpoint already covers its last step when the watcher first looks (it was stopped).
 *
 * What the files cannot tell: step-start (so no step timer between steps), teacher-feedback lines,
 * warnings, and a lock held on another host (its PID cannot be checked from here: taken as alive).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { RolloutRecord, StepMetrics, TrainCommand, TrainEvent } from '../../src/trainer/events.js';
import { eventMessage } from '../../src/trainer/protocol.js';
import { RunDir, RunDirError } from '../../src/trainer/run-dir.js';
import { LOCK_FILE, processAlive } from '../../src/trainer/run-lock.js';
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

/**
 * What run.lock says about the run: 'alive' (a live PID here, or any PID on another host), 'dead'
 * (left behind by a process that is gone), 'none' (no lock: not running, or an older trainer), or
 * 'unknown' (being written, or not ours).
 */
export type LockState = 'alive' | 'dead' | 'none' | 'unknown';

export function lockState(runDir: string): LockState {
  let text: string;
  try {
    text = readFileSync(join(runDir, LOCK_FILE), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'none' : 'unknown';
  }
  try {
    const v = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || typeof v.host !== 'string') return 'unknown';
    return v.host !== hostname() || processAlive(v.pid) ? 'alive' : 'dead';
  } catch {
    return 'unknown';
  }
}

/** A metrics.jsonl line as a step's metrics: its numbers (and nulls: NaN is written as null). */
function metricsOf(rec: Record<string, unknown>): StepMetrics {
  const out: StepMetrics = {};
  for (const [k, v] of Object.entries(rec)) if (typeof v === 'number' || v === null) out[k] = v;
  return out;
}

interface EndingFacts {
  lock: LockState;
  /** A live lock was seen earlier by this watcher. */
  lockSeen: boolean;
  /** This is the watcher's first look at the folder. */
  look: boolean;
  /** A stop was written to control.jsonl from here. */
  stopSent: boolean;
  /** The newest checkpoint covers the last metrics line (what a stop leaves). */
  saved: boolean;
  /** metrics.jsonl reached run.totalSteps. */
  completed: boolean;
}

/** How the watched run ended, or null while it may still be running (see the header of this file). */
export function endingOf(f: EndingFacts): 'completed' | 'stopped' | 'crashed' | null {
  if (f.completed) return 'completed';
  const gone = f.lock === 'dead' || (f.lock === 'none' && (f.lockSeen || (f.look && f.saved)));
  if (gone) return f.saved ? 'stopped' : 'crashed';
  // No lock ever seen (an older trainer): a stop asked from here shows once its checkpoint is saved.
  if (f.stopSent && f.saved && f.lock !== 'alive') return 'stopped';
  return null;
}

function lastWritten(run: RunDir): string {
  try {
    return new Date(statSync(run.file('metrics.jsonl')).mtimeMs)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  } catch {
    return 'never (no metrics.jsonl)';
  }
}

function crashMessage(lock: LockState, done: number, total: number, checkpoint: string | null): string {
  const why = lock === 'dead' ? 'its process is gone and left run.lock behind' : 'run.lock is gone';
  const kept = checkpoint ? `the newest checkpoint is ${checkpoint}` : 'no checkpoint was saved';
  return `the run is not running: ${why} after step ${done}${total > 0 ? ` of ${total}` : ''} without a final checkpoint (crashed or killed); ${kept}`;
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
  /** A live run.lock was seen: its going away later means the run ended. */
  let lockSeen = false;
  /** Since the view ended, run.lock was gone: a live one now is a new process (a completed run still holds it while it saves). */
  let lockGoneSinceEnd = false;
  let firstLook = true;
  let timer: NodeJS.Timeout | null = null;
  let failing: string | null = null;

  const startEvent = (startStep: number, resumedFrom: string | null): TrainEvent => ({
    type: 'run-start',
    runDir: run.path,
    runName: run.name,
    totalSteps: totalStepsOf(config),
    startStep,
    backend: 'files',
    backendReason: `watching ${run.path}`,
    config,
    resumedFrom,
  });
  const runStart = () => emit(startEvent(0, null));

  /**
   * Rollouts of every step read, in order: the dashboard keeps the newest steps' rollouts (older ones
   * are read back from the file when browsed) but counts the teacher's verdicts of every step, so the
   * teacher panel's totals and chart cover the whole run, not only the steps still held.
   */
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
    for (const g of bySteps) emit({ type: 'rollouts', step: g.step, rollouts: g.rollouts });
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
    const lock = lockState(run.path);
    const look = firstLook;
    firstLook = false;
    if (lock === 'alive') lockSeen = true;
    const done = lastStep === null ? 0 : lastStep + 1; // steps finished, a count
    if (finished) {
      if (lock !== 'alive') lockGoneSinceEnd = true;
      // Started again (--resume) without cutting its files back: follow it from where it is.
      else if (lockGoneSinceEnd) {
        finished = false;
        lockGoneSinceEnd = false;
        stopSent = false;
        emit(startEvent(done, newest?.path ?? run.path));
      }
      return;
    }
    const total = totalStepsOf(config);
    const saved = newest !== undefined && newest.step >= done && done > 0; // a checkpoint of the last step
    const end = endingOf({ lock, lockSeen, look, stopSent, saved, completed: lastStep !== null && total > 0 && done >= total });
    if (end === null) return;
    finished = true;
    lockGoneSinceEnd = lock !== 'alive';
    // The dashboard dates the end when it hears of it: for an end older than this watcher, say when the files last grew.
    if (look && lock !== 'alive')
      emit({ type: 'warning', message: `this run ended before the watcher started; metrics.jsonl was last written ${lastWritten(run)}` });
    if (end === 'completed') emit({ type: 'done', step: done, reason: 'completed' });
    else if (end === 'stopped') emit({ type: 'done', step: newest!.step, reason: 'stopped' });
    else emit({ type: 'fatal', message: crashMessage(lock, done, total, newest?.path ?? null) });
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
      // Nobody reads control.jsonl now: a command written there would be taken up by the next --resume.
      if (finished) throw new Error(`the run is not running; start it again with thinktune train --resume --run-dir ${run.path}`);
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

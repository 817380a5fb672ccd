/**
 * An EventSource that replays a script of worker messages: for tests, demos and reproducing a UI
 * problem from a recorded run. With `mimicTrainer` it also answers commands the way the training
 * worker does (pause holds the replay, step-once replays up to the next step, stop saves and ends).
 */
import type { TrainCommand, TrainEvent } from '../../src/trainer/events.js';
import { evalMessage, eventMessage, type EvalEvent } from '../protocol.js';
import type { EventSource } from './types.js';

/** A TrainEvent (wrapped for you), an eval child event, or any raw message (e.g. an invalid one). */
export type ScriptEntry = TrainEvent | { eval: EvalEvent } | { raw: unknown };

export interface ScriptedSourceOptions {
  script?: readonly ScriptEntry[];
  /** Milliseconds between entries; 0 delivers the whole script synchronously when the UI subscribes. */
  intervalMs?: number;
  /** Answer commands like the trainer would; otherwise commands are only recorded in `sent`. */
  mimicTrainer?: boolean;
}

export interface ScriptedSource extends EventSource {
  /** Every command the UI sent, in order. */
  readonly sent: TrainCommand[];
  /** Deliver one raw message now. */
  emit(raw: unknown): void;
  emitEvent(event: TrainEvent): void;
  /** Stop the replay timer. */
  close(): void;
  /** Resolves once every script entry has been delivered. */
  readonly finished: Promise<void>;
}

export function createScriptedSource(options: ScriptedSourceOptions = {}): ScriptedSource {
  const script = options.script ?? [];
  const intervalMs = options.intervalMs ?? 0;
  const listeners = new Set<(msg: unknown) => void>();
  const sent: TrainCommand[] = [];
  let pos = 0;
  let started = false;
  let held = false;
  let timer: NodeJS.Timeout | null = null;
  /** Steps finished (a count, as checkpoint and done events carry): the step event's index + 1. */
  let stepsDone = 0;
  let runDir = 'runs/scripted';
  let templatesVersion = 0;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));

  const emit = (raw: unknown) => {
    for (const cb of [...listeners]) cb(raw);
  };
  const emitEvent = (e: TrainEvent) => {
    if (e.type === 'step') stepsDone = e.step + 1;
    if (e.type === 'run-start') {
      runDir = e.runDir;
      stepsDone = e.startStep;
    }
    if (e.type === 'templates') templatesVersion = e.version;
    emit(eventMessage(e));
  };
  const deliver = (entry: ScriptEntry) => {
    if ('raw' in entry) emit(entry.raw);
    else if ('eval' in entry) emit(evalMessage(entry.eval));
    else emitEvent(entry);
  };
  const pump = () => {
    timer = null;
    while (!held && pos < script.length) {
      deliver(script[pos++]!);
      if (intervalMs > 0 && pos < script.length) {
        timer = setTimeout(pump, intervalMs);
        return;
      }
    }
    if (pos >= script.length) resolveFinished();
  };
  const resume = () => {
    held = false;
    if (!timer) pump();
  };
  const hold = () => {
    held = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };

  const answer = (cmd: TrainCommand) => {
    switch (cmd.type) {
      case 'pause':
        hold();
        emitEvent({ type: 'state', state: 'paused' });
        return;
      case 'resume':
        emitEvent({ type: 'state', state: 'running' });
        resume();
        return;
      case 'step-once': {
        while (pos < script.length) {
          const entry = script[pos++]!;
          deliver(entry);
          if ('type' in entry && entry.type === 'step') break;
        }
        emitEvent({ type: 'state', state: 'paused' });
        return;
      }
      case 'stop':
        hold();
        emitEvent({ type: 'state', state: 'stopping' });
        if (cmd.save) emitEvent({ type: 'checkpoint', step: stepsDone, path: `${runDir}/checkpoints/step-${stepsDone}` });
        emitEvent({ type: 'done', step: stepsDone, reason: 'stopped' });
        return;
      case 'save':
        emitEvent({ type: 'checkpoint', step: stepsDone, path: `${runDir}/checkpoints/step-${stepsDone}` });
        return;
      case 'set':
        emitEvent({ type: 'setting', key: cmd.key, value: cmd.value, ok: true, error: null });
        return;
      case 'reload-templates':
        emitEvent({ type: 'templates', version: templatesVersion + 1, changed: [], error: null });
        return;
    }
  };

  return {
    sent,
    finished,
    subscribe(cb) {
      listeners.add(cb);
      if (!started) {
        started = true;
        pump();
      }
      return () => listeners.delete(cb);
    },
    send(cmd) {
      sent.push(cmd);
      if (options.mimicTrainer) answer(cmd);
    },
    emit,
    emitEvent,
    close: hold,
  };
}

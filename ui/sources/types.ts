/**
 * Where the dashboard's messages come from and where its commands go. The real source wraps the
 * training worker (worker_threads) and speaks ui/protocol.ts; tests and demos use a scripted one.
 */
import type { TrainCommand } from '../../src/trainer/events.js';
import type { EvalRequest } from '../state/types.js';

export interface EventSource {
  /**
   * Deliver every message from the worker to `cb`, as received: the dashboard validates each one
   * (parseWorkerMessage) and turns a bad one into a warning. Returns a function that unsubscribes.
   */
  subscribe(cb: (msg: unknown) => void): () => void;
  /** Send a command to the worker (wrapped as {v: 1, kind: 'command', command} on the wire). */
  send(cmd: TrainCommand): void;
  /**
   * Start the trainer again from the newest checkpoint of the same run folder, after it died (a
   * `fatal` event). Sources that cannot (a watched run folder, a script) leave it out.
   */
  restart?(): void;
  /** True for a read-only view of a run folder: `q` leaves without stopping the run. */
  readonly watching?: boolean;
}

/** Starts evaluation jobs for ':eval'; progress comes back as EvalMessages through `report`. */
export interface EvalLauncher {
  start(request: EvalRequest, report: (msg: unknown) => void): void;
  cancel(id: string): void;
}

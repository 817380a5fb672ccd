/**
 * Helper threads that share decode-time attention with the main thread.
 *
 * Attention over the KV cache is the one part of a decode step that is neither a backend matmul nor
 * cheap, and its rows are independent: the kernel (decode-kernels.ts) claims rows from an atomic
 * counter in the cache's shared memory, so any number of threads can split one call, and each row is
 * computed whole by one thread with the same code (results do not depend on the split). The main
 * thread always works too and never waits for a helper that has not started: a helper joins a call
 * through an atomic ticket that the main thread closes once it runs out of rows, so a busy core costs
 * nothing but the rows it would have done.
 *
 * Helpers are worker_threads started once per process (unref'd: they never keep it alive) and serve
 * one cache at a time; a cache hands itself to them on creation and releases them on dispose().
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ATTEND_PARAMS, type AttendFn } from './decode-kernels.js';

/** Int32 words of the control block in the shared memory. */
const SEQ = 0; // call number: bumped for every call (and for stop)
const STOP = 1; // 1 once the cache is released
const JOIN = 2; // helpers that joined the current call; CLOSED once the main thread has finished its rows
const FINISHED = 3; // helpers that finished the current call
export const NEXT = 4; // the kernel's row counter
const ARGS = 5; // the call's ATTEND_PARAMS kernel arguments (the scores scratch is per thread)
export const CONTROL_WORDS = ARGS + ATTEND_PARAMS;
const CLOSED = -(2 ** 30);
const SCORES_ARG = 6;
/** More helpers than this gain little: the kernel reads the cache at memory speed. */
const MAX_HELPERS = Number(process.env.MAXH ?? 3);

// Runs in each helper (a CommonJS worker script). Protocol as in AttentionThreads.attend.
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ module, memory, control, scores }) => {
  const attend = new WebAssembly.Instance(module, { env: { memory } }).exports.attend;
  const c = new Int32Array(memory.buffer, control, ${CONTROL_WORDS});
  let seen = Atomics.load(c, ${SEQ});
  while (Atomics.load(c, ${STOP}) === 0) {
    Atomics.wait(c, ${SEQ}, seen);
    seen = Atomics.load(c, ${SEQ});
    if (Atomics.load(c, ${STOP}) !== 0 || Atomics.add(c, ${JOIN}, 1) < 0) continue;
    const a = Array.from(c.subarray(${ARGS}, ${ARGS + ATTEND_PARAMS}));
    a[${SCORES_ARG}] = scores;
    attend(...a);
    Atomics.add(c, ${FINISHED}, 1);
    Atomics.notify(c, ${FINISHED});
  }
});
`;

let helpers: Worker[] | null = null;

/** The process's helper threads, started on first use: one per extra core, at most MAX_HELPERS. */
export function attentionHelpers(): number {
  if (!helpers) {
    const n = Math.max(0, Math.min(availableParallelism() - 1, MAX_HELPERS));
    helpers = Array.from({ length: n }, () => {
      const w = new Worker(HELPER_SOURCE, { eval: true });
      w.unref();
      // A helper that dies (it should not) just stops helping: the main thread never waits for one that did not join.
      w.on('error', () => { helpers = helpers!.filter((h) => h !== w); });
      return w;
    });
  }
  return helpers.length;
}

export class AttentionThreads {
  private readonly control: Int32Array;
  private readonly attendMain: AttendFn;
  private readonly helpers: number;

  /**
   * control: byte offset of CONTROL_WORDS Int32s in `memory`; scores[k]: scratch of thread k (0 = main).
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, scores: number[]) {
    this.control = new Int32Array(memory.buffer, control, CONTROL_WORDS);
    this.control[JOIN] = CLOSED;
    this.attendMain = new WebAssembly.Instance(module, { env: { memory } }).exports.attend as AttendFn;
    const workers = helpers ?? [];
    this.helpers = Math.min(workers.length, scores.length - 1);
    for (let k = 0; k < this.helpers; k++) workers[k].postMessage({ module, memory, control, scores: scores[k + 1] });
  }

  /** Run one kernel call (args as AttendFn; next must point at the NEXT control word), split across threads. */
  attend(args: Parameters<AttendFn>): void {
    const c = this.control;
    Atomics.store(c, NEXT, 0);
    if (this.helpers === 0) {
      this.attendMain(...args);
      return;
    }
    c.set(args, ARGS);
    Atomics.store(c, FINISHED, 0);
    Atomics.store(c, JOIN, 0); // open: from here helpers may join (and read ARGS)
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    this.attendMain(...args);
    const joined = Atomics.exchange(c, JOIN, CLOSED);
    for (let f = Atomics.load(c, FINISHED); f < joined; f = Atomics.load(c, FINISHED)) Atomics.wait(c, FINISHED, f);
  }

  /** Release the helpers (they go back to waiting for the next cache). */
  dispose(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
  }
}

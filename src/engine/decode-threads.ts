/**
 * Helper threads that share the decode kernels' work with the main thread, and the arena they serve.
 *
 * The parallel kernels (decode-kernels.ts: the gemms and attention) claim work items from an atomic
 * counter in the shared arena, so any number of threads can split one call. The main thread always
 * works too and never waits for a helper that has not started: a helper joins a call through an
 * atomic ticket that the main thread closes once it runs out of items, so a helper on a busy core
 * costs nothing but the items it would have done.
 *
 * Helpers are worker_threads started once per process (unref'd: they never keep it alive). They attach
 * once to one arena, kept for the process and reused by every decoder (a shared memory a worker has
 * seen is only freed by that worker's garbage collector, which hardly runs, so fresh arenas per call
 * would pile up). Each decoder is a session: its kernel module reaches the helpers through a
 * MessagePort, read synchronously (receiveMessageOnPort) when they first join one of its calls. A
 * decoder that starts while another holds the arena (a generate() inside onStep) gets a fresh arena
 * and works alone.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { DecodeArena } from './decode-arena.js';
import type { KernelFn } from './decode-kernels.js';

// Int32 words of the control block.
const SEQ = 0; // call number, bumped for every call
const JOIN = 1; // helpers that joined the current call; CLOSED once the main thread has run out of items
const FINISHED = 2; // helpers that finished the current call
const NEXT = 3; // the kernels' work-item counter
const SESSION = 4; // the decoder whose kernels the current call runs
const FN = 5; // index of the kernel to run
const ARGC = 6; // number of arguments after (scratch, next)
const HELPED = 7; // work items the helpers did in the current call
const ARGS = 8;
const MAX_ARGS = 9;
const CONTROL_WORDS = ARGS + MAX_ARGS;
const CLOSED = -(2 ** 30);
/** Calls before judging whether the helpers pay (a reference decode step makes ~20). */
const PROBE_CALLS = 60;
/** Helpers at most (one per extra core up to this): decode calls are short, so more mostly add wake-ups. */
const MAX_HELPERS = 3;

// Runs in each helper (a CommonJS worker script); the other half of DecodeThreads.run. A helper that
// joined a call always reports FINISHED, even if (it should not happen) it has no kernels for it.
const HELPER_SOURCE = `
const { parentPort, receiveMessageOnPort } = require('node:worker_threads');
parentPort.once('message', ({ memory, control, port }) => {
  const c = new Int32Array(memory.buffer, control, ${CONTROL_WORDS});
  const next = control + ${NEXT * 4};
  let session = -1, fns = [], scratch = 0;
  let seen = Atomics.load(c, ${SEQ});
  for (;;) {
    Atomics.wait(c, ${SEQ}, seen);
    seen = Atomics.load(c, ${SEQ});
    if (Atomics.add(c, ${JOIN}, 1) < 0) continue;
    for (let m; session !== c[${SESSION}] && (m = receiveMessageOnPort(port)); ) {
      const exports = new WebAssembly.Instance(m.message.module, { env: { memory } }).exports;
      ({ session, scratch } = m.message);
      fns = m.message.names.map((name) => exports[name]);
    }
    if (session === c[${SESSION}]) Atomics.add(c, ${HELPED}, fns[c[${FN}]](scratch, next, ...c.subarray(${ARGS}, ${ARGS} + c[${ARGC}])));
    Atomics.add(c, ${FINISHED}, 1);
    Atomics.notify(c, ${FINISHED});
  }
});
`;

interface Pool {
  arena: DecodeArena;
  control: Int32Array;
  ports: MessagePort[];
  busy: boolean;
  session: number;
}

let pool: Pool | null = null;

/** The process's arena and helpers (one per extra core, at most MAX_HELPERS), made on first use. */
function sharedPool(): Pool {
  if (!pool) {
    const arena = new DecodeArena();
    const control = arena.i32(CONTROL_WORDS);
    control[JOIN] = CLOSED;
    arena.pin();
    const ports: MessagePort[] = [];
    const helpers = Math.max(0, Math.min(availableParallelism() - 1, MAX_HELPERS));
    for (let k = 0; k < helpers; k++) {
      const worker = new Worker(HELPER_SOURCE, { eval: true });
      worker.unref();
      worker.on('error', () => {}); // a helper that dies just stops helping: nothing waits for one that did not join
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      worker.postMessage({ memory: arena.memory, control: control.byteOffset, port: port2 }, [port2]);
      ports.push(port1);
    }
    pool = { arena, control, ports, busy: false, session: 0 };
  }
  return pool;
}

export class DecodeThreads {
  private readonly fns: KernelFn[];
  private readonly scratch: Float32Array[];
  private helping = false;
  private calls = 0;
  private savedMs = 0; // estimated time the helpers saved (negative: cost)

  /**
   * Threads and an arena for one decoder running `module` (exports `names`), with `scratchFloats` of
   * per-thread scratch: the shared arena (reset) and its helpers when free, else a fresh arena alone.
   * Allocate from `arena`, then start(); close() when done.
   */
  static open(module: WebAssembly.Module, names: string[], scratchFloats: number): DecodeThreads {
    const shared = sharedPool();
    if (shared.busy) {
      const arena = new DecodeArena();
      return new DecodeThreads(module, names, arena, arena.i32(CONTROL_WORDS), [], scratchFloats, null);
    }
    shared.busy = true;
    shared.arena.reset();
    return new DecodeThreads(module, names, shared.arena, shared.control, shared.ports, scratchFloats, shared);
  }

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly names: string[],
    readonly arena: DecodeArena,
    private readonly control: Int32Array,
    private readonly ports: MessagePort[],
    scratchFloats: number,
    private readonly shared: Pool | null,
  ) {
    const exports = new WebAssembly.Instance(module, { env: { memory: arena.memory } }).exports;
    this.fns = names.map((n) => exports[n] as KernelFn);
    this.scratch = Array.from({ length: 1 + ports.length }, () => arena.f32(scratchFloats));
  }

  /** Kernel function index by export name. */
  fn(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`decode kernels: no function ${name}`);
    return i;
  }

  /** Send this session's kernels to the helpers; from here on run() splits calls with them. */
  start(): void {
    if (!this.shared || this.ports.length === 0) return;
    this.helping = true;
    const session = ++this.shared.session;
    this.ports.forEach((port, k) => port.postMessage({ session, module: this.module, names: this.names, scratch: this.scratch[k + 1].byteOffset }));
    Atomics.store(this.control, SESSION, session);
  }

  /**
   * Run a parallel kernel fn(scratch, next, ...args) to completion, split across the threads.
   *
   * Helpers only pay on a free core: one preempted by another process while it holds an item makes
   * the main thread wait. So each call compares its time with what the main thread alone would have
   * taken (its own time per item, times all items); if after PROBE_CALLS calls the helpers have cost
   * more than they saved, the rest of the session runs on the main thread alone.
   */
  run(fn: number, args: number[]): void {
    const c = this.control;
    const next = c.byteOffset + NEXT * 4;
    Atomics.store(c, NEXT, 0);
    if (!this.helping) {
      this.fns[fn](this.scratch[0].byteOffset, next, ...args);
      return;
    }
    const t0 = performance.now();
    c[FN] = fn;
    c[ARGC] = args.length;
    c.set(args, ARGS);
    Atomics.store(c, HELPED, 0);
    Atomics.store(c, FINISHED, 0);
    Atomics.store(c, JOIN, 0); // open: from here helpers may join (and then read SESSION, FN and ARGS)
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    const mine = this.fns[fn](this.scratch[0].byteOffset, next, ...args) as number;
    const joined = Atomics.exchange(c, JOIN, CLOSED);
    const t1 = performance.now();
    for (let f = Atomics.load(c, FINISHED); f < joined; f = Atomics.load(c, FINISHED)) Atomics.wait(c, FINISHED, f);
    const t2 = performance.now();
    const helped = Atomics.load(c, HELPED);
    if (mine > 0) this.savedMs += ((t1 - t0) * (mine + helped)) / mine - (t2 - t0);
    if (++this.calls === PROBE_CALLS && this.savedMs < 0) this.helping = false;
  }

  /** Run a single-threaded kernel on the main thread. */
  call(fn: number, args: number[]): void {
    this.fns[fn](...args);
  }

  /** Give the arena back; views into it must no longer be used. */
  close(): void {
    if (this.shared) this.shared.busy = false;
  }
}

/**
 * A safety net for the wasm backend's silent failures. tfjs-backend-wasm 4.22 has at most 4 GiB of
 * memory, and XNNPACK, its matmul library, keeps a packed copy of every weight matrix it multiplies by.
 * When an allocation fails it prints "XNN status for xnn_create_fully_connected_nc_f32 is not successful"
 * through the module's printErr and carries on with garbage: measured on a Qwen2-0.5B-shaped model
 * (1.98 GB of float32 weights), every next-token log-prob came out wrong, by up to 2.1 nats, exit 0.
 *
 * The module binds printErr to `console.warn` when it initializes, so the watch wraps console.warn before
 * that; the first such message marks the backend as failed, and `assertWasmHealthy` (called after every
 * forward and backward pass) turns it into one error instead of wrong numbers.
 */
import { BackendError } from './errors.js';

let failure: string | null = null;
let watching = false;

const XNN_FAILURE = /XNN status for \S+ is not successful|memory access out of bounds|Cannot enlarge memory/;

/** Wrap console.warn (and console.error) once, before the wasm module is initialized. */
export function watchWasmErrors(): void {
  if (watching) return;
  watching = true;
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (failure === null && XNN_FAILURE.test(text)) failure = text.split('\n')[0].slice(0, 200);
      original(...args);
    };
  }
}

/** Throw if the wasm backend reported a failure: everything it computed since is wrong. */
export function assertWasmHealthy(): void {
  if (failure === null) return;
  throw new BackendError(
    `the wasm backend failed ("${failure}"): it ran out of its 4 GiB of memory (it keeps a packed copy of every weight matrix), so its results are wrong and the run stops; use --backend tensorflow (native TensorFlow, no such limit), a smaller model, or fewer rows per batch`,
  );
}

/** For tests: forget a recorded failure. */
export function resetWasmHealth(): void {
  failure = null;
}

/**
 * The real event source: the training loop in a worker_threads Worker (src/trainer/worker.ts).
 * Messages pass through untouched (the dashboard validates them); if the worker dies without saying
 * why, a `fatal` event with the exit code is synthesised so the dashboard can say so and offer a
 * restart from the newest checkpoint (`restart()` starts a new worker with `resume: true`).
 * Commands reach a busy worker because the worker turns its event loop after every event it posts
 * (src/trainer/worker.ts); a step is one long synchronous stretch otherwise.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainCommand } from '../../src/trainer/events.js';
import { commandMessage, eventMessage, type WorkerStart } from '../../src/trainer/protocol.js';
import type { EventSource } from './types.js';

/** dist/ holds worker.js; running from source (tsx) there is only worker.ts. */
function workerUrl(): URL {
  const js = new URL('../../src/trainer/worker.js', import.meta.url);
  return existsSync(fileURLToPath(js)) ? js : new URL('../../src/trainer/worker.ts', import.meta.url);
}

export interface WorkerSource extends EventSource {
  /** Start again from the newest checkpoint of the same run folder. */
  restart(): void;
  terminate(): Promise<void>;
}

/**
 * The worker's entry. From source the worker module is TypeScript: it is loaded through tsx (a dev
 * dependency), since Node 20 does not apply --import loaders to a worker's entry file.
 */
function bootstrap(url: URL): string {
  return url.pathname.endsWith('.ts')
    ? `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`
    : `import(${JSON.stringify(url.href)})`;
}

export function startWorkerSource(start: WorkerStart): WorkerSource {
  const listeners = new Set<(msg: unknown) => void>();
  const emit = (msg: unknown) => listeners.forEach((cb) => cb(msg));
  let worker: Worker;
  let runDir = start.runDir;

  const spawn = (s: WorkerStart) => {
    let finished = false;
    const w = new Worker(bootstrap(workerUrl()), { eval: true, workerData: s });
    w.on('message', (msg: unknown) => {
      const m = msg as { kind?: string; event?: { type?: string; runDir?: string } };
      if (m?.kind === 'event' && (m.event?.type === 'done' || m.event?.type === 'fatal')) finished = true;
      if (m?.kind === 'event' && m.event?.type === 'run-start' && m.event.runDir) runDir = m.event.runDir;
      emit(msg);
    });
    w.on('error', (e) => {
      finished = true;
      emit(eventMessage({ type: 'fatal', message: `training worker crashed: ${e.message.split('\n')[0]}` }));
    });
    w.on('exit', (code) => {
      if (!finished) emit(eventMessage({ type: 'fatal', message: `training worker exited with code ${code} before the run ended` }));
    });
    return w;
  };
  worker = spawn(start);

  return {
    subscribe(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    send(cmd: TrainCommand) {
      worker.postMessage(commandMessage(cmd));
    },
    restart() {
      void worker.terminate();
      worker = spawn({ ...start, runDir, resume: true, overwrite: false });
    },
    async terminate() {
      await worker.terminate();
    },
  };
}

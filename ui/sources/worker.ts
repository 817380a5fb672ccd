/**
 * The real event source: the training loop in a worker_threads Worker (src/trainer/worker.ts).
 * Messages pass through untouched (the dashboard validates them); if the worker dies without saying
 * why, a `fatal` event with the exit code is synthesised so the dashboard can say so and offer a
 * restart from the newest checkpoint (`restart()` starts a new worker with `resume: true`).
 *
 * Commands reach a busy worker through a small bootstrap (see `bootstrap`): the training loop runs step
 * after step without returning to the worker's event loop, so a posted command would otherwise wait
 * in the port until the run ends, and `p` would never pause it.
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
 * Runs first in the worker, then loads the trainer's worker module. Each time the worker posts an
 * event (between and within steps) it takes the commands already waiting in its port, synchronously
 * (receiveMessageOnPort), and hands them to the port's 'message' listeners, i.e. to trainer.command(),
 * which applies them at the next step boundary. When the loop does return to the event loop (paused)
 * commands arrive the ordinary way; no message is delivered twice.
 * From source the worker module is TypeScript: it is loaded through tsx (a dev dependency), since
 * Node 20 does not apply --import loaders to a worker's entry file.
 */
function bootstrap(url: URL): string {
  const load = url.pathname.endsWith('.ts')
    ? `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`
    : `import(${JSON.stringify(url.href)})`;
  return `
const { parentPort, receiveMessageOnPort } = require('node:worker_threads');
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (msg, transfer) => {
  post(msg, transfer);
  if (parentPort.listenerCount('message') === 0) return;
  for (let r = receiveMessageOnPort(parentPort); r; r = receiveMessageOnPort(parentPort)) parentPort.emit('message', r.message);
};
${load};
`;
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
      worker = spawn({ ...start, runDir, resume: true });
    },
    async terminate() {
      await worker.terminate();
    },
  };
}

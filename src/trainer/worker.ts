/**
 * The training loop in a worker_threads Worker: tfjs and its backend live here, the dashboard's thread
 * only renders. Messages follow the versioned protocol in ./protocol.ts in both directions; a command
 * that does not validate is reported as a warning event, never fatal.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend/select.js';
import { runConfig } from './resume-config.js';
import { Trainer } from './trainer.js';
import type { TrainCommand } from './events.js';
import { parseCommandMessage, eventMessage, type WorkerStart } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('src/trainer/worker.ts must run inside a worker thread');
const start = workerData as WorkerStart;

async function main(): Promise<void> {
  let trainer: Trainer | null = null;
  const pending: TrainCommand[] = [];
  port!.on('message', (raw: unknown) => {
    const parsed = parseCommandMessage(raw);
    if (!parsed.ok) {
      port!.postMessage(eventMessage({ type: 'warning', message: `worker ignored a message: ${parsed.error}` }));
      return;
    }
    if (trainer) trainer.command(parsed.msg.command);
    else pending.push(parsed.msg.command);
  });
  try {
    const backend = await selectBackend(start.backend);
    const { config, changes } = runConfig({ configFile: start.configFile, sets: start.sets, runDir: start.runDir, resume: start.resume });
    trainer = await Trainer.create({
      config,
      runDir: start.runDir,
      resume: start.resume,
      overwrite: start.overwrite,
      resumeChanges: changes,
      maxSteps: start.maxSteps,
      backend: { name: backend.name, reason: backend.reason },
    });
    for (const c of pending) trainer.command(c);
    for await (const e of trainer.run()) {
      port!.postMessage(eventMessage(e));
      // A step is one long synchronous stretch: turn the event loop so queued commands (pause, stop)
      // are delivered before the next one starts.
      await new Promise<void>((r) => setImmediate(r));
    }
  } catch (e) {
    port!.postMessage(eventMessage({ type: 'fatal', message: (e as Error).message.split('\n')[0] }));
  } finally {
    trainer?.dispose();
    port!.close();
  }
}

void main();

/**
 * `thinktune` on a terminal: the training loop in a worker thread, the Ink dashboard on this one.
 * `thinktune watch RUN_DIR`: the same dashboard on a run folder's files (read-only).
 * The CLI is the composition root, so it is the one place in src/ that reaches into ui/.
 */
import type { TrainArgs } from './train.js';
import { wholeArg } from './args.js';

/** Same rule as the dashboard's own (ui/start.tsx): a terminal on both ends, not dumb, not CI. */
export async function isInteractiveTerminal(): Promise<boolean> {
  const { isInteractive } = await import('../../ui/start.js');
  return isInteractive(process.stdout, process.stdin, process.env);
}

export async function trainWithDashboard(a: TrainArgs & { backend?: string }): Promise<number> {
  const { startWorkerSource } = await import('../../ui/sources/worker.js');
  const { startDashboard } = await import('../../ui/start.js');
  const source = startWorkerSource({
    configFile: a.config,
    sets: a.set ?? [],
    runDir: a.runDir,
    resume: a.resume,
    overwrite: a.overwrite,
    maxSteps: wholeArg('--max-steps', a.maxSteps, 1),
    backend: a.backend,
  });
  try {
    await startDashboard({ source, configPath: a.config });
  } finally {
    await source.terminate();
  }
  return 0;
}

/** The dashboard on a run folder's files; a missing or empty folder is a one-line RunDirError before anything is drawn. */
export async function watchWithDashboard(runDir: string): Promise<number> {
  const { watchRunFolder } = await import('../../ui/sources/files.js');
  const { startDashboard } = await import('../../ui/start.js');
  const source = watchRunFolder(runDir);
  try {
    await startDashboard({ source });
  } finally {
    source.close();
  }
  return 0;
}

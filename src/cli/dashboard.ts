/**
 * `thinktune` on a terminal: the training loop in a worker thread, the Ink dashboard on this one.
 * `thinktune watch RUN_DIR [OTHER_RUN]`: the same dashboard on a run folder's files (read-only), with a
 * second run's reward drawn under the first's; RUN_DIR may be a folder of run folders (the newest is watched).
 * The CLI is the composition root, so it is the one place in src/ that reaches into ui/.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * The dashboard on a run folder's files; a missing or empty folder is a one-line RunDirError before anything is drawn.
 * With `compareDir`, that run's reward is drawn under the first run's (ui/sources/compare-run.ts).
 */
export async function watchWithDashboard(runDir: string, compareDir?: string): Promise<number> {
  const { watchRunFolder } = await import('../../ui/sources/files.js');
  const { followCompareRun, showComparison } = await import('../../ui/sources/compare-run.js');
  const { startDashboard } = await import('../../ui/start.js');
  const picked = pickRunFolder(runDir);
  if (picked.notice) process.stderr.write(`thinktune ${picked.notice}\n`);
  const source = watchRunFolder(picked.dir);
  const compared = compareDir === undefined ? null : followCompareRun(pickRunFolder(compareDir).dir);
  showComparison(compared);
  try {
    await startDashboard({ source });
  } finally {
    source.close();
    compared?.close();
    showComparison(null);
  }
  return 0;
}

export interface PickedRun {
  dir: string;
  /** Set when `dir` was picked from a folder of runs: which one and why, for one line on stderr. */
  notice: string | null;
}

/**
 * `thinktune watch runs/`: a folder with no config.json of its own but run folders in it means its
 * newest run, the one whose metrics.jsonl changed last (config.json's time for a run with no step
 * yet). Anything else is returned as given, for watchRunFolder to accept or explain.
 */
export function pickRunFolder(dir: string): PickedRun {
  const asGiven = { dir, notice: null };
  if (!existsSync(dir) || !statSync(dir).isDirectory() || existsSync(join(dir, 'config.json'))) return asGiven;
  const runs: { dir: string; file: string; at: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const sub = join(dir, e.name);
    if (!e.isDirectory() || !existsSync(join(sub, 'config.json'))) continue;
    const file = existsSync(join(sub, 'metrics.jsonl')) ? 'metrics.jsonl' : 'config.json';
    runs.push({ dir: sub, file, at: statSync(join(sub, file)).mtimeMs });
  }
  if (runs.length === 0) return asGiven;
  const newest = runs.reduce((a, b) => (b.at > a.at ? b : a));
  const when = new Date(newest.at)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
  const of = runs.length === 1 ? `the only run in ${dir}` : `the newest of ${runs.length} runs in ${dir}`;
  return { dir: newest.dir, notice: `watching ${newest.dir}: ${of} (${newest.file} last written ${when})` };
}

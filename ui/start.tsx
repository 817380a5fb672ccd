/**
 * Entry point for the dashboard: the Ink UI on a terminal, plain progress lines otherwise (piped
 * output, CI). Renders with a capped frame rate (Ink's maxFps) on top of the container's message
 * coalescing, so a fast trainer cannot make the terminal flicker or eat a core. After q it prints how
 * to go on with the run (`resume with: thinktune train --resume --run-dir DIR`) unless nothing is left.
 */
import { render } from 'ink';
import { appendAnnotation } from './annotations/store.js';
import { AppContainer } from './AppContainer.js';
import { runPlain } from './plain.js';
import { openPreferences } from './prefs.js';
import { evalQueueLauncher } from './sources/eval-queue.js';
import type { EvalLauncher, EventSource } from './sources/types.js';

export interface StartDashboardOptions {
  source: EventSource;
  /** Starts ':eval' jobs; default: `thinktune eval` child processes, one at a time. */
  evalLauncher?: EvalLauncher & { close?: () => Promise<void> };
  /** Folder for the preferences file (default: the OS config folder for 'thinktune'). */
  prefsCwd?: string;
  /** The train config in use, remembered as `lastConfigPath`. */
  configPath?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** Frame-rate cap for Ink (default 15 frames/s). */
  maxFps?: number;
  env?: Record<string, string | undefined>;
}

/** CI=1/true (as Ink's own is-in-ci reads it): Ink then draws only the last frame, so use plain lines. */
export function inCi(env: Record<string, string | undefined>): boolean {
  return ['CI', 'CONTINUOUS_INTEGRATION'].some((k) => env[k] !== undefined && env[k] !== '0' && env[k] !== 'false');
}

/** The Ink dashboard needs a terminal on both ends (keys in, cursor control out) and no CI. */
export function isInteractive(stdout: { isTTY?: boolean }, stdin: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return Boolean(stdout.isTTY && stdin.isTTY) && env.TERM !== 'dumb' && !inCi(env);
}

/** Runs until the user quits (after the trainer saved and stopped) or, without a terminal, until the run ends. */
export async function startDashboard(o: StartDashboardOptions): Promise<void> {
  const stdout = o.stdout ?? process.stdout;
  const stdin = o.stdin ?? process.stdin;
  const stderr = o.stderr ?? process.stderr;
  const env = o.env ?? process.env;
  if (!isInteractive(stdout, stdin, env)) {
    await runPlain(o.source, stdout, stderr);
    return;
  }
  const prefs = openPreferences({ cwd: o.prefsCwd });
  if (o.configPath) prefs.update({ lastConfigPath: o.configPath });
  const launcher = o.evalLauncher ?? evalQueueLauncher();
  const outcome = trackRunEnd(o.source);
  const instance = render(
    <AppContainer
      source={outcome.source}
      prefs={prefs}
      env={env}
      evalLauncher={launcher}
      onAnnotation={(a, state) => {
        if (state.run) appendAnnotation(state.run.runDir, a);
      }}
    />,
    { stdout, stdin, stderr, maxFps: o.maxFps ?? 15, exitOnCtrlC: false, patchConsole: true },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    await launcher.close?.();
  }
  const hint = outcome.resumeHint();
  if (hint) stdout.write(`${hint}\n`);
}

export interface TrackedSource {
  /** The same source; what passes through it is watched for the run folder and for how the run ended. */
  source: EventSource;
  /**
   * `resume with: thinktune train --resume --run-dir DIR` once the dashboard is left with steps still to
   * run; null when the run did all its steps, or when a watched run is still running (it goes on alone).
   */
  resumeHint(): string | null;
}

/** Follow run-start, step, done and fatal on their way to the dashboard (a light read: the dashboard validates). */
export function trackRunEnd(source: EventSource): TrackedSource {
  let runDir: string | null = null;
  let total = 0;
  let done = 0;
  let ended = false;
  const see = (raw: unknown) => {
    const e = (raw as { kind?: unknown; event?: Record<string, unknown> } | null)?.event;
    if ((raw as { kind?: unknown } | null)?.kind !== 'event' || typeof e !== 'object' || e === null) return;
    if (e.type === 'run-start' && typeof e.runDir === 'string') {
      runDir = e.runDir;
      total = typeof e.totalSteps === 'number' ? e.totalSteps : 0;
      done = typeof e.startStep === 'number' ? e.startStep : 0;
      ended = false;
    } else if (e.type === 'step' && typeof e.step === 'number')
      done = e.step + 1; // index -> count
    else if (e.type === 'done' || e.type === 'fatal') {
      ended = true;
      if (typeof e.step === 'number') done = e.step; // done carries a count
    }
  };
  const tracked: EventSource = {
    subscribe: (cb) =>
      source.subscribe((raw) => {
        see(raw);
        cb(raw);
      }),
    send: (cmd) => source.send(cmd),
    ...(source.restart ? { restart: () => source.restart!() } : {}),
    watching: source.watching,
  };
  return {
    source: tracked,
    resumeHint() {
      if (runDir === null || (total > 0 && done >= total) || (source.watching && !ended)) return null;
      return `resume with: thinktune train --resume --run-dir ${runDir}`;
    },
  };
}

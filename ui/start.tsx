/**
 * Entry point for the dashboard: the Ink UI on a terminal, plain progress lines otherwise (piped
 * output, CI). Renders with a capped frame rate (Ink's maxFps) on top of the container's message
 * coalescing, so a fast trainer cannot make the terminal flicker or eat a core.
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
  const instance = render(
    <AppContainer
      source={o.source}
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
}

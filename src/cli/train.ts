/**
 * `thinktune train`: a ThinkTuning (or plain GRPO) run from a config file. With --headless, or when
 * stdout is not a terminal, it prints one line per step and keeps running after the terminal goes
 * away (under nohup or tmux); with --json it prints every event as a protocol line (protocol.ts), for
 * programs (compare's children read these); otherwise it opens the dashboard.
 */
import { runConfig } from '../trainer/resume-config.js';
import { Trainer } from '../trainer/trainer.js';
import { eventPrinter } from '../trainer/print.js';
import { eventMessage, jsonLine } from '../trainer/protocol.js';
import type { BackendChoice } from '../backend/select.js';
import { wholeArg } from './args.js';

/** Exit codes of a run ended by a signal, as a shell reports them (128 + signal number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** Quote an argument for a shell line the user can paste. */
const shellArg = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command that continues this run from its newest checkpoint (its settings are in its config.json). */
export function resumeCommand(runDir: string): string {
  return ['thinktune', 'train', '--resume', '--run-dir', runDir].map(shellArg).join(' ');
}

/**
 * Ctrl-C / SIGTERM: the first asks the trainer to finish the current step, save and stop (the loop
 * yields between steps so this runs); a second exits at once, since checkpoints already written are
 * complete folders and stay. `signal()` says which signal asked for the stop, if any.
 */
export function stopOnSignals(
  trainer: Pick<Trainer, 'command'>,
  exit: (code: number) => void = (code) => process.exit(code),
  proc: Pick<NodeJS.Process, 'on' | 'off'> = process,
): { signal: () => StopSignal | null; dispose: () => void } {
  let first: StopSignal | null = null;
  const onSignal = (s: StopSignal) => {
    if (first) return exit(SIGNAL_EXIT[s]);
    first = s;
    process.stderr.write(`${s}: stopping after this step (a checkpoint will be saved; send it again to exit now)\n`);
    trainer.command({ type: 'stop', save: true });
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    signal: () => first,
    dispose: () => {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}

/**
 * `thinktune train | head -5`: once the reader closes the pipe, writes fail with EPIPE (asynchronously,
 * as an 'error' event that would otherwise be an uncaught stack trace). A closed stdout is a stop
 * request like Ctrl-C: finish the step, save, exit; nothing more is written to it.
 */
export function stopOnClosedOutput(
  trainer: Pick<Trainer, 'command'>,
  out: Pick<NodeJS.WriteStream, 'on' | 'off' | 'write'> = process.stdout,
): { write: (text: string) => void; closed: () => boolean; dispose: () => void } {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (closed) return;
    closed = true;
    trainer.command({ type: 'stop', save: true });
  };
  out.on('error', onError);
  return {
    write: (text) => {
      if (!closed) out.write(text);
    },
    closed: () => closed,
    dispose: () => {
      out.off('error', onError);
    },
  };
}

export interface TrainArgs {
  config?: string;
  set?: string[];
  runDir?: string;
  maxSteps?: string;
  headless?: boolean;
  /** Every event as a protocol line on stdout (protocol.ts) instead of the lines for people. */
  json?: boolean;
  resume?: boolean;
  overwrite?: boolean;
}

/** The run's config: from the flags for a new run, from its config.json on --resume (resume-config.ts). */
export function resolveTrainConfig(a: TrainArgs) {
  return runConfig({ configFile: a.config, sets: a.set, runDir: a.runDir, resume: a.resume });
}

export async function trainHeadless(a: TrainArgs, backend: BackendChoice): Promise<number> {
  const maxSteps = wholeArg('--max-steps', a.maxSteps, 1); // checked before anything slow is loaded
  const { config, changes } = resolveTrainConfig(a);
  const trainer = await Trainer.create({
    config,
    runDir: a.runDir,
    resume: a.resume,
    overwrite: a.overwrite,
    resumeChanges: changes,
    maxSteps,
    backend: { name: backend.name, reason: backend.reason },
  });
  const signals = stopOnSignals(trainer);
  const output = stopOnClosedOutput(trainer);
  let code = 0;
  let stopped = false;
  // Every line, warnings and errors included, goes to stdout: one log in order. With --json the lines are
  // protocol messages, and what is said to a person (the resume line) goes to stderr.
  const print = eventPrinter(config.run.totalSteps, (text) => output.write(text + '\n'));
  const say = (text: string) => (a.json ? process.stderr.write(text) : output.write(text));
  try {
    for await (const e of trainer.run()) {
      if (a.json) output.write(jsonLine(eventMessage(e)));
      else print(e);
      if (e.type === 'fatal') code = 1;
      if (e.type === 'done') stopped = e.reason === 'stopped';
    }
    const signal = signals.signal();
    if (signal && stopped) {
      say(`stopped by ${signal}; resume with: ${resumeCommand(trainer.runDir.path)}\n`);
      if (code === 0) code = SIGNAL_EXIT[signal];
    } else if (output.closed() && stopped) {
      // The reader is gone; the terminal (stderr) still hears where the run stands.
      process.stderr.write(`thinktune: output closed, the run stopped and saved; resume with: ${resumeCommand(trainer.runDir.path)}\n`);
    }
  } finally {
    output.dispose();
    signals.dispose();
    trainer.dispose();
  }
  return code;
}

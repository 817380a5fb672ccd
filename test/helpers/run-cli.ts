/** `thinktune ...` from source in a child process, for tests that watch its lines and signal it. */
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  signal: string | null;
  /** stdout, line by line, then stderr as it came. */
  out: string;
}

/**
 * Runs the CLI with `args`; `onLine` sees each stdout line and may send the child a signal (default
 * SIGKILL: a crash at that moment).
 */
export function runCli(args: string[], onLine?: (line: string, send: (signal?: NodeJS.Signals) => void) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let pending = ''; // a line cut across two chunks (a long --json line is) waits for its end
    const send = (signal: NodeJS.Signals = 'SIGKILL') => child.kill(signal);
    child.stdout.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        out += line + '\n';
        onLine?.(line, send);
      }
    });
    child.stdout.on('end', () => {
      if (pending !== '') {
        out += pending + '\n';
        onLine?.(pending, send);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, out })); // after stdout's end
  });
}

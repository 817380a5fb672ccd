/**
 * The one launcher of thinktune child processes: `compare --jobs N` trains and evaluates in children
 * (src/compare/children.ts), and the dashboard's evaluation queue evaluates in one (ui/eval/runner.ts).
 * The child is started with `--json`, so its stdout is protocol messages, one per line (protocol.ts
 * jsonLine); each is validated and handed on as it arrives (progress must show while the child runs).
 * A line that is not JSON (a stray print of a library) is ignored; one that is JSON but not a valid
 * message is reported through onInvalid. Why a child failed comes from its stderr (failureLine).
 */
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { parseJsonLine, type WorkerMessage } from './protocol.js';

export interface ChildOptions {
  file: string;
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  onMessage: (message: WorkerMessage) => void;
  /** A JSON line that is not a valid message (a child from another thinktune install, say). */
  onInvalid?: (error: string) => void;
}

export interface ChildOutcome {
  /** undefined when the process could not be started. */
  exitCode: number | undefined;
  /** True when kill() ended it. */
  killed: boolean;
  /** Wall time from start to exit. */
  seconds: number;
  /** Why it failed, from stderr (failureLine), else why it could not start, else null. */
  lastError: string | null;
}

export interface ChildProcess {
  outcome: Promise<ChildOutcome>;
  kill: () => void;
}

export function startChild(o: ChildOptions): ChildProcess {
  const t0 = performance.now();
  let killed = false;
  const child = execa(o.file, o.args, { reject: false, stdin: 'ignore', buffer: { stdout: false }, env: o.env });
  const outcome = (async (): Promise<ChildOutcome> => {
    // Lines as they come; the loop ends when stdout closes.
    if (child.stdout) {
      for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
        const parsed = parseJsonLine(line);
        if (parsed === null) continue;
        if (parsed.ok) o.onMessage(parsed.msg);
        else o.onInvalid?.(parsed.error);
      }
    }
    const r = await child;
    const lines =
      typeof r.stderr === 'string'
        ? r.stderr
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l !== '')
        : [];
    return {
      exitCode: r.exitCode,
      killed,
      seconds: (performance.now() - t0) / 1000,
      lastError: failureLine(lines) ?? (r.exitCode === undefined ? (r.shortMessage ?? null) : null),
    };
  })();
  return {
    outcome,
    kill: () => {
      killed = true;
      child.kill();
    },
  };
}

/**
 * The line that says why a child failed: the CLI's own one-line error (`thinktune: ...`, prefix dropped),
 * else an uncaught error's message line (node ends a crash with `Node.js vX`, which says nothing), else
 * the last stderr line.
 */
export function failureLine(lines: readonly string[]): string | null {
  const latest = [...lines].reverse();
  const own = latest.find((l) => l.startsWith('thinktune: ') && !l.startsWith('thinktune: internal error') && !l.startsWith('thinktune: warning'));
  if (own) return own.slice('thinktune: '.length);
  return latest.find((l) => /^\w*Error\b.*: /.test(l)) ?? latest[0] ?? null;
}

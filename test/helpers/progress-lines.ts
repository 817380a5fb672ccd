/**
 * Reads back the headless lines for people (src/trainer/print.ts), for tests that assert what a person
 * sees and act on it (kill at a checkpoint line, signal after the first step). Programs never parse
 * these lines: they read `--json` protocol lines (src/trainer/protocol.ts).
 */
/** What parseProgressLine recognises: the lines that say how far a run got and how it ended. */
export type ParsedProgressLine =
  | { kind: 'step'; done: number; total: number | null }
  | { kind: 'checkpoint'; step: number; path: string }
  | { kind: 'done'; step: number; reason: string }
  | { kind: 'error'; message: string };

export function parseProgressLine(line: string): ParsedProgressLine | null {
  let m = /^step (\d+)\/(\d+|\?) {2}/.exec(line);
  if (m) return { kind: 'step', done: Number(m[1]), total: m[2] === '?' ? null : Number(m[2]) };
  m = /^checkpoint saved at step (\d+): (.+)$/.exec(line);
  if (m) return { kind: 'checkpoint', step: Number(m[1]), path: m[2]! };
  m = /^done after step (\d+) \((\w+)\)$/.exec(line);
  if (m) return { kind: 'done', step: Number(m[1]), reason: m[2]! };
  m = /^error: (.+)$/.exec(line);
  if (m) return { kind: 'error', message: m[1]! };
  return null;
}

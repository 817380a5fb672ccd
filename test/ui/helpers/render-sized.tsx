/**
 * ink-testing-library's render with a terminal size: its fake stdout is fixed at 100 columns and has
 * no rows (v4 has no option for either), so this mirrors its streams with a settable size and a
 * `resize()` that emits 'resize' like a real TTY. Same debug/no-throttle render options.
 */
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import type { ReactElement } from 'react';

class SizedStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = () => this.frames[this.frames.length - 1];
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export function renderSized(tree: ReactElement, size: { columns: number; rows: number }) {
  const stdout = new SizedStdout(size.columns, size.rows);
  const stderr = new SizedStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdin,
    stdout,
    lastFrame: stdout.lastFrame,
    unmount: instance.unmount,
    waitUntilExit: instance.waitUntilExit,
    resize(columns: number, rows: number) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
  };
}

/** Let timers (message coalescing), effects and Ink's render settle. */
export const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Printed width of each line of a frame (ANSI codes removed). */
export function lineWidths(frame: string): number[] {
  // eslint-disable-next-line no-control-regex
  return frame.split('\n').map((l) => [...l.replace(/\u001b\[[0-9;]*m/g, '')].length);
}

/**
 * Poll until `check()` is true (Ink renders and our coalescing are asynchronous); fail with `describe()`.
 * The timeout is generous because the test machine is small and shared; a passing wait returns at once.
 */
export async function waitFor(check: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting; last frame:\n${describe()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Small building blocks for crash-safe writes: write everything, fsync the file, and fsync the folder
 * after a rename so the new directory entry itself survives a power cut.
 *
 * All calls go through the `fs` default export (not named imports) so tests can inject disk failures
 * with `mock.method(fs, 'writeSync', ...)`.
 */
import fs from 'node:fs';

/** Largest single write; `fs.writeSync` rejects lengths of 2 GiB and more. */
const MAX_WRITE = 1 << 30;

/** Write all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    done += fs.writeSync(fd, bytes, done, Math.min(bytes.length - done, MAX_WRITE));
  }
}

/** Create `path` (must not exist), write `data` and fsync it. */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fd = fs.openSync(path, 'wx');
  try {
    writeAllSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * fsync a folder so renames and creations inside it are on disk. Best effort: some platforms
 * (Windows, some network file systems) cannot open or fsync a directory, and the data is already synced.
 */
export function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // see above: nothing more we can do, and the files themselves are durable
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** A random suffix for temp names: pid plus 6 hex digits, so concurrent savers never collide. */
export function tempSuffix(): string {
  return `${process.pid}-${Math.floor(Math.random() * 0x1000000)
    .toString(16)
    .padStart(6, '0')}`;
}

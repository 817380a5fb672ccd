/**
 * One writer per run folder: `run.lock` holds the PID and host of the process training into it.
 * Created with O_EXCL, so two processes starting at the same instant cannot both win. A lock whose
 * process is gone (killed, crashed: nothing removed it) is taken over, and the caller says so; a lock
 * held by a live process, or by another host (a shared file system: we cannot see its processes), is
 * refused with who holds it.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunDirError } from './run-dir.js';

export const LOCK_FILE = 'run.lock';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

/** Whether a process with this PID exists on this machine (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? { pid: v.pid!, host: v.host, started: String(v.started ?? '?') } : null;
  } catch {
    return null; // torn by a crash between create and write, or not ours: nobody can be holding it
  }
}

export interface RunLock {
  /** Set when a stale lock was taken over: whose it was, for a warning line. */
  tookOver: string | null;
  release(): void;
}

/**
 * Take the run folder's lock for this process. Throws a one-line RunDirError when another live
 * process holds it. The lock is also removed if this process exits without release() (process.exit).
 */
export function lockRunDir(dir: string): RunLock {
  const file = join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  let tookOver: string | null = null;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RunDirError(`${dir} is being taken by another process at this moment; try again`);
        throw new RunDirError(`cannot lock run folder ${dir} (${(e as Error).message}); choose another --run-dir`);
      }
      const held = readLock(file);
      if (held && held.host !== me.host) {
        throw new RunDirError(
          `${dir} is in use by process ${held.pid} on ${held.host} (since ${held.started}); stop that run first, or delete ${file} if it is gone`,
        );
      }
      // Our own PID: a trainer of this process that never released (a dashboard worker thread that was
      // terminated, say); a process trains one run at a time into a folder, so it is taken back.
      if (held && held.pid !== me.pid && processAlive(held.pid)) {
        throw new RunDirError(
          `${dir} is in use by process ${held.pid} (since ${held.started}); stop that run first (Ctrl-C there, or thinktune watch ${dir} and :stop), or choose another --run-dir`,
        );
      }
      if (held?.pid !== me.pid) tookOver = held ? `process ${held.pid} (since ${held.started}), which is no longer running` : 'an unreadable lock file';
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    break;
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock: a later process may have taken over one we held (it cannot while we live).
    if (readLock(file)?.pid === me.pid) rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { tookOver, release };
}

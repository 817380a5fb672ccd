/**
 * The run folder: everything a run writes, laid out so that a crash at any instant loses nothing that
 * was checkpointed and never duplicates a line on resume.
 *
 *   config.json            resolved configuration (rewritten when :set changes a key: --resume reads it)
 *   metrics.jsonl          one line per step
 *   rollouts.jsonl         one line per rollout
 *   annotations.jsonl      the dashboard's good/bad marks
 *   evals.jsonl            one line per finished evaluation of the run's models (src/eval/records.ts)
 *   control.jsonl          commands from a watcher to a headless run (pause, resume, stop, save)
 *   run.lock               PID and host of the process training into the folder (run-lock.ts)
 *   checkpoints/step-N/    HF model folder, with the optimizer and trainer state in its thinktune/
 *                          subfolder (checkpoint-files.ts); written atomically
 *   checkpoints/step-N/thinktune/keep
 *                          empty marker: a checkpoint a person saved (`:save`, the `save` command) or
 *                          evaluated (the dashboard's evaluations, `thinktune eval`); rotation
 *                          (`prune`, run.keepCheckpoints) never deletes it and it does not count
 *                          among the newest kept ones. Delete the file to let rotation take it.
 *
 * Order within a step: rollouts and metrics lines are appended (and fsynced), then the checkpoint is
 * written. On resume from step-N, lines of later steps (and a torn last line) are dropped.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stateFileOf } from './checkpoint-files.js';

export class RunDirError extends Error {
  override name = 'RunDirError';
}

const CHECKPOINTS = 'checkpoints';

/** What a run writes at the folder's top (besides checkpoints/): what --overwrite removes, nothing else. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'rollouts.jsonl', 'annotations.jsonl', 'control.jsonl', 'evals.jsonl'] as const;

/** Inside a checkpoint folder: present, the checkpoint is protected from rotation (see the header). */
export const KEEP_FILE = 'thinktune/keep';

/** True when the checkpoint folder carries the keep marker. */
export function isKept(checkpointDir: string): boolean {
  return existsSync(join(checkpointDir, KEEP_FILE));
}

/** Protect a checkpoint folder from rotation (idempotent). */
export function markKept(checkpointDir: string): void {
  mkdirSync(join(checkpointDir, dirname(KEEP_FILE)), { recursive: true });
  writeFileSync(join(checkpointDir, KEEP_FILE), '');
}

/**
 * The run folder a model folder belongs to when it is one of a run's checkpoints
 * (`<run>/checkpoints/step-N` with `<run>/config.json`), else null.
 */
export function runDirOfCheckpoint(modelDir: string): { runDir: string; step: number } | null {
  const dir = resolve(modelDir);
  const m = /^step-(\d+)$/.exec(basename(dir));
  const parent = dirname(dir);
  if (!m || basename(parent) !== CHECKPOINTS) return null;
  const runDir = dirname(parent);
  return existsSync(join(runDir, 'config.json')) && existsSync(dir) ? { runDir, step: Number(m[1]) } : null;
}

function explain(e: unknown, what: string): RunDirError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : (e as Error).message;
  return new RunDirError(`cannot write ${what}: ${why}; free space or choose another --run-dir (saved checkpoints are intact)`);
}

export class RunDir {
  constructor(readonly path: string) {}

  get name(): string {
    return basename(this.path);
  }

  file(name: string): string {
    return join(this.path, name);
  }

  /** Create the folder (and its checkpoints/ subfolder); a clear error when it cannot be written. */
  ensure(): void {
    try {
      mkdirSync(join(this.path, CHECKPOINTS), { recursive: true });
      const probe = join(this.path, '.write-test');
      writeFileSync(probe, '');
      rmSync(probe);
    } catch (e) {
      throw explain(e, `run folder ${this.path}`);
    }
  }

  writeJson(name: string, value: unknown): void {
    const tmp = this.file(`.${name}.tmp-${process.pid}`);
    try {
      writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
      renameSync(tmp, this.file(name));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw explain(e, this.file(name));
    }
  }

  /** Append lines and fsync, so a line reported written survives a crash. */
  appendLines(name: string, values: unknown[]): void {
    if (values.length === 0) return;
    const text = values.map((v) => JSON.stringify(v)).join('\n') + '\n';
    let fd = -1;
    try {
      fd = openSync(this.file(name), 'a');
      writeSync(fd, text);
      fsyncSync(fd);
    } catch (e) {
      throw explain(e, this.file(name));
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** Parsed lines of a JSONL file; a torn (unparseable) last line is skipped. */
  readLines<T = Record<string, unknown>>(name: string): T[] {
    const f = this.file(name);
    if (!existsSync(f)) return [];
    const out: T[] = [];
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        if (i < lines.length - 2) throw new RunDirError(`${f}: line ${i + 1} is not JSON; fix or remove that line`);
      }
    });
    return out;
  }

  /** Keep only lines whose `step` is <= lastStep (resume), rewriting the file atomically. */
  truncateAfter(name: string, lastStep: number): number {
    const f = this.file(name);
    if (!existsSync(f)) return 0;
    const lines = this.readLines<{ step?: number }>(name);
    const kept = lines.filter((l) => typeof l.step !== 'number' || l.step <= lastStep);
    const tmp = f + `.tmp-${process.pid}`;
    writeFileSync(tmp, kept.map((l) => JSON.stringify(l)).join('\n') + (kept.length ? '\n' : ''));
    renameSync(tmp, f);
    return lines.length - kept.length;
  }

  /**
   * A run already in this folder, in words ("12 steps in metrics.jsonl, newest checkpoint step-10"),
   * or null when the folder holds none (absent, empty, or only unrelated files).
   */
  existingRun(): string | null {
    const steps = this.readLinesSafe('metrics.jsonl').length;
    const newest = this.checkpoints()[0];
    const hasConfig = existsSync(this.file('config.json'));
    if (steps === 0 && !newest && !hasConfig) return null;
    const parts = [`${steps} step${steps === 1 ? '' : 's'} in metrics.jsonl`];
    parts.push(newest ? `newest checkpoint step-${newest.step}` : 'no checkpoint yet');
    return parts.join(', ');
  }

  private readLinesSafe(name: string): unknown[] {
    try {
      return this.readLines(name);
    } catch {
      return [null]; // a damaged log still means a run was here
    }
  }

  /**
   * Start over: remove the run's own files and every checkpoint (--overwrite, or --resume of a run with
   * none). Damaged checkpoints set aside (setAsideDamaged) stay: a person may still want to look at them.
   * sameRun: the same run starting over (same seed, so the same rollouts) keeps its config.json (what a
   * failed start must not lose), a person's marks and the
   * evaluations recorded so far (of the base model: the run had no checkpoint yet).
   */
  clearRun(opts: { sameRun?: boolean } = {}): void {
    try {
      const kept: readonly string[] = opts.sameRun ? ['config.json', 'annotations.jsonl', 'evals.jsonl'] : [];
      for (const name of RUN_FILES) if (!kept.includes(name)) rmSync(this.file(name), { force: true });
      const dir = join(this.path, CHECKPOINTS);
      if (existsSync(dir)) {
        for (const name of readdirSync(dir)) if (/^step-\d+(\.(tmp|old)-.*)?$/.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
      }
    } catch (e) {
      throw explain(e, `run folder ${this.path}`);
    }
  }

  /**
   * Move a damaged checkpoint out of the way (`step-N` -> `step-N.damaged-<time>`): no longer listed or
   * resumed from, never cleaned up, and a later save of step N cannot overwrite it. Returns the new path.
   */
  setAsideDamaged(path: string): string {
    const to = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(path, to);
    } catch (e) {
      throw explain(e, `${path} (moving the damaged checkpoint aside)`);
    }
    return to;
  }

  checkpointPath(step: number): string {
    return join(this.path, CHECKPOINTS, `step-${step}`);
  }

  /** Complete checkpoints (folders that hold a trainer state), newest first. */
  checkpoints(): { step: number; path: string }[] {
    const dir = join(this.path, CHECKPOINTS);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((n) => /^step-(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
      .filter((c) => stateFileOf(c.path) !== null)
      .sort((a, b) => b.step - a.step);
  }

  /**
   * Delete all but the newest `keep` checkpoints (0 keeps all). Checkpoints with the keep marker are
   * neither deleted nor counted: the newest `keep` unmarked ones stay besides them.
   */
  prune(keep: number): void {
    if (keep <= 0) return;
    const rotating = this.checkpoints().filter((c) => !isKept(c.path));
    for (const c of rotating.slice(keep)) rmSync(c.path, { recursive: true, force: true });
  }

  /**
   * Remove what interrupted saves left in checkpoints/: `step-N.tmp-*` (a save that never finished)
   * and `step-N.old-*` whose `step-N` is complete (a save that finished but died before deleting the
   * previous copy). An `.old-*` without a complete `step-N` is the only copy and is kept: the loader
   * tells the user to rename it. Returns how many folders were removed.
   */
  removeStaleTemps(): number {
    const dir = join(this.path, CHECKPOINTS);
    if (!existsSync(dir)) return 0;
    let removed = 0;
    for (const name of readdirSync(dir)) {
      const m = /^(step-\d+)\.(tmp|old)-/.exec(name);
      if (!m) continue;
      if (m[2] === 'old' && stateFileOf(join(dir, m[1]!)) === null) continue;
      rmSync(join(dir, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Size of control.jsonl in bytes (0 when absent): where a newly started run begins reading. */
  controlEnd(): number {
    const f = this.file('control.jsonl');
    return existsSync(f) ? statSync(f).size : 0;
  }

  /** Commands a watcher appended to control.jsonl since `offset` (bytes); returns the new offset. */
  readControl(offset: number): { commands: unknown[]; offset: number } {
    const f = this.file('control.jsonl');
    if (!existsSync(f)) return { commands: [], offset };
    const buf = readFileSync(f);
    if (buf.length <= offset) return { commands: [], offset };
    const text = buf.subarray(offset).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return { commands: [], offset };
    const commands = text
      .slice(0, end)
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
    return { commands, offset: offset + Buffer.byteLength(text.slice(0, end + 1)) };
  }

  /** What a watcher calls: append one command for the headless run to pick up between steps. */
  sendControl(command: unknown): void {
    appendFileSync(this.file('control.jsonl'), JSON.stringify(command) + '\n');
  }
}

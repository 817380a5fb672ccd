/**
 * Any step of a run's rollouts.jsonl, read on demand with memory that does not grow with the file:
 * an index of byte ranges, one per step, extended by reading only the bytes appended since the last
 * look (`refresh`), and one step's lines read and parsed when that step is shown (`load`).
 *
 * The trainer appends a step's rollouts as contiguous lines, steps in order (src/trainer/trainer.ts);
 * a resume rewrites the file without the steps it redoes (RunDir.truncateAfter: a rename, so a new
 * inode), which rebuilds the index from the start. A last line without its newline (being written,
 * or torn by a crash) is left for a later refresh; an unreadable line is skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { RolloutRecordSchema } from '../protocol.js';
import { CAPACITY } from '../state/initial.js';

/** Bytes read per scan: a line longer than this is read whole (the buffer doubles until it fits). */
const CHUNK = 1 << 20;
/** The trainer writes `step` first (step-report.ts rolloutRecords), so most lines need no JSON.parse to index. */
const LEADING_STEP = /^\{"step":(\d+)[,}]/;
const NEWLINE = 0x0a;

interface ByteRange {
  start: number;
  end: number;
}

export interface LoadedStep {
  rollouts: RolloutRecord[];
  /** Lines of the step that were not valid rollout records (torn, edited by hand). */
  skipped: number;
}

export class RolloutFile {
  private readonly ranges = new Map<number, ByteRange>();
  /** Indexed steps, ascending (mutated while scanning). */
  private order: number[] = [];
  /** A copy of `order` handed out by steps(): a new array only when the steps changed, so UI state can hold it. */
  private shared: readonly number[] = [];
  private dirty = false;
  /** Every complete line before this byte offset is indexed. */
  private scanned = 0;
  private inode: number | null = null;
  /** Step of the last indexed line: the next line of that step extends its range. */
  private lastStep: number | null = null;
  /** Bytes read from the file so far (the index scan and step loads), for tests of the memory bound. */
  bytesRead = 0;

  constructor(readonly path: string) {}

  /** Steps in the file (0-based, ascending), as of the last refresh. */
  steps(): readonly number[] {
    if (this.dirty) {
      this.shared = [...this.order];
      this.dirty = false;
    }
    return this.shared;
  }

  /** Index what was appended since the last call; true when the step list changed. */
  refresh(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      // Not written yet, or removed (a run started over): nothing to browse.
      const had = this.order.length > 0;
      this.reset();
      return had;
    }
    try {
      const st = fstatSync(fd);
      let changed = false;
      if ((this.inode !== null && st.ino !== this.inode) || st.size < this.scanned) {
        changed = this.order.length > 0;
        this.reset();
      }
      this.inode = st.ino;
      return this.scan(fd, st.size) || changed;
    } finally {
      closeSync(fd);
    }
  }

  /** The rollouts of `step` (null when the index has no such step): reads that step's bytes only. */
  load(step: number): LoadedStep | null {
    const range = this.ranges.get(step);
    if (!range) return null;
    const fd = openSync(this.path, 'r');
    let buf: Buffer;
    try {
      buf = this.read(fd, range.start, range.end - range.start);
    } finally {
      closeSync(fd);
    }
    const rollouts: RolloutRecord[] = [];
    let skipped = 0;
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const record = parseRecord(line);
      if (record && record.step === step && rollouts.length < CAPACITY.rolloutsPerStep) rollouts.push(record);
      else skipped++;
    }
    return { rollouts, skipped };
  }

  private reset(): void {
    this.ranges.clear();
    if (this.order.length > 0) this.dirty = true;
    this.order = [];
    this.scanned = 0;
    this.inode = null;
    this.lastStep = null;
  }

  private scan(fd: number, size: number): boolean {
    const before = this.order.length;
    let pos = this.scanned;
    while (pos < size) {
      let length = Math.min(CHUNK, size - pos);
      let buf = this.read(fd, pos, length);
      let last = buf.lastIndexOf(NEWLINE);
      while (last < 0 && pos + length < size) {
        length = Math.min(length * 2, size - pos);
        buf = this.read(fd, pos, length);
        last = buf.lastIndexOf(NEWLINE);
      }
      if (last < 0) break; // only an unfinished line is left
      let lineStart = 0;
      for (let nl = buf.indexOf(NEWLINE); nl >= 0 && nl <= last; nl = buf.indexOf(NEWLINE, nl + 1)) {
        this.indexLine(buf.subarray(lineStart, nl), pos + lineStart, pos + nl + 1);
        lineStart = nl + 1;
      }
      pos += last + 1;
    }
    this.scanned = pos;
    return this.order.length !== before;
  }

  /** Add one line (bytes [start, end) of the file, its newline included) to its step's range. */
  private indexLine(line: Buffer, start: number, end: number): void {
    const step = stepOf(line);
    if (step === null) return;
    const range = this.ranges.get(step);
    if (range && this.lastStep === step) range.end = end;
    else {
      // A step met again after others (a file written by hand, two runs in one folder): the newest lines win.
      this.ranges.set(step, { start, end });
      if (!range) this.insertStep(step);
    }
    this.lastStep = step;
  }

  private insertStep(step: number): void {
    this.dirty = true;
    const n = this.order.length;
    if (n === 0 || step > this.order[n - 1]!) this.order.push(step);
    else
      this.order.splice(
        this.order.findIndex((s) => s > step),
        0,
        step,
      );
  }

  private read(fd: number, position: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    this.bytesRead += got;
    return buf.subarray(0, got);
  }
}

/** The step of a rollouts.jsonl line, or null when the line is not a record with one. */
function stepOf(line: Buffer): number | null {
  const head = LEADING_STEP.exec(line.subarray(0, 32).toString('latin1'));
  if (head) return Number(head[1]);
  try {
    const v = JSON.parse(line.toString('utf8')) as { step?: unknown };
    return typeof v?.step === 'number' && Number.isInteger(v.step) && v.step >= 0 ? v.step : null;
  } catch {
    return null;
  }
}

function parseRecord(line: string): RolloutRecord | null {
  try {
    const parsed = RolloutRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? (parsed.data as RolloutRecord) : null;
  } catch {
    return null;
  }
}

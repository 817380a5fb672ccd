/**
 * Follow a JSONL file another process appends to (`tail -f` for records): each `read()` returns the
 * complete lines written since the last one. A last line without its newline may still be being
 * written, so it is left for the next read; a file that got shorter was rewritten (a resumed run cuts
 * the lines after its checkpoint), which `read()` reports as `reset` and starts over from the top.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface TailRead {
  /** Parsed complete lines, in file order. */
  records: unknown[];
  /** One line per complete line that is not JSON ("metrics.jsonl line 12: not JSON"). */
  errors: string[];
  /** The file shrank or was replaced since the last read: `records` start again from its first line. */
  reset: boolean;
}

/** Bytes read per call at most, so a huge file is taken in pieces across polls rather than all at once. */
const CHUNK = 8 * 2 ** 20;

export class JsonlTail {
  /** Bytes consumed: everything before this offset has been returned. */
  private offset = 0;
  private line = 0;
  private inode: number | null = null;

  constructor(
    readonly file: string,
    private readonly label = file,
  ) {}

  read(): TailRead {
    let size: number;
    let inode: number;
    try {
      const st = statSync(this.file);
      size = st.size;
      inode = st.ino;
    } catch {
      return { records: [], errors: [], reset: false }; // not written yet
    }
    // A rename-into-place rewrite (truncateAfter) gives a new inode even when the size happens to grow.
    const reset = (this.inode !== null && inode !== this.inode) || size < this.offset;
    if (reset) {
      this.offset = 0;
      this.line = 0;
    }
    this.inode = inode;
    if (size === this.offset) return { records: [], errors: [], reset };
    let buf = this.bytes(Math.min(CHUNK, size - this.offset));
    // A line longer than a chunk: take the rest of the file in one go.
    if (buf.lastIndexOf(0x0a) < 0 && buf.length < size - this.offset) buf = this.bytes(size - this.offset);
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) return { records: [], errors: [], reset }; // only a torn line so far
    this.offset += end + 1;
    const records: unknown[] = [];
    const errors: string[] = [];
    for (const text of buf.subarray(0, end).toString('utf8').split('\n')) {
      this.line++;
      if (!text.trim()) continue;
      try {
        records.push(JSON.parse(text));
      } catch {
        errors.push(`${this.label} line ${this.line}: not JSON; skipped`);
      }
    }
    return { records, errors, reset };
  }

  private bytes(length: number): Buffer {
    const buf = Buffer.alloc(length);
    const fd = openSync(this.file, 'r');
    try {
      const n = readSync(fd, buf, 0, length, this.offset);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
}

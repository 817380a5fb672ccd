/**
 * The safetensors format (https://github.com/huggingface/safetensors), with no tfjs dependency.
 *
 * Layout: 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
 *   {"<name>": {"dtype": "BF16", "shape": [out, in], "data_offsets": [begin, end]}, "__metadata__": {...}}
 * then the data section; offsets are relative to its start (byte 8 + N). Files are read through a file
 * descriptor, header first and then each tensor's own bytes, never the whole file: Node cannot buffer a
 * file over 2 GiB, and a whole-file buffer would double the memory of a load. Every tensor lands in a
 * fresh Float32Array (F16/BF16 decoded). Writes go to a temp file in the same folder, are fsynced and
 * renamed into place, so a crash never leaves half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError, diskErrorReason, errnoCode } from './errors.js';
import { writeAllSync, fsyncDir, tempSuffix } from './durable.js';
import { HOST_IS_LITTLE_ENDIAN, decodeBf16, decodeF16, encodeBf16, encodeF16 } from './half.js';

export { CheckpointError } from './errors.js';

/** A host-side tensor in row-major order; `data.length` is the product of `shape`. */
export type RawTensor = { shape: number[]; data: Float32Array };

/** The dtypes thinktune reads (and, for the first three, writes). */
export type ReadableDtype = 'F32' | 'F16' | 'BF16';
export type WritableDtype = 'F32' | 'F16' | 'BF16';

const BYTES_PER_ELEMENT: Record<ReadableDtype, number> = { F32: 4, F16: 2, BF16: 2 };
/** Dtypes the safetensors spec defines that we do not load (integer tensors, fp8, f64). */
const OTHER_SAFETENSORS_DTYPES = new Set(['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'I32', 'U32', 'F64', 'I64', 'U64']);
/** The spec caps the header at 100 MB; a larger length prefix means a corrupt or foreign file. */
const MAX_HEADER_BYTES = 100_000_000;

export interface WriteSafetensorsOptions {
  /** On-disk dtype; values are rounded to nearest even for F16/BF16. Default F32 (bit-exact). */
  dtype?: WritableDtype;
  /** String key/values stored under "__metadata__" (HF writes {"format": "pt"}). */
  metadata?: Record<string, string>;
}

interface TensorEntry {
  name: string;
  dtype: ReadableDtype;
  shape: number[];
  begin: number;
  end: number;
}

const fixHint = 're-save or re-download it';

/**
 * One readSync returns at most ~2 GiB (and may return less), so reads are issued in pieces this big.
 * 256 MiB keeps the number of syscalls small without going near the limit.
 */
const MAX_READ_BYTES = 256 * 1024 * 1024;
/** F16/BF16 bytes are read and decoded this many at a time, so decoding needs only this much extra memory. */
const DECODE_CHUNK_BYTES = 16 * 1024 * 1024;

/** The name, dtype and shape of one tensor, from the file's header (no data read). */
export interface SafetensorsEntry {
  name: string;
  dtype: ReadableDtype;
  shape: number[];
}

/** An open .safetensors file: its validated header, and tensors read one at a time, on demand. */
export interface SafetensorsFile {
  readonly path: string;
  /** Every tensor in header order. */
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Record<string, string>;
  has(name: string): boolean;
  /** Read exactly this tensor's bytes and decode them into a fresh Float32Array. */
  read(name: string): RawTensor;
  /** Close the file; safe to call twice. */
  close(): void;
}

export interface ReadSafetensorsOptions {
  /** Read only these tensors (each must be in the file); default: all of them. */
  names?: Iterable<string>;
}

/**
 * Read and validate a .safetensors file, tensor by tensor (never the whole file at once, so files over
 * 2 GiB load and memory holds one copy of the weights). Throws CheckpointError naming the file and tensor.
 * The map is in header order.
 */
export function readSafetensors(filePath: string, opts: ReadSafetensorsOptions = {}): Map<string, RawTensor> {
  const file = openSafetensors(filePath);
  try {
    const wanted = opts.names === undefined ? null : new Set(opts.names);
    for (const name of wanted ?? []) {
      if (!file.has(name)) {
        throw new CheckpointError(
          `${filePath}: no tensor '${name}' in this file (it holds ${file.entries.length}); check the name or pass the file that holds it`,
        );
      }
    }
    const tensors = new Map<string, RawTensor>();
    for (const e of file.entries) if (wanted === null || wanted.has(e.name)) tensors.set(e.name, file.read(e.name));
    return tensors;
  } finally {
    file.close();
  }
}

/**
 * Open a .safetensors file and validate its whole header (dtypes, sizes, offsets inside the file, no
 * overlaps) without reading any weights. Call `close()` when done, also after an error from `read`.
 */
export function openSafetensors(filePath: string): SafetensorsFile {
  const { fd, size } = openForReading(filePath);
  try {
    const { entries, metadata, dataStart } = readHeader(fd, size, filePath);
    checkOffsets(entries, size - dataStart, filePath);
    return new SafetensorsReader(filePath, fd, dataStart, entries, metadata);
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

/** Read only the "__metadata__" of a .safetensors file (reads the header, not the weights). */
export function readSafetensorsMetadata(filePath: string): Record<string, string> {
  const { fd, size } = openForReading(filePath);
  try {
    return readHeader(fd, size, filePath).metadata;
  } finally {
    closeQuietly(fd);
  }
}

class SafetensorsReader implements SafetensorsFile {
  readonly entries: readonly SafetensorsEntry[];
  private readonly byName: Map<string, TensorEntry>;
  private fd: number | null;

  constructor(
    readonly path: string,
    fd: number,
    private readonly dataStart: number,
    tensors: TensorEntry[],
    readonly metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.byName = new Map(tensors.map((t) => [t.name, t]));
    this.entries = tensors.map(({ name, dtype, shape }) => ({ name, dtype, shape: [...shape] }));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  read(name: string): RawTensor {
    const t = this.byName.get(name);
    if (!t)
      throw new CheckpointError(`${this.path}: no tensor '${name}' in this file (it holds ${this.byName.size}); check the name or pass the file that holds it`);
    if (this.fd === null) throw new CheckpointError(`${this.path}: cannot read tensor '${name}' after close(); open the file again`);
    const at = this.dataStart + t.begin;
    const data = t.dtype === 'F32' ? readF32(this.fd, at, t, this.path) : readHalf(this.fd, at, t, this.path);
    // A fresh shape array, so a caller editing it cannot change `entries` or a later read.
    return { shape: [...t.shape], data };
  }

  close(): void {
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
  }
}

/** Open for reading and stat; every failure becomes one line that says why (missing, folder, permissions). */
function openForReading(filePath: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r');
  } catch (e) {
    throw openError(filePath, e);
  }
  try {
    const stat = fs.fstatSync(fd);
    // Linux opens a folder for reading without complaint; the first read would fail with EISDIR.
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { fd, size: stat.size };
  } catch (e) {
    closeQuietly(fd);
    throw openError(filePath, e);
  }
}

function openError(filePath: string, e: unknown): CheckpointError {
  const code = errnoCode(e);
  const opts = { cause: e };
  if (code === 'ENOENT') return new CheckpointError(`cannot read ${filePath}: the file does not exist (ENOENT); check the path`, opts);
  if (code === 'ENOTDIR') return new CheckpointError(`cannot read ${filePath}: a part of the path is a file, not a folder (ENOTDIR); check the path`, opts);
  if (code === 'EISDIR')
    return new CheckpointError(`cannot read ${filePath}: it is a folder, not a safetensors file (EISDIR); pass the .safetensors file inside it`, opts);
  if (code === 'EACCES' || code === 'EPERM') {
    return new CheckpointError(
      `cannot read ${filePath}: permission denied (${code}); make the file readable (chmod a+r) or run as a user who can read it`,
      opts,
    );
  }
  if (code === 'EMFILE' || code === 'ENFILE')
    return new CheckpointError(`cannot read ${filePath}: too many open files (${code}); raise the open-file limit (ulimit -n) or close other files`, opts);
  return new CheckpointError(
    `cannot read ${filePath}: ${diskErrorReason(e)}; the file exists but could not be opened — check the disk or copy the file again`,
    opts,
  );
}

/** The 8-byte length prefix and the JSON header, validated; `dataStart` is where tensor offsets count from. */
function readHeader(fd: number, size: number, src: string): { entries: TensorEntry[]; metadata: Record<string, string>; dataStart: number } {
  const prefix = new Uint8Array(8);
  readFully(fd, prefix.subarray(0, Math.min(8, size)), 0, src, 'the header length');
  const headerLen = readHeaderLength(prefix, size, src);
  const header = new Uint8Array(headerLen);
  readFully(fd, header, 8, src, 'the header');
  return { ...parseHeader(header, src), dataStart: 8 + headerLen };
}

/** Fill `dest` from file offset `position`, looping: one readSync returns at most ~2 GiB and may return less. */
function readFully(fd: number, dest: Uint8Array, position: number, src: string, what: string): void {
  let done = 0;
  while (done < dest.length) {
    let n: number;
    try {
      n = fs.readSync(fd, dest, done, Math.min(dest.length - done, MAX_READ_BYTES), position + done);
    } catch (e) {
      throw new CheckpointError(`cannot read ${what} from ${src}: ${diskErrorReason(e)}; check the disk or copy the file again`, { cause: e });
    }
    if (n === 0) {
      // The header said the bytes are there, so the file shrank after it was opened.
      throw new CheckpointError(
        `${src}: the file ends ${dest.length - done} bytes early while reading ${what} (it shrank while being read); the file is truncated — ${fixHint}`,
      );
    }
    done += n;
  }
}

/** F32 bytes go straight into the result's own buffer: one copy of the data, no staging buffer. */
function readF32(fd: number, at: number, t: TensorEntry, src: string): Float32Array {
  const out = new Float32Array((t.end - t.begin) / 4);
  readFully(fd, new Uint8Array(out.buffer), at, src, `tensor '${t.name}'`);
  if (!HOST_IS_LITTLE_ENDIAN) {
    // The file is little-endian; reinterpret each element in place.
    const view = new DataView(out.buffer);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** F16/BF16: read a bounded chunk of raw bytes at a time and decode it into its slice of the result. */
function readHalf(fd: number, at: number, t: TensorEntry, src: string): Float32Array {
  const count = (t.end - t.begin) / 2;
  const out = new Float32Array(count);
  const chunk = new Uint8Array(Math.min(count * 2, DECODE_CHUNK_BYTES));
  const decodeHalf = t.dtype === 'BF16' ? decodeBf16 : decodeF16;
  for (let i = 0; i < count; ) {
    const n = Math.min(count - i, chunk.length / 2);
    const part = chunk.subarray(0, n * 2);
    readFully(fd, part, at + i * 2, src, `tensor '${t.name}'`);
    out.set(decodeHalf(part, 0, n), i);
    i += n;
  }
  return out;
}

/** Parse a safetensors file held in memory; `sourceName` is used in error messages. */
export function parseSafetensors(buf: Uint8Array, sourceName: string): Map<string, RawTensor> {
  const headerLen = readHeaderLength(buf, buf.length, sourceName);
  const { entries } = parseHeader(buf.subarray(8, 8 + headerLen), sourceName);
  const dataStart = 8 + headerLen;
  checkOffsets(entries, buf.length - dataStart, sourceName);
  const tensors = new Map<string, RawTensor>();
  for (const t of entries) tensors.set(t.name, { shape: t.shape, data: decode(buf, dataStart + t.begin, t) });
  return tensors;
}

/** Element count of a shape ([] is a scalar: 1 element). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const fmtShape = (shape: readonly number[]) => `[${shape.join(',')}]`;

function readHeaderLength(prefix: Uint8Array, fileSize: number, src: string): number {
  if (fileSize < 8) {
    throw new CheckpointError(`${src}: file is ${fileSize} bytes, too short for a safetensors header; the file is truncated or not safetensors — ${fixHint}`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > fileSize - 8) {
    throw new CheckpointError(
      `${src}: header length ${headerLen} is beyond the file size (${fileSize} bytes); the file is truncated or not safetensors — ${fixHint}`,
    );
  }
  if (headerLen > MAX_HEADER_BYTES) {
    throw new CheckpointError(`${src}: header length ${headerLen} exceeds the 100 MB safetensors limit; the file is corrupt or not safetensors — ${fixHint}`);
  }
  return headerLen;
}

function parseHeader(bytes: Uint8Array, src: string): { entries: TensorEntry[]; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CheckpointError(`${src}: header is not valid JSON (${(e as Error).message}); the file is corrupt or not safetensors — ${fixHint}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(`${src}: header must be a JSON object of tensors; the file is corrupt or not safetensors — ${fixHint}`);
  }
  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(value, src);
    else entries.push(parseEntry(name, value, src));
  }
  return { entries, metadata };
}

function parseMetadata(value: unknown, src: string): Record<string, string> {
  const ok = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  if (!ok) throw new CheckpointError(`${src}: "__metadata__" must map strings to strings; the file is corrupt — ${fixHint}`);
  return value as Record<string, string>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseEntry(name: string, value: unknown, src: string): TensorEntry {
  const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
  const offsets = e?.data_offsets;
  const wellFormed =
    typeof e === 'object' &&
    e !== null &&
    typeof e.dtype === 'string' &&
    Array.isArray(e.shape) &&
    e.shape.every(isCount) &&
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every(isCount) &&
    offsets[0] <= offsets[1];
  if (!wellFormed) {
    throw new CheckpointError(
      `${src}: tensor '${name}' has a malformed header entry ${JSON.stringify(value)} (expected {dtype, shape: [ints], data_offsets: [begin<=end]}); the file is corrupt — ${fixHint}`,
    );
  }
  const dtype = e.dtype as string;
  if (!(dtype in BYTES_PER_ELEMENT)) {
    if (OTHER_SAFETENSORS_DTYPES.has(dtype)) {
      throw new CheckpointError(
        `${src}: tensor '${name}' is ${dtype}; thinktune loads only F32, F16 and BF16 weights — convert the checkpoint to float32 or bfloat16 and save it again`,
      );
    }
    throw new CheckpointError(
      `${src}: tensor '${name}' has unknown dtype "${dtype}" (expected F32, F16 or BF16); the file is corrupt or not safetensors — ${fixHint}`,
    );
  }
  const shape = e.shape as number[];
  const [begin, end] = offsets as number[];
  const need = numElements(shape) * BYTES_PER_ELEMENT[dtype as ReadableDtype];
  if (end - begin !== need) {
    throw new CheckpointError(
      `${src}: tensor '${name}' has data_offsets [${begin},${end}] (${end - begin} bytes) but shape ${fmtShape(shape)} ${dtype} needs ${need} bytes; the file is corrupt — ${fixHint}`,
    );
  }
  return { name, dtype: dtype as ReadableDtype, shape, begin, end };
}

/** Every tensor lies inside the data section and no two overlap. */
function checkOffsets(entries: TensorEntry[], dataLen: number, src: string): void {
  for (const t of entries) {
    if (t.end > dataLen) {
      const have = Math.max(0, dataLen - t.begin);
      throw new CheckpointError(
        `${src}: tensor '${t.name}' needs ${t.end - t.begin} bytes (shape ${fmtShape(t.shape)} ${t.dtype}) at data offset ${t.begin} but the file ends after ${have} of them; the file is truncated — ${fixHint}`,
      );
    }
  }
  const byStart = entries.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byStart.length; i++) {
    const prev = byStart[i - 1];
    const cur = byStart[i];
    if (cur.begin < prev.end) {
      throw new CheckpointError(
        `${src}: tensors '${prev.name}' [${prev.begin},${prev.end}] and '${cur.name}' [${cur.begin},${cur.end}] overlap in the data section; the file is corrupt — ${fixHint}`,
      );
    }
  }
}

function decode(buf: Uint8Array, at: number, t: TensorEntry): Float32Array {
  const count = (t.end - t.begin) / BYTES_PER_ELEMENT[t.dtype];
  if (t.dtype === 'BF16') return decodeBf16(buf, at, count);
  if (t.dtype === 'F16') return decodeF16(buf, at, count);
  const out = new Float32Array(count);
  if (HOST_IS_LITTLE_ENDIAN) {
    // A byte copy: works whatever the alignment of `at`, and is a memcpy.
    new Uint8Array(out.buffer).set(buf.subarray(at, at + count * 4));
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset + at, count * 4);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** The on-disk bytes of one tensor in `dtype`, little-endian. */
function encode(data: Float32Array, dtype: WritableDtype): Uint8Array {
  if (dtype === 'BF16') return encodeBf16(data);
  if (dtype === 'F16') return encodeF16(data);
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** Throw CheckpointError if `writeSafetensors(dest, tensors, opts)` would reject its input (checks before any disk work). */
export function checkWritable(tensors: Map<string, RawTensor>, opts: WriteSafetensorsOptions, dest: string): void {
  const dtype = opts.dtype ?? 'F32';
  if (!(dtype in BYTES_PER_ELEMENT)) throw new CheckpointError(`${dest}: cannot write dtype "${dtype}"; use F32, F16 or BF16`);
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new CheckpointError(`${dest}: "__metadata__" is reserved and cannot name a tensor; rename it`);
    if (!(t.data instanceof Float32Array)) throw new CheckpointError(`${dest}: tensor '${name}' must hold a Float32Array`);
    if (!t.shape.every(isCount) || numElements(t.shape) !== t.data.length) {
      throw new CheckpointError(`${dest}: tensor '${name}' has shape ${fmtShape(t.shape)} but ${t.data.length} values; fix the shape before saving`);
    }
  }
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (typeof v !== 'string') throw new CheckpointError(`${dest}: metadata "${k}" must be a string (safetensors stores string metadata only)`);
  }
}

/** The header bytes, padded with spaces to a multiple of 8 so the data section starts 8-aligned. */
function buildHeader(tensors: Map<string, RawTensor>, dtype: WritableDtype, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

/** The whole file as bytes (for small files placed into a folder by saveCheckpoint's extraFiles). */
export function serializeSafetensors(tensors: Map<string, RawTensor>, opts: WriteSafetensorsOptions = {}): Uint8Array {
  checkWritable(tensors, opts, '<in-memory safetensors>');
  const dtype = opts.dtype ?? 'F32';
  const header = buildHeader(tensors, dtype, opts.metadata);
  const parts = [header, ...[...tensors.values()].map((t) => encode(t.data, dtype))];
  const out = new Uint8Array(8 + parts.reduce((n, p) => n + p.length, 0));
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  let o = 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Write `tensors` (in map order) to `filePath` atomically: temp file in the same folder, fsync, rename.
 * A failed write removes the temp file and leaves any previous file at `filePath` untouched.
 */
export function writeSafetensors(filePath: string, tensors: Map<string, RawTensor>, opts: WriteSafetensorsOptions = {}): void {
  checkWritable(tensors, opts, filePath);
  const dtype = opts.dtype ?? 'F32';
  const header = buildHeader(tensors, dtype, opts.metadata);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(header.length), true);
  const tmp = `${filePath}.tmp-${tempSuffix()}`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    writeAllSync(fd, prefix);
    writeAllSync(fd, header);
    for (const t of tensors.values()) writeAllSync(fd, encode(t.data, dtype));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, filePath);
  } catch (e) {
    if (fd !== null) closeQuietly(fd);
    removeQuietly(tmp);
    if (errnoCode(e) === null) throw e;
    const previous = fs.existsSync(filePath) ? 'the previous file is untouched' : 'nothing was written';
    throw new CheckpointError(`cannot write ${filePath}: ${diskErrorReason(e)}; ${previous} — free space or pick a writable folder`, { cause: e });
  }
  fsyncDir(path.dirname(filePath));
}

function removeQuietly(p: string): void {
  try {
    fs.rmSync(p, { force: true });
  } catch {
    // already failing; the original error is the one to report
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already failing; the original error is the one to report
  }
}

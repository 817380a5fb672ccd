import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CheckpointError,
  openSafetensors,
  parseSafetensors,
  readSafetensors,
  readSafetensorsMetadata,
  writeSafetensors,
  type RawTensor,
} from '../../src/io/safetensors.js';
import { decodeBf16, decodeF16, f16BitsToF32, f32BitsToBf16, f32BitsToF16, roundToBf16 } from '../../src/io/half.js';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'thinktune-st-'));

/** float value -> f32 bit pattern and back. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]);
const floatOf = (bits: number) => ((u32[0] = bits >>> 0), f32[0]);

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function tensor(shape: number[], values: number[] | Float32Array): RawTensor {
  return { shape, data: Float32Array.from(values) };
}

/** Build a safetensors file by hand: header object, then the raw data bytes. */
function handBuilt(header: unknown, data: Uint8Array, headerLenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLenOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function assertCheckpointError(fn: () => unknown, ...fragments: (string | RegExp)[]): string {
  let message = '';
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    message = e.message;
    assert.ok(!message.includes('\n'), 'message must be one line');
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(message.includes(f), `"${message}" should contain "${f}"`);
      else assert.match(message, f);
    }
    return true;
  });
  return message;
}

test('bf16 encoding: known bit patterns, ties to even, inf, nan, subnormals', () => {
  const cases: [number, number][] = [
    [0x3f800000, 0x3f80], // 1.0
    [0xbf800000, 0xbf80], // -1.0
    [0x80000000, 0x8000], // -0
    [0x3f808000, 0x3f80], // exact tie, kept bit even -> down
    [0x3f818000, 0x3f82], // exact tie, kept bit odd -> up
    [0x3f808001, 0x3f81], // just above the tie -> up
    [0x3f807fff, 0x3f80], // just below the tie -> down
    [0x7f800000, 0x7f80], // +inf
    [0xff800000, 0xff80], // -inf
    [0x7f7fffff, 0x7f80], // largest finite f32 rounds up to inf
    [0x7f7f7fff, 0x7f7f], // ... but just below the tie stays finite
    [0x00010000, 0x0001], // smallest bf16 subnormal, exact
    [0x00008000, 0x0000], // tie between 0 and the smallest subnormal -> 0 (even)
    [0x00018000, 0x0002], // tie, odd -> up
    [0x00000001, 0x0000], // tiny f32 subnormal flushes to 0 by rounding
    [0x007fffff, 0x0080], // largest f32 subnormal rounds up to the smallest normal
  ];
  for (const [bits, want] of cases) {
    assert.equal(f32BitsToBf16(bits), want, `f32 0x${bits.toString(16)}`);
  }
  for (const nan of [0x7fc00000, 0x7f800001, 0xffc00000, 0x7fffffff]) {
    const h = f32BitsToBf16(nan);
    assert.equal(h & 0x7f80, 0x7f80, 'exponent all ones');
    assert.notEqual(h & 0x7f, 0, `NaN 0x${nan.toString(16)} must stay NaN, got 0x${h.toString(16)}`);
    assert.equal(h & 0x8000, (nan >>> 16) & 0x8000, 'sign kept');
  }
});

test('bf16 encoding matches a nearest-value reference on random floats', () => {
  const rand = rng(1);
  for (let i = 0; i < 100_000; i++) {
    const bits = Math.floor(rand() * 2 ** 32) >>> 0;
    if ((bits & 0x7f800000) === 0x7f800000) continue; // inf/nan covered above
    const x = floatOf(bits);
    const lo = (bits & 0xffff0000) >>> 0;
    const loVal = floatOf(lo);
    // Above the largest finite bf16 the next step is 2^128, which encodes as inf.
    const hiVal = (lo & 0x7fff0000) === 0x7f7f0000 ? Math.sign(x) * 2 ** 128 : floatOf(lo + 0x10000);
    const dLo = Math.abs(x - loVal);
    const dHi = Math.abs(hiVal - x);
    const want = dLo < dHi || (dLo === dHi && ((lo >>> 16) & 1) === 0) ? lo >>> 16 : (lo >>> 16) + 1;
    assert.equal(f32BitsToBf16(bits), want, `f32 0x${bits.toString(16)}`);
  }
});

test('bf16 decode is exact and every non-NaN bf16 value round-trips', () => {
  const all = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) {
    all[2 * h] = h & 0xff;
    all[2 * h + 1] = h >>> 8;
  }
  const decoded = decodeBf16(all, 0, 65536);
  const unaligned = new Uint8Array(all.length + 1);
  unaligned.set(all, 1);
  const decodedUnaligned = decodeBf16(unaligned, 1, 65536); // exercises the byte-wise path
  // Compare bit patterns in the arrays themselves: reading a NaN into a JS number may canonicalise it.
  const bits = new Uint32Array(decoded.buffer);
  assert.deepEqual(new Uint32Array(decodedUnaligned.buffer), bits);
  for (let h = 0; h < 65536; h++) {
    assert.equal(bits[h], (h << 16) >>> 0);
    if (!Number.isNaN(decoded[h])) assert.equal(f32BitsToBf16(bitsOf(decoded[h])), h);
  }
  assert.equal(decoded[0x3f80], 1);
  assert.equal(decoded[0x0001], 2 ** -133); // smallest bf16 subnormal
  assert.equal(decoded[0xff80], -Infinity);
});

test('f16 conversion: known bit patterns, subnormals, overflow, ties to even', () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [-0, 0x8000],
    [65504, 0x7bff], // largest finite f16
    [65519, 0x7bff], // below the tie to 65536
    [65520, 0x7c00], // exact tie between 65504 and 2^16 -> even = inf
    [1e6, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [1023.5 * 2 ** -24, 0x0400], // tie rounds up (even) across the subnormal/normal boundary
    [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal -> 0
    [1.5 * 2 ** -25, 0x0001],
    [3 * 2 ** -25, 0x0002], // 1.5 units: tie -> even (2)
    [5 * 2 ** -25, 0x0002], // 2.5 units: tie -> even (2)
    [2 ** -26, 0x0000],
    [1 + 2 ** -11, 0x3c00], // tie, even mantissa -> down
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa -> up
    [1 + 2 ** -11 + 2 ** -20, 0x3c01],
    [0.1, 0x2e66],
  ];
  for (const [x, want] of cases) {
    assert.equal(f32BitsToF16(bitsOf(x)), want, `f16(${x})`);
  }
  const nan = f32BitsToF16(0x7fc00000);
  assert.equal(nan & 0x7c00, 0x7c00);
  assert.notEqual(nan & 0x3ff, 0);
  assert.notEqual(f32BitsToF16(0x7f800001) & 0x3ff, 0, 'a NaN whose payload sits in the dropped bits stays NaN');
  assert.equal(f16BitsToF32(0x0001), 2 ** -24);
  assert.equal(f16BitsToF32(0x7c00), Infinity);
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
});

test('f16: decode table matches the formula, every finite value round-trips, and encode is nearest-even', () => {
  const all = new Uint8Array(65536 * 2);
  for (let h = 0; h < 65536; h++) {
    all[2 * h] = h & 0xff;
    all[2 * h + 1] = h >>> 8;
  }
  const decoded = decodeF16(all, 0, 65536);
  const positives: number[] = [];
  for (let h = 0; h < 65536; h++) {
    const want = f16BitsToF32(h);
    if (Number.isNaN(want)) {
      assert.ok(Number.isNaN(decoded[h]));
      continue;
    }
    assert.ok(Object.is(decoded[h], want), `h=0x${h.toString(16)}`);
    assert.equal(f32BitsToF16(bitsOf(want)), h);
    if (h < 0x7c00) positives.push(want);
  }
  // Reference: binary search the sorted finite positive f16 values for the nearest one, ties to even.
  const rand = rng(2);
  for (let i = 0; i < 50_000; i++) {
    const x = Math.fround((rand() * 2 - 1) * 2 ** Math.floor(rand() * 44 - 28));
    const a = Math.abs(x);
    let lo = 0;
    let hi = positives.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (positives[mid] <= a) lo = mid;
      else hi = mid;
    }
    let h: number;
    if (a >= 65520) h = 0x7c00;
    else if (a >= positives[hi]) h = hi;
    else {
      const dLo = a - positives[lo];
      const dHi = positives[hi] - a;
      h = dLo < dHi || (dLo === dHi && lo % 2 === 0) ? lo : hi;
    }
    if (x < 0 || Object.is(x, -0)) h |= 0x8000;
    assert.equal(f32BitsToF16(bitsOf(x)), h, `f16(${x})`);
  }
});

test('a hand-built safetensors buffer parses, at any byte alignment', () => {
  // a: F32 [2,2] at [0,16); b: BF16 [3] at [16,22); c: F16 [2] at [22,26); s: F32 scalar at [26,30).
  const data = new Uint8Array(30);
  const view = new DataView(data.buffer);
  [1.5, -2, 0, 3.25].forEach((v, i) => view.setFloat32(i * 4, v, true));
  [0x3f80, 0xc040, 0x7f80].forEach((h, i) => view.setUint16(16 + i * 2, h, true)); // 1, -3, inf
  [0x3c00, 0x0001].forEach((h, i) => view.setUint16(22 + i * 2, h, true)); // 1, 2^-24
  view.setFloat32(26, 7, true);
  const header = {
    __metadata__: { format: 'pt' },
    a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
    b: { dtype: 'BF16', shape: [3], data_offsets: [16, 22] },
    c: { dtype: 'F16', shape: [2], data_offsets: [22, 26] },
    s: { dtype: 'F32', shape: [], data_offsets: [26, 30] },
  };
  const file = handBuilt(header, data);
  for (const shift of [0, 1, 2, 3]) {
    const buf = new Uint8Array(file.length + shift);
    buf.set(file, shift);
    const t = parseSafetensors(buf.subarray(shift), 'hand.safetensors');
    assert.deepEqual([...t.keys()], ['a', 'b', 'c', 's']);
    assert.deepEqual(t.get('a')!.shape, [2, 2]);
    assert.deepEqual([...t.get('a')!.data], [1.5, -2, 0, 3.25]);
    assert.deepEqual([...t.get('b')!.data], [1, -3, Infinity]);
    assert.deepEqual([...t.get('c')!.data], [1, 2 ** -24]);
    assert.deepEqual(t.get('s')!.shape, []);
    assert.deepEqual([...t.get('s')!.data], [7]);
  }
});

test('F32 write/read round trip is bit-identical, with metadata and an 8-aligned data section', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'model.safetensors');
  const rand = rng(3);
  const big = new Float32Array(4096).map(() => rand() * 2 - 1);
  const special = new Float32Array(8);
  new Uint32Array(special.buffer).set([0x7fc00123, 0xff800000, 0x80000000, 0x00000001, 0x7f7fffff, 0x3f800000, 0x7f800001, 0]);
  const tensors = new Map<string, RawTensor>([
    ['model.layers.0.mlp.up_proj.weight', { shape: [64, 64], data: big }],
    ['special', { shape: [2, 4], data: special }],
    ['empty', { shape: [0, 3], data: new Float32Array(0) }],
  ]);
  writeSafetensors(file, tensors, { metadata: { format: 'pt', step: '12' } });
  const back = readSafetensors(file);
  assert.deepEqual([...back.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const got = back.get(name)!;
    assert.deepEqual(got.shape, t.shape);
    assert.deepEqual(
      new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length),
      new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length),
      name,
    );
  }
  assert.deepEqual(readSafetensorsMetadata(file), { format: 'pt', step: '12' });
  const raw = fs.readFileSync(file);
  assert.equal(Number(raw.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  assert.deepEqual(fs.readdirSync(dir), ['model.safetensors'], 'no temp file left behind');
  fs.rmSync(dir, { recursive: true });
});

test('BF16 and F16 writes read back as the rounded values', () => {
  const dir = tmpDir();
  const rand = rng(4);
  const data = new Float32Array(3000).map(() => (rand() * 2 - 1) * 2 ** Math.floor(rand() * 20 - 10));
  const tensors = new Map([['w', { shape: [30, 100], data }]]);
  const bfFile = path.join(dir, 'bf.safetensors');
  writeSafetensors(bfFile, tensors, { dtype: 'BF16' });
  assert.equal(fs.statSync(bfFile).size, 8 + Number(fs.readFileSync(bfFile).readBigUInt64LE(0)) + 6000);
  assert.deepEqual(readSafetensors(bfFile).get('w')!.data, roundToBf16(data));

  const f16File = path.join(dir, 'f16.safetensors');
  writeSafetensors(f16File, tensors, { dtype: 'F16' });
  const back = readSafetensors(f16File).get('w')!.data;
  for (let i = 0; i < data.length; i++) {
    assert.equal(back[i], f16BitsToF32(f32BitsToF16(bitsOf(data[i]))));
    assert.ok(Math.abs(back[i] - data[i]) <= Math.abs(data[i]) * 2 ** -11 + 2 ** -25, `f16 error too large at ${i}`);
  }
  fs.rmSync(dir, { recursive: true });
});

test('a truncated file names the tensor, its size and says it is truncated', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'model.safetensors');
  const name = 'model.layers.0.mlp.up_proj.weight';
  writeSafetensors(
    file,
    new Map([
      ['a', tensor([4], [1, 2, 3, 4])],
      [name, { shape: [128, 128], data: new Float32Array(128 * 128) }],
    ]),
    { dtype: 'BF16' },
  );
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 100));
  assertCheckpointError(() => readSafetensors(file), file, `tensor '${name}'`, 'needs 32768 bytes', 'shape [128,128] BF16', 'truncated');
  fs.rmSync(dir, { recursive: true });
});

test('corrupt headers, bad offsets and unknown dtypes give one-line CheckpointErrors', () => {
  const f32x4 = new Uint8Array(16);
  const src = 'bad.safetensors';
  assertCheckpointError(() => parseSafetensors(new Uint8Array(5), src), src, 'too short');
  assertCheckpointError(() => parseSafetensors(handBuilt({}, f32x4, 10_000), src), 'header length 10000 is beyond the file size');
  const notJson = handBuilt({}, new Uint8Array(0));
  const garbage = new Uint8Array(8 + 6);
  garbage.set(notJson.subarray(0, 8));
  new DataView(garbage.buffer).setBigUint64(0, 6n, true);
  garbage.set(new TextEncoder().encode('{"a": '), 8);
  assertCheckpointError(() => parseSafetensors(garbage, src), 'header is not valid JSON');
  assertCheckpointError(() => parseSafetensors(handBuilt([1, 2], f32x4), src), 'must be a JSON object');
  assertCheckpointError(
    () => parseSafetensors(handBuilt({ 'x.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, f32x4), src),
    "tensor 'x.weight'",
    'needs 16 bytes',
    '[0,12]',
  );
  assertCheckpointError(
    () => parseSafetensors(handBuilt({ 'x.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [8, 24] } }, f32x4), src),
    "tensor 'x.weight'",
    'truncated',
  );
  assertCheckpointError(
    () =>
      parseSafetensors(
        handBuilt({ p: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, q: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32x4),
        src,
      ),
    "'p'",
    "'q'",
    'overlap',
  );
  assertCheckpointError(
    () => parseSafetensors(handBuilt({ y: { dtype: 'F33', shape: [4], data_offsets: [0, 16] } }, f32x4), src),
    "tensor 'y'",
    'unknown dtype "F33"',
  );
  assertCheckpointError(
    () => parseSafetensors(handBuilt({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, f32x4), src),
    "tensor 'ids'",
    'I64',
    'F32, F16 and BF16',
  );
  assertCheckpointError(() => parseSafetensors(handBuilt({ z: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, f32x4), src), "tensor 'z'", 'malformed');
  assertCheckpointError(() => parseSafetensors(handBuilt({ z: { dtype: 'F32', shape: [4], data_offsets: [16, 0] } }, f32x4), src), "tensor 'z'", 'malformed');
  assertCheckpointError(() => parseSafetensors(handBuilt({ __metadata__: { step: 3 } }, f32x4), src), '__metadata__');
  assertCheckpointError(() => readSafetensors(path.join(os.tmpdir(), 'thinktune-does-not-exist.safetensors')), 'cannot read', 'ENOENT');
});

test('writeSafetensors rejects a shape/data mismatch before touching the disk', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'w.safetensors');
  assertCheckpointError(() => writeSafetensors(file, new Map([['w', tensor([2, 3], [1, 2, 3])]])), "tensor 'w'", '[2,3]', '3 values');
  assertCheckpointError(() => writeSafetensors(file, new Map([['__metadata__', tensor([1], [1])]])), 'reserved');
  assert.deepEqual(fs.readdirSync(dir), []);
  fs.rmSync(dir, { recursive: true });
});

test('a write that fails mid-way (disk full) keeps the previous file and removes the temp file', (t) => {
  const dir = tmpDir();
  const file = path.join(dir, 'model.safetensors');
  writeSafetensors(file, new Map([['w', tensor([2], [1, 2])]]));
  const before = fs.readFileSync(file);
  let calls = 0;
  const realWrite = fs.writeSync;
  t.mock.method(fs, 'writeSync', (...args: Parameters<typeof fs.writeSync>) => {
    if (++calls === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (realWrite as (...a: unknown[]) => number)(...args);
  });
  assertCheckpointError(() => writeSafetensors(file, new Map([['w', tensor([3], [4, 5, 6])]])), file, 'disk is full', 'previous file is untouched');
  mock.restoreAll();
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  fs.rmSync(dir, { recursive: true });
});

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const fixtureFiles = [
  { file: path.join(FIXTURES, 'tiny-llama', 'model.safetensors'), dtype: 'F32' },
  { file: path.join(FIXTURES, 'tiny-qwen2', 'model.safetensors'), dtype: 'BF16' },
];

/** Same names in the same order, same shapes, same bits (NaN payloads included). */
function assertSameBits(got: Map<string, RawTensor>, want: Map<string, RawTensor>): void {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, w] of want) {
    const g = got.get(name)!;
    assert.deepEqual(g.shape, w.shape, name);
    assert.deepEqual(new Uint32Array(g.data.buffer, g.data.byteOffset, g.data.length), new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length), name);
  }
}

test('streaming reads of the fixtures are bit-identical to parsing the whole file in memory', () => {
  for (const { file, dtype } of fixtureFiles) {
    const inMemory = parseSafetensors(fs.readFileSync(file), file);
    assert.ok(inMemory.size > 10, file);
    assertSameBits(readSafetensors(file), inMemory);
    const st = openSafetensors(file);
    try {
      assert.deepEqual(
        st.entries.map((e) => e.name),
        [...inMemory.keys()],
      );
      assert.ok(
        st.entries.every((e) => e.dtype === dtype),
        `${file} is stored as ${dtype}`,
      );
      assert.deepEqual(
        st.entries.map((e) => e.shape),
        [...inMemory.values()].map((t) => t.shape),
      );
      // Reading in reverse order and twice gives the same tensors: reads are positioned, not sequential.
      const back = new Map([...inMemory.keys()].reverse().map((n) => [n, st.read(n)] as const));
      assertSameBits(new Map([...inMemory.keys()].map((n) => [n, back.get(n)!])), inMemory);
      assertSameBits(new Map([[st.entries[0].name, st.read(st.entries[0].name)]]), new Map([[st.entries[0].name, inMemory.get(st.entries[0].name)!]]));
    } finally {
      st.close();
    }
  }
});

test('short reads (an odd 999 bytes at most per readSync) still give bit-identical tensors', (t) => {
  const realRead = fs.readSync;
  let calls = 0;
  t.mock.method(fs, 'readSync', (fd: number, buf: Uint8Array, offset: number, length: number, position: number) => {
    calls++;
    return (realRead as (...a: unknown[]) => number)(fd, buf, offset, Math.min(length, 999), position);
  });
  for (const { file } of fixtureFiles) {
    const want = parseSafetensors(fs.readFileSync(file), file);
    assertSameBits(readSafetensors(file), want);
  }
  assert.ok(calls > 150, `expected many short reads, got ${calls}`);
});

test('a tensor read fetches exactly its own bytes, at 8 + header length + begin', (t) => {
  const dir = tmpDir();
  const file = path.join(dir, 'm.safetensors');
  writeSafetensors(
    file,
    new Map([
      ['a', tensor([3], [1, 2, 3])],
      ['b', tensor([2, 2], [4, 5, 6, 7])],
    ]),
    { dtype: 'BF16' },
  );
  const headerLen = Number(fs.readFileSync(file).readBigUInt64LE(0));
  const st = openSafetensors(file);
  const realRead = fs.readSync;
  const reads: [number, number][] = [];
  t.mock.method(fs, 'readSync', (fd: number, buf: Uint8Array, offset: number, length: number, position: number) => {
    reads.push([position, length]);
    return (realRead as (...a: unknown[]) => number)(fd, buf, offset, length, position);
  });
  assert.deepEqual([...st.read('b').data], [4, 5, 6, 7]);
  assert.deepEqual(reads, [[8 + headerLen + 6, 8]]);
  st.close();
  fs.rmSync(dir, { recursive: true });
});

test('readSafetensors { names } reads only those tensors, in file order, and rejects an unknown name', () => {
  const file = fixtureFiles[1].file;
  const all = parseSafetensors(fs.readFileSync(file), file);
  const [first, , third] = [...all.keys()];
  const some = readSafetensors(file, { names: [third, first] });
  assertSameBits(
    some,
    new Map([
      [first, all.get(first)!],
      [third, all.get(third)!],
    ]),
  );
  assert.equal(readSafetensors(file, { names: [] }).size, 0);
  assertCheckpointError(() => readSafetensors(file, { names: ['lm_head.weight'] }), file, "no tensor 'lm_head.weight'");
  const st = openSafetensors(file);
  assertCheckpointError(() => st.read('nope'), file, "no tensor 'nope'");
  st.close();
  st.close(); // closing twice is harmless
  assertCheckpointError(() => st.read(first), 'after close()');
});

test('the open API reports truncation at open, and a file that shrinks after opening on read', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'model.safetensors');
  const name = 'model.layers.0.mlp.up_proj.weight';
  writeSafetensors(
    file,
    new Map([
      ['a', tensor([4], [1, 2, 3, 4])],
      [name, { shape: [128, 128], data: new Float32Array(128 * 128) }],
    ]),
  );
  const full = fs.readFileSync(file);
  const st = openSafetensors(file);
  fs.truncateSync(file, full.length - 100);
  assert.deepEqual([...st.read('a').data], [1, 2, 3, 4]);
  assertCheckpointError(() => st.read(name), file, `tensor '${name}'`, '100 bytes early', 'truncated');
  st.close();
  assertCheckpointError(() => openSafetensors(file), file, `tensor '${name}'`, 'needs 65536 bytes', 'truncated');
  fs.writeFileSync(file, full.subarray(0, 5));
  assertCheckpointError(() => openSafetensors(file), file, 'too short');
  fs.writeFileSync(file, full.subarray(0, 20));
  assertCheckpointError(() => readSafetensorsMetadata(file), file, 'header length', 'beyond the file size');
  fs.rmSync(dir, { recursive: true });
});

test('open errors say what is wrong: missing file, a folder, no permission, a failing disk', (t) => {
  const dir = tmpDir();
  const missing = path.join(dir, 'gone.safetensors');
  assertCheckpointError(() => openSafetensors(missing), missing, 'does not exist', 'check the path');
  assertCheckpointError(() => readSafetensorsMetadata(missing), missing, 'does not exist');
  const notDir = path.join(dir, 'file');
  fs.writeFileSync(notDir, 'x');
  assertCheckpointError(() => readSafetensors(path.join(notDir, 'model.safetensors')), 'ENOTDIR', 'check the path');

  const folder = path.join(dir, 'model.safetensors');
  fs.mkdirSync(folder);
  const msg = assertCheckpointError(() => readSafetensors(folder), folder, 'is a folder', 'EISDIR');
  assert.ok(!msg.includes('check the path'), msg);

  const file = path.join(dir, 'w.safetensors');
  writeSafetensors(file, new Map([['w', tensor([2], [1, 2])]]));
  const realOpen = fs.openSync;
  const openMock = t.mock.method(fs, 'openSync', (...args: Parameters<typeof fs.openSync>) => {
    if (args[0] === file) throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
    return (realOpen as (...a: unknown[]) => number)(...args);
  });
  const denied = assertCheckpointError(() => readSafetensors(file), file, 'permission denied', 'EACCES', 'chmod');
  assert.ok(!denied.includes('check the path'), denied);
  openMock.mock.restore();

  const st = openSafetensors(file);
  t.mock.method(fs, 'readSync', () => {
    throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  });
  const io = assertCheckpointError(() => st.read('w'), file, "tensor 'w'", 'I/O error', 'EIO');
  assert.ok(!io.includes('check the path'), io);
  st.close();
  mock.restoreAll();
  fs.rmSync(dir, { recursive: true });
});

/**
 * Files over 2 GiB (Llama-3.2-1B, Qwen2.5-1.5B ship one): Node cannot buffer them whole, so the reader
 * must stream. The test file is sparse: its multi-GiB fillers are holes that cost no disk and are never
 * read, so the test takes milliseconds and a few tens of MiB of memory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSafetensors, readSafetensors } from '../../src/io/safetensors.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

// Data-section layout. "mid" starts past 2^31 and spans more than one 16 MiB decode chunk; "tail"
// starts past 2^32, so 32-bit position arithmetic anywhere would read the wrong bytes.
const FILLER = { dtype: 'F16', shape: [1100, MiB], bytes: 2200 * MiB };
const MID = { dtype: 'BF16', shape: [9, MiB], bytes: 18 * MiB };
const FILLER2 = { dtype: 'F16', shape: [1024, MiB], bytes: 2 * GiB };
const TAIL_VALUES = [1.5, -2.25, 0, 3e-39, -Infinity, 65504.125];

/** BF16 values stored at chosen element indices of "mid"; every other element is a zero from the hole. */
const MID_VALUES = new Map<number, number>([
  [0, 1],
  [8 * MiB - 1, -3], // last element of the first 16 MiB chunk
  [8 * MiB, 0.5], // first element of the second chunk
  [9 * MiB - 1, 7],
]);
const bf16Of = (x: number) => new Uint16Array(new Float32Array([x]).buffer)[1];

let dir = '';
let file = '';
let dataStart = 0;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thinktune-st-large-'));
  file = path.join(dir, 'model.safetensors');
  const midBegin = FILLER.bytes;
  const tailBegin = midBegin + MID.bytes + FILLER2.bytes;
  const header = {
    __metadata__: { format: 'pt' },
    filler: { dtype: FILLER.dtype, shape: FILLER.shape, data_offsets: [0, midBegin] },
    mid: { dtype: MID.dtype, shape: MID.shape, data_offsets: [midBegin, midBegin + MID.bytes] },
    filler2: { dtype: FILLER2.dtype, shape: FILLER2.shape, data_offsets: [midBegin + MID.bytes, tailBegin] },
    tail: { dtype: 'F32', shape: [2, 3], data_offsets: [tailBegin, tailBegin + TAIL_VALUES.length * 4] },
  };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  dataStart = 8 + json.length;
  const fd = fs.openSync(file, 'w');
  try {
    // Positioned writes only: everything in between stays a hole.
    fs.writeSync(fd, Buffer.concat([prefix, json]), 0, 8 + json.length, 0);
    for (const [i, v] of MID_VALUES) {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(bf16Of(v));
      fs.writeSync(fd, b, 0, 2, dataStart + midBegin + i * 2);
    }
    const tail = Buffer.from(new Float32Array(TAIL_VALUES).buffer);
    fs.writeSync(fd, tail, 0, tail.length, dataStart + tailBegin);
  } finally {
    fs.closeSync(fd);
  }
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the sparse test file is over 4 GiB, with "tail" stored past 2^32', () => {
  assert.equal(fs.statSync(file).size, dataStart + FILLER.bytes + MID.bytes + FILLER2.bytes + TAIL_VALUES.length * 4);
  assert.ok(dataStart + FILLER.bytes > 2 ** 31);
  assert.ok(dataStart + FILLER.bytes + MID.bytes + FILLER2.bytes > 2 ** 32);
});

test('openSafetensors on a > 2 GiB file: header entries, a tensor past 2^32 read exactly', () => {
  const st = openSafetensors(file);
  try {
    assert.deepEqual(st.metadata, { format: 'pt' });
    assert.deepEqual(st.entries, [
      { name: 'filler', dtype: 'F16', shape: FILLER.shape },
      { name: 'mid', dtype: 'BF16', shape: MID.shape },
      { name: 'filler2', dtype: 'F16', shape: FILLER2.shape },
      { name: 'tail', dtype: 'F32', shape: [2, 3] },
    ]);
    const tail = st.read('tail');
    assert.deepEqual(tail.shape, [2, 3]);
    assert.deepEqual([...tail.data], [...new Float32Array(TAIL_VALUES)]);
  } finally {
    st.close();
  }
});

test('a BF16 tensor past 2^31 that spans decode chunks decodes every element in place', () => {
  const st = openSafetensors(file);
  try {
    const mid = st.read('mid');
    assert.equal(mid.data.length, 9 * MiB);
    for (const [i, v] of MID_VALUES) assert.equal(mid.data[i], v, `mid[${i}]`);
    let nonZero = 0;
    for (let i = 0; i < mid.data.length; i++) if (mid.data[i] !== 0) nonZero++;
    assert.equal(nonZero, MID_VALUES.size, 'everything else is the zero-filled hole');
  } finally {
    st.close();
  }
});

test('readSafetensors with a names subset loads from a > 2 GiB file (no whole-file read)', () => {
  const t = readSafetensors(file, { names: ['tail'] });
  assert.deepEqual([...t.keys()], ['tail']);
  assert.deepEqual([...t.get('tail')!.data], [...new Float32Array(TAIL_VALUES)]);
});

/**
 * 16-bit float <-> float32 conversion on raw bit patterns, for checkpoint I/O.
 *
 * bf16 is the top half of an f32 (1 sign, 8 exponent, 7 mantissa bits), so decoding is a shift and
 * encoding is a round-to-nearest-even on the dropped 16 bits. IEEE f16 (1, 5, 10) needs exponent
 * rebiasing and subnormal handling; decoding goes through a 65536-entry table built once (256 KiB),
 * which makes it one load per element. Encoders round to nearest, ties to even, like PyTorch's
 * `tensor.to(torch.bfloat16 / torch.float16)`. NaNs stay NaN (quieted, sign kept).
 */

/** f32 bit pattern (as uint32) -> bf16 bit pattern, round to nearest even. */
export function f32BitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff; // NaN: keep quiet
  // Adding 0x7fff plus the lowest kept bit rounds ties to even; a carry into the exponent is the correct
  // rounding up (including to infinity from the largest finite values).
  return ((bits >>> 0) + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/** f32 bit pattern (as uint32) -> IEEE f16 bit pattern, round to nearest even, overflow to +-inf. */
export function f32BitsToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // f16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal f16: units of 2^-24. The 24-bit significand m is worth m * 2^(e-38), so drop 14-e bits.
    if (e < -10) return sign; // below 2^-25: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rem > half || (rem === half && (h & 1) !== 0)) h++; // may carry into the smallest normal: correct
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // carry may reach 0x7c00 = inf: correct
  return sign | h;
}

/** IEEE f16 bit pattern -> float value (exact). */
export function f16BitsToF32(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  if (exp === 0) return s * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? s * Infinity : NaN;
  return s * (1024 + mant) * 2 ** (exp - 25);
}

let f16Table: Float32Array | null = null;

/** All 65536 f16 values as f32; NaN entries keep their payload bits (built once, on first F16 read). */
function f16DecodeTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const exp = (h >>> 10) & 0x1f;
    if (exp === 0x1f) bits[h] = ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13);
    else table[h] = f16BitsToF32(h);
  }
  f16Table = table;
  return table;
}

/** True when this machine stores numbers little-endian (safetensors is little-endian on disk). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode `count` little-endian bf16 values starting at `bytes[offset]` into a new Float32Array. */
export function decodeBf16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const out32 = new Uint32Array(out.buffer);
  const at = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && at % 2 === 0) {
    const src = new Uint16Array(bytes.buffer, at, count);
    for (let i = 0; i < count; i++) out32[i] = src[i] << 16;
  } else {
    for (let i = 0, j = offset; i < count; i++, j += 2) out32[i] = (bytes[j] | (bytes[j + 1] << 8)) << 16;
  }
  return out;
}

/** Decode `count` little-endian f16 values starting at `bytes[offset]` into a new Float32Array. */
export function decodeF16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const table = f16DecodeTable();
  const out = new Float32Array(count);
  const at = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && at % 2 === 0) {
    const src = new Uint16Array(bytes.buffer, at, count);
    for (let i = 0; i < count; i++) out[i] = table[src[i]];
  } else {
    for (let i = 0, j = offset; i < count; i++, j += 2) out[i] = table[bytes[j] | (bytes[j + 1] << 8)];
  }
  return out;
}

/** The bytes of `words` in little-endian order (a view on little-endian hosts, swapped in place otherwise). */
function littleEndianBytes(words: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  if (!HOST_IS_LITTLE_ENDIAN) {
    for (let j = 0; j < bytes.length; j += 2) {
      const t = bytes[j];
      bytes[j] = bytes[j + 1];
      bytes[j + 1] = t;
    }
  }
  return bytes;
}

/** Encode f32 values as little-endian bf16 bytes (round to nearest even). */
export function encodeBf16(data: Float32Array): Uint8Array {
  const src = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < src.length; i++) out[i] = f32BitsToBf16(src[i]);
  return littleEndianBytes(out);
}

/** Encode f32 values as little-endian IEEE f16 bytes (round to nearest even, overflow to inf). */
export function encodeF16(data: Float32Array): Uint8Array {
  const src = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < src.length; i++) out[i] = f32BitsToF16(src[i]);
  return littleEndianBytes(out);
}

/** Round f32 values to the nearest bf16 and back (what a BF16 save then load yields). */
export function roundToBf16(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  const src = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const dst = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) dst[i] = f32BitsToBf16(src[i]) << 16;
  return out;
}

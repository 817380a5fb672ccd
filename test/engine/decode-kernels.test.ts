// The wasm SIMD decode kernels (src/engine/decode-kernels.ts) against plain float64 loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvCache } from '../../src/engine/kv-cache.js';
import { swigluKernel } from '../../src/engine/decode-kernels.js';

/** Deterministic values in [-1, 1). */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  };
}

interface Case { B: number; H: number; Hkv: number; hd: number; T: number }

/**
 * Fill a cache at random, attend for a subset of rows, compare with softmax attention in float64.
 * Returns the largest absolute error.
 */
function attentionError({ B, H, Hkv, hd, T }: Case, rows: number[], col: number, start: number[]): number {
  const rnd = noise(B * 31 + H * 7 + hd);
  const cache = new KvCache(2, B, H, Hkv, hd, T, Int32Array.from(start));
  try {
    const D = cache.dim;
    const layer = 1;
    // Only the real lanes hold data: the pad lanes must stay 0 for the kernel.
    for (let b = 0; b < B; b++) {
      for (let kh = 0; kh < Hkv; kh++) {
        for (let t = 0; t <= col; t++) {
          const o = cache.offset(b, kh, t);
          for (let j = 0; j < hd; j++) {
            cache.keys[layer][o + j] = 2 * rnd();
            cache.values[layer][o + j] = rnd();
          }
        }
      }
    }
    rows.forEach((_, i) => { for (let h = 0; h < H; h++) for (let j = 0; j < hd; j++) cache.query[(i * H + h) * D + j] = 2 * rnd(); });
    cache.rows.set(rows);
    cache.attend(layer, rows.length, col);
    let worst = 0;
    rows.forEach((b, i) => {
      for (let h = 0; h < H; h++) {
        const kh = Math.floor(h / (H / Hkv));
        const q = cache.query.subarray((i * H + h) * D, (i * H + h) * D + hd);
        const s: number[] = [];
        for (let t = start[b]; t <= col; t++) {
          const k = cache.keys[layer].subarray(cache.offset(b, kh, t));
          s.push(q.reduce((a, qj, j) => a + qj * k[j], 0));
        }
        const m = Math.max(...s);
        const e = s.map((v) => Math.exp(v - m));
        const z = e.reduce((a, v) => a + v, 0);
        for (let j = 0; j < hd; j++) {
          let want = 0;
          e.forEach((w, n) => (want += (w / z) * cache.values[layer][cache.offset(b, kh, start[b] + n) + j]));
          worst = Math.max(worst, Math.abs(want - cache.out[(i * H + h) * D + j]));
        }
      }
    });
    return worst;
  } finally {
    cache.dispose();
  }
}

test('attention kernel matches float64 softmax attention (GQA, padded head dims, left padding, row subsets)', () => {
  const cases: Case[] = [
    { B: 3, H: 4, Hkv: 4, hd: 32, T: 40 }, // reference layout, key counts not a multiple of 4
    { B: 5, H: 4, Hkv: 2, hd: 8, T: 20 }, // GQA
    { B: 2, H: 6, Hkv: 1, hd: 6, T: 9 }, // head dim padded to 8; one kv head
    { B: 2, H: 2, Hkv: 2, hd: 72, T: 12 }, // more than 8 vectors per head: two value passes, query from memory
  ];
  for (const c of cases) {
    const start = Array.from({ length: c.B }, (_, b) => (b * 3) % 5);
    for (const col of [5, 6, 7, c.T - 1]) {
      const rows = Array.from({ length: c.B }, (_, b) => c.B - 1 - b).filter((b) => b % 2 === 0 || c.B < 3);
      const err = attentionError(c, rows, col, start);
      assert.ok(err < 2e-6, `${JSON.stringify(c)} col ${col}: max error ${err}`);
    }
  }
});

test('attention over a single key returns its value', () => {
  assert.ok(attentionError({ B: 2, H: 2, Hkv: 1, hd: 4, T: 8 }, [0, 1], 3, [3, 3]) < 1e-7);
});

test('attention results do not depend on how rows are split between threads', () => {
  // Many rows, so helper threads (when the machine has spare cores) take part; compare two calls.
  const B = 64, H = 4, hd = 32, T = 48;
  const cache = new KvCache(1, B, H, H, hd, T, new Int32Array(B));
  try {
    const rnd = noise(5);
    cache.keys[0].forEach((_, i) => { cache.keys[0][i] = rnd(); cache.values[0][i] = rnd(); });
    cache.query.forEach((_, i) => { cache.query[i] = 3 * rnd(); });
    cache.rows.set(Int32Array.from({ length: B }, (_, b) => b));
    cache.attend(0, B, T - 1);
    const first = cache.out.slice();
    for (let rep = 0; rep < 20; rep++) {
      cache.out.fill(0);
      cache.attend(0, B, T - 1);
      assert.deepEqual(cache.out, first);
    }
  } finally {
    cache.dispose();
  }
});

test('swiglu kernel matches silu(gate) * up, including a row length that is not a multiple of 4', () => {
  for (const I of [4, 30, 512]) {
    const n = 3;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const gateUp = new Float32Array(memory.buffer, 0, n * 2 * I);
    const act = new Float32Array(memory.buffer, n * 2 * I * 4, n * I);
    const rnd = noise(I);
    gateUp.forEach((_, i) => { gateUp[i] = 12 * rnd(); });
    // Extremes: exp overflow and underflow, and exactly 0.
    gateUp.set([-100, 100, 0, -88.5], 0);
    swigluKernel(I, memory)(gateUp.byteOffset, act.byteOffset, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < I; j++) {
        const g = gateUp[i * 2 * I + j];
        const want = (g / (1 + Math.exp(-g))) * gateUp[i * 2 * I + I + j];
        const got = act[i * I + j];
        assert.ok(Math.abs(got - want) <= 4e-7 * Math.abs(want) + 1e-30, `I=${I} row ${i} lane ${j}: ${got} vs ${want}`);
      }
    }
  }
});

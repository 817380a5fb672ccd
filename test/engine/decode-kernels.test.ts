// The wasm SIMD decode kernels (src/engine/decode-kernels.ts) against plain float64 loops, run through
// the arena and threads the decoder uses (so helper threads take part where the machine has cores).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KvCache } from '../../src/engine/kv-cache.js';
import { DecodeThreads } from '../../src/engine/decode-threads.js';
import { decodeModule, packPanels, PANEL, type DecodeKernelSpec } from '../../src/engine/decode-kernels.js';

/** Deterministic values in [-1, 1). */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1;
  };
}

interface Case {
  B: number;
  H: number;
  Hkv: number;
  hd: number;
  T: number;
}

/** An arena with the kernels of `spec` (defaults for the parts a test does not use). */
function rig(spec: Partial<DecodeKernelSpec>, scratchFloats = 16) {
  const full: DecodeKernelSpec = { heads: 1, kvHeads: 1, dim: 4, intermediate: 4, gateUpStride: 8, gemms: [], ...spec };
  const { module, names } = decodeModule(full);
  const threads = DecodeThreads.open(module, names, scratchFloats);
  return { arena: threads.arena, threads };
}

/** A KV cache in the decode arena; run(cache), then give the arena back. */
function withCache<T>({ B, H, Hkv, hd, T }: Case, start: number[], run: (cache: KvCache) => T): T {
  const { threads } = rig({ heads: H, kvHeads: Hkv, dim: KvCache.paddedHeadDim(hd) }, KvCache.scratchFloats(T));
  const cache = new KvCache(threads, 2, B, H, Hkv, hd, T, Int32Array.from(start));
  threads.start();
  try {
    return run(cache);
  } finally {
    threads.close();
  }
}

/**
 * Fill a cache at random, attend for a subset of rows, compare with softmax attention in float64.
 * Returns the largest absolute error.
 */
function attentionError(shape: Case, rows: number[], col: number, start: number[]): number {
  const { B, H, Hkv, hd } = shape;
  const rnd = noise(B * 31 + H * 7 + hd);
  return withCache(shape, start, (cache) => {
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
    rows.forEach((_, i) => {
      for (let h = 0; h < H; h++) for (let j = 0; j < hd; j++) cache.query[(i * H + h) * D + j] = 2 * rnd();
    });
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
        for (let j = 0; j < D; j++) {
          let want = 0;
          if (j < hd) e.forEach((w, n) => (want += (w / z) * cache.values[layer][cache.offset(b, kh, start[b] + n) + j]));
          worst = Math.max(worst, Math.abs(want - cache.out[(i * H + h) * D + j])); // pad lanes must come out 0
        }
      }
    });
    return worst;
  });
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
  // Many rows, so helper threads (when the machine has spare cores) take part; compare repeated calls.
  const B = 64,
    H = 4,
    hd = 32,
    T = 48;
  withCache({ B, H, Hkv: H, hd, T }, Array(B).fill(0), (cache) => {
    const rnd = noise(5);
    cache.keys[0].forEach((_, i) => {
      cache.keys[0][i] = rnd();
      cache.values[0][i] = rnd();
    });
    cache.query.forEach((_, i) => {
      cache.query[i] = 3 * rnd();
    });
    cache.rows.set(Int32Array.from({ length: B }, (_, b) => b));
    cache.attend(0, B, T - 1);
    const first = cache.out.slice();
    for (let rep = 0; rep < 20; rep++) {
      cache.out.fill(0);
      cache.attend(0, B, T - 1);
      assert.deepEqual(cache.out, first);
    }
  });
});

test('gemm kernel: packed panels times rows, any K and N, pad columns 0, inserted zero rows', () => {
  for (const [rows, K, N] of [
    [2, 3, 5],
    [6, 20, 24],
    [40, 128, 384],
    [4, 17, 30],
  ]) {
    const rowOf = K === 20 ? (k: number) => (k % 5 === 4 ? -1 : k - Math.floor(k / 5)) : (k: number) => k; // 16 source rows + 4 zero rows
    const srcRows = K === 20 ? 16 : K;
    const { arena, threads } = rig({ gemms: [{ K, N }] });
    const P = Math.ceil(N / PANEL);
    const rnd = noise(K * N);
    // W = [W0 | W1]: two column blocks, as the fused q|k|v and gate|up weights are given.
    const n0 = Math.floor(N / 2);
    const W0 = Float32Array.from({ length: srcRows * n0 }, rnd);
    const W1 = Float32Array.from({ length: srcRows * (N - n0) }, rnd);
    const a = arena.f32(rows * K);
    a.forEach((_, i) => {
      a[i] = rnd();
    });
    const b = arena.f32(P * K * PANEL);
    packPanels(
      b,
      [
        { data: W0, cols: n0 },
        { data: W1, cols: N - n0 },
      ],
      K,
      rowOf,
    );
    const c = arena.f32(rows * P * PANEL);
    c.fill(NaN);
    threads.start();
    threads.run(threads.fn('gemm0'), [a.byteOffset, b.byteOffset, c.byteOffset, rows]);
    threads.close(); // (nothing reuses the arena before the checks below)
    for (let r = 0; r < rows; r++) {
      for (let n = 0; n < P * PANEL; n++) {
        let want = 0;
        for (let k = 0; k < K; k++) {
          const s = rowOf(k);
          if (s < 0 || n >= N) continue;
          want += a[r * K + k] * (n < n0 ? W0[s * n0 + n] : W1[s * (N - n0) + n - n0]);
        }
        const got = c[r * P * PANEL + n];
        assert.ok(Math.abs(got - want) < 1e-5, `rows ${rows} K ${K} N ${N}: c[${r}, ${n}] = ${got}, want ${want}`);
      }
    }
  }
});

test('swiglu kernel matches silu(gate) * up, including a row length that is not a multiple of 4', () => {
  for (const [I, stride] of [
    [4, 8],
    [30, 72],
    [512, 1032],
  ]) {
    const n = 3;
    const { arena, threads } = rig({ intermediate: I, gateUpStride: stride });
    const gateUp = arena.f32(n * stride);
    const act = arena.f32(n * I);
    const rnd = noise(I);
    gateUp.forEach((_, i) => {
      gateUp[i] = 12 * rnd();
    });
    // Extremes: exp overflow and underflow, and exactly 0.
    gateUp.set([-100, 100, 0, -88.5], 0);
    threads.call(threads.fn('swiglu'), [gateUp.byteOffset, act.byteOffset, n]);
    threads.close(); // (nothing reuses the arena before the checks below)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < I; j++) {
        const g = gateUp[i * stride + j];
        const want = (g / (1 + Math.exp(-g))) * gateUp[i * stride + I + j];
        const got = act[i * I + j];
        assert.ok(Math.abs(got - want) <= 4e-7 * Math.abs(want) + 1e-30, `I=${I} row ${i} lane ${j}: ${got} vs ${want}`);
      }
    }
  }
});

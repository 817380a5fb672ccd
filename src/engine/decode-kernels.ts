/**
 * The host-side decode kernels as WebAssembly SIMD, generated per model shape: the decode matmuls,
 * single-query attention over the KV cache, and the SwiGLU activation.
 *
 * Why hand-emitted wasm: at decode time every matrix is tiny ([n, d] with n ~ 40), so tfjs dispatch,
 * upload and download cost as much as the arithmetic, and plain-JS loops reached only ~1.3-2.9 GFLOP/s
 * (scalar float64), with Math.exp alone ~15 ns a call. Loops generated with the shapes baked in run
 * several times faster: the 2x12 gemm tile below reaches 30-37 GFLOP/s where the backend's XNNPACK
 * matmul gives ~25 (measured at the reference size), attention unrolls the head dimension and keeps
 * the query in registers, and exp is a vectorised float32 polynomial.
 * All arithmetic is float32, like the backend's kernels in the full forward pass.
 *
 * The module imports one *shared* memory; all pointers are byte offsets into it (f32 unless noted).
 * Parallel kernels take (scratch, next, ...): every calling thread passes its own scratch, and they
 * claim work items i = next++ (an atomic counter, set to 0 before the call) until i reaches the item
 * count, so any number of threads can split one call (decode-threads.ts); each item is computed whole
 * by one thread with the same code, so results do not depend on the split. They return the number of
 * items the caller did.
 *
 * attend(scores, next, keys, values, query, out, rows, start, n, col, rowBytes)   items: active rows
 *   keys, values  [B*Hkv, Tmax, D]   row = b*Hkv + kvHead, D = head_dim padded to a multiple of 4 (pad = 0)
 *   query, out    [n, H, D]          compact over the n active rows; query already roped and scaled
 *   rows (i32)    [n]                batch row b of each active row
 *   start (i32)   [B]                first valid key column of each batch row (left padding before it)
 *   scores        [Tmax + 3]         the caller's scratch
 *   For active row i and head h: softmax attention over key columns [start[b], col] of kv row
 *   b*Hkv + floor(h / (H / Hkv)), b = rows[i]; rowBytes = Tmax*D*4 (one kv row of one layer).
 *
 * gemm<k>(scratch, next, a, b, c, rows)   items: column panels; one function per weight shape (K, N)
 *   a [rows, K] row-major, rows even; b packed by packPanels() [P, K, 12], P = ceil(N / 12);
 *   c [rows, P*12] = a @ W (the pad columns come out 0).
 *
 * swiglu(gateUp, act, n)   (one thread)
 *   gateUp [n, stride] (gate in columns [0, I), up in [I, 2I)) -> act [n, I] = silu(gate) * up,
 *   silu(g) = g / (1 + exp(-g)).
 */
import { Code, F32, I32, V128, writeModule, type ValType } from './wasm-writer.js';

export type KernelFn = (...args: number[]) => number | undefined;

export interface DecodeKernelSpec {
  heads: number;
  kvHeads: number;
  /** Padded head dim D (a multiple of 4). */
  dim: number;
  intermediate: number;
  /** Row stride (floats) of the gate|up matmul output that swiglu reads. */
  gateUpStride: number;
  /** (K, N) of each gemm function, exported as gemm0, gemm1, ... in this order. */
  gemms: { K: number; N: number }[];
}

/** Columns of one packed weight panel and rows of one gemm tile: 2 x 3 f32x4 accumulators. */
export const PANEL = 12;
export const GEMM_ROWS = 2;

/** f32x4 output accumulators per pass over the keys (8 stay in the 16 SIMD registers of x86-64). */
const VALUE_BLOCK = 8;
/** Head vectors up to this many f32x4s are kept in locals while scoring keys. */
const MAX_QUERY_REGS = 8;

/** Locals of one function body: parameters first, then what `add` declares. */
class Locals {
  readonly declared: ValType[] = [];
  constructor(private readonly params: number) {}
  add(t: ValType): number {
    return this.params + this.declared.push(t) - 1;
  }
}

/**
 * exp of the f32x4 in local x (clobbered), left on the stack; Cephes expf (S. Moshier): 2^n * P(r)
 * with n = round(x log2 e), r = x - n ln 2 in two parts, P degree 7 (relative error ~1e-7, i.e. ~1 ulp).
 * Inputs below ln(2^-126) give 0 (so exp(-inf) = 0); above 88.37 saturate near f32 max.
 */
function emitExp(c: Code, L: Locals, x: number): void {
  const lo = -87.33654; // ln(2^-126): smallest normal result
  const hi = 88.37; // keeps n <= 127
  const fx = L.add(V128),
    under = L.add(V128),
    y = L.add(V128);
  c.get(x).f32x4Const(lo).f32x4Lt().set(under);
  c.get(x).f32x4Const(lo).f32x4Max().f32x4Const(hi).f32x4Min().set(x);
  c.get(x).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(fx);
  c.get(x).get(fx).f32x4Const(0.693359375).f32x4Mul().f32x4Sub();
  c.get(fx).f32x4Const(-2.1219444e-4).f32x4Mul().f32x4Sub().set(x);
  const poly = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  c.f32x4Const(poly[0]);
  for (const k of poly.slice(1)) c.get(x).f32x4Mul().f32x4Const(k).f32x4Add();
  c.get(x).get(x).f32x4Mul().f32x4Mul().get(x).f32x4Add().f32x4Const(1).f32x4Add().set(y);
  // 2^n from the exponent bits: (n + 127) << 23.
  c.get(y).get(fx).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32Const(23).i32x4Shl().f32x4Mul();
  c.get(under).v128AndNot();
}

/** Sum of the four lanes of the f32x4 in local v, left on the stack as f32. */
function emitLaneSum(c: Code, v: number): void {
  c.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
  c.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add();
  c.f32Add();
}

/** `do { body } while (cond)`; cond leaves an i32 on the stack. */
function doWhile(c: Code, body: () => void, cond: () => void): void {
  c.loop(() => {
    body();
    cond();
    c.brIf(0);
  });
}

function addTo(c: Code, local: number, n: number): void {
  c.get(local).i32Const(n).i32Add().set(local);
}

function buildAttend({ heads, kvHeads, dim }: DecodeKernelSpec) {
  const nv = dim / 4; // f32x4 vectors per head vector
  const groups = heads / kvHeads;
  const headBytes = dim * 4;
  const c = new Code();
  const [pScores, pNext, pKeys, pValues, pQuery, pOut, pRows, pStart, pN, pCol, pRowBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const L = new Locals(11);
  const i = L.add(I32),
    b = L.add(I32),
    t0 = L.add(I32),
    h = L.add(I32);
  const qp = L.add(I32),
    op = L.add(I32),
    rowOff = L.add(I32);
  const kp = L.add(I32),
    kEnd = L.add(I32),
    sp = L.add(I32),
    sEnd = L.add(I32),
    vp = L.add(I32);
  const max = L.add(F32);
  const maxV = L.add(V128),
    e = L.add(V128),
    zV = L.add(V128),
    inv = L.add(V128),
    p = L.add(V128);
  const dot = Array.from({ length: 4 }, () => L.add(V128));
  const qv = nv <= MAX_QUERY_REGS ? Array.from({ length: nv }, () => L.add(V128)) : null;
  const acc = Array.from({ length: Math.min(VALUE_BLOCK, nv) }, () => L.add(V128));
  const done = L.add(I32);

  c.block(() =>
    c.loop(() => {
      // Claim the next active row (other threads may be claiming rows of the same call).
      c.get(pNext).i32Const(1).i32AtomicRmwAdd().tee(i).get(pN).i32GeU().brIf(1);
      addTo(c, done, 1);
      c.get(pRows).get(i).i32Const(4).i32Mul().i32Add().i32Load().set(b);
      c.get(pStart).get(b).i32Const(4).i32Mul().i32Add().i32Load().set(t0);
      c.get(pQuery)
        .get(i)
        .i32Const(heads * headBytes)
        .i32Mul()
        .i32Add()
        .set(qp);
      c.get(pOut)
        .get(i)
        .i32Const(heads * headBytes)
        .i32Mul()
        .i32Add()
        .set(op);
      c.i32Const(0).set(h);
      doWhile(
        c,
        () => {
          // Byte offset of kv row b*Hkv + h/groups within one layer's keys (and values).
          c.get(b).i32Const(kvHeads).i32Mul().get(h).i32Const(groups).i32DivU().i32Add().get(pRowBytes).i32Mul().set(rowOff);

          // Scores s[t - t0] = q . k_t for t in [t0, col] (never empty: t0 <= col); q stays in registers
          // when it fits. Four keys at a time, their four partial-sum vectors reduced by one transpose.
          c.get(pKeys).get(rowOff).i32Add().get(t0).i32Const(headBytes).i32Mul().i32Add().set(kp);
          c.get(pKeys).get(rowOff).i32Add().get(pCol).i32Const(1).i32Add().i32Const(headBytes).i32Mul().i32Add().set(kEnd);
          c.get(pScores).set(sp);
          if (qv)
            for (let v = 0; v < nv; v++)
              c.get(qp)
                .v128Load(16 * v)
                .set(qv[v]);
          const loadQ = (v: number) => (qv ? c.get(qv[v]) : c.get(qp).v128Load(16 * v));
          /** dot[k] = partial sums (f32x4) of q . k_{t+k}. */
          const partialDots = (keys: number) => {
            for (let v = 0; v < nv; v++) {
              for (let k = 0; k < keys; k++) {
                loadQ(v)
                  .get(kp)
                  .v128Load(k * headBytes + 16 * v)
                  .f32x4Mul();
                if (v > 0) c.get(dot[k]).f32x4Add();
                c.set(dot[k]);
              }
            }
          };
          c.f32x4Const(-Infinity).set(maxV);
          c.block(() =>
            c.loop(() => {
              c.get(kp)
                .i32Const(3 * headBytes)
                .i32Add()
                .get(kEnd)
                .i32GeU()
                .brIf(1); // while 4 keys remain
              partialDots(4);
              // [a, b, c, d] partial sums -> [sum a, sum b, sum c, sum d].
              c.get(dot[0]).get(dot[1]).f32x4Shuffle(0, 4, 1, 5).get(dot[0]).get(dot[1]).f32x4Shuffle(2, 6, 3, 7).f32x4Add().set(dot[0]);
              c.get(dot[2]).get(dot[3]).f32x4Shuffle(0, 4, 1, 5).get(dot[2]).get(dot[3]).f32x4Shuffle(2, 6, 3, 7).f32x4Add().set(dot[2]);
              c.get(dot[0]).get(dot[2]).f32x4Shuffle(0, 1, 4, 5).get(dot[0]).get(dot[2]).f32x4Shuffle(2, 3, 6, 7).f32x4Add().set(dot[0]);
              c.get(sp).get(dot[0]).v128Store();
              c.get(maxV).get(dot[0]).f32x4Max().set(maxV);
              addTo(c, sp, 16);
              addTo(c, kp, 4 * headBytes);
              c.br(0);
            }),
          );
          c.get(maxV).f32x4ExtractLane(0).get(maxV).f32x4ExtractLane(1).f32Max();
          c.get(maxV).f32x4ExtractLane(2).get(maxV).f32x4ExtractLane(3).f32Max().f32Max().set(max);
          c.block(() =>
            c.loop(() => {
              c.get(kp).get(kEnd).i32GeU().brIf(1); // the last 0-3 keys one at a time
              partialDots(1);
              c.get(sp);
              emitLaneSum(c, dot[0]);
              c.f32Store();
              c.get(sp).f32Load().get(max).f32Max().set(max);
              addTo(c, sp, 4);
              addTo(c, kp, headBytes);
              c.br(0);
            }),
          );
          c.get(sp).set(sEnd);

          // Softmax weights in place, four at a time: e_t = exp(s_t - max), z = sum e_t. The (up to three)
          // lanes past the end read -inf, so they add exp(-inf) = 0.
          for (let k = 0; k < 3; k++)
            c.get(sEnd)
              .f32Const(-Infinity)
              .f32Store(4 * k);
          c.get(max).f32x4Splat().set(maxV);
          c.f32x4Const(0).set(zV);
          c.get(pScores).set(sp);
          doWhile(
            c,
            () => {
              c.get(sp).v128Load().get(maxV).f32x4Sub().set(e);
              emitExp(c, L, e);
              c.set(e);
              c.get(sp).get(e).v128Store();
              c.get(zV).get(e).f32x4Add().set(zV);
              addTo(c, sp, 16);
            },
            () => c.get(sp).get(sEnd).i32LtU(),
          );
          c.f32Const(1);
          emitLaneSum(c, zV);
          c.f32Div().f32x4Splat().set(inv);

          // out = (sum_t e_t v_t) / z, VALUE_BLOCK vectors of the head at a time.
          for (let j0 = 0; j0 < nv; j0 += VALUE_BLOCK) {
            const m = Math.min(VALUE_BLOCK, nv - j0);
            for (let k = 0; k < m; k++) c.f32x4Const(0).set(acc[k]);
            c.get(pValues)
              .get(rowOff)
              .i32Add()
              .get(t0)
              .i32Const(headBytes)
              .i32Mul()
              .i32Add()
              .i32Const(16 * j0)
              .i32Add()
              .set(vp);
            c.get(pScores).set(sp);
            doWhile(
              c,
              () => {
                c.get(sp).f32Load().f32x4Splat().set(p);
                for (let k = 0; k < m; k++)
                  c.get(acc[k])
                    .get(p)
                    .get(vp)
                    .v128Load(16 * k)
                    .f32x4Mul()
                    .f32x4Add()
                    .set(acc[k]);
                addTo(c, sp, 4);
                addTo(c, vp, headBytes);
              },
              () => c.get(sp).get(sEnd).i32LtU(),
            );
            for (let k = 0; k < m; k++)
              c.get(op)
                .get(acc[k])
                .get(inv)
                .f32x4Mul()
                .v128Store(16 * (j0 + k));
          }

          addTo(c, qp, headBytes);
          addTo(c, op, headBytes);
          addTo(c, h, 1);
        },
        () => c.get(h).i32Const(heads).i32LtU(),
      );
      c.br(0);
    }),
  );
  c.get(done); // result: rows this caller attended
  return { code: c, locals: L.declared };
}

function buildSwiglu({ intermediate: I, gateUpStride }: DecodeKernelSpec) {
  const c = new Code();
  const [pGateUp, pAct, pN] = [0, 1, 2];
  const L = new Locals(3);
  const i = L.add(I32),
    gp = L.add(I32),
    ap = L.add(I32),
    gEnd = L.add(I32);
  const g = L.add(V128),
    x = L.add(V128);
  /** act[ap] = silu(gate[gp]) * up[gp + I*4 bytes], four lanes. */
  const lanes = (gOff: number) => {
    c.get(gp).v128Load(gOff).set(g);
    c.f32x4Const(0).get(g).f32x4Sub().set(x);
    c.get(ap);
    c.get(g).f32x4Const(1);
    emitExp(c, L, x);
    c.f32x4Add()
      .f32x4Div()
      .get(gp)
      .v128Load(gOff + 4 * I)
      .f32x4Mul();
    c.v128Store(gOff);
  };
  c.i32Const(0).set(i);
  c.get(pGateUp).set(gp);
  c.get(pAct).set(ap);
  c.block(() =>
    c.loop(() => {
      c.get(i).get(pN).i32GeU().brIf(1); // for (i = 0; i < n; i++)
      // Whole vectors, then (if I % 4 != 0) one vector ending at the row's end, recomputing a few lanes.
      c.get(gp)
        .i32Const(4 * (I - (I % 4)))
        .i32Add()
        .set(gEnd);
      doWhile(
        c,
        () => {
          lanes(0);
          addTo(c, gp, 16);
          addTo(c, ap, 16);
        },
        () => c.get(gp).get(gEnd).i32LtU(),
      );
      if (I % 4 !== 0) {
        const back = 4 * (4 - (I % 4));
        c.get(gp).i32Const(back).i32Sub().set(gp);
        c.get(ap).i32Const(back).i32Sub().set(ap);
        lanes(0);
        addTo(c, gp, 16);
        addTo(c, ap, 16);
      }
      addTo(c, gp, 4 * (gateUpStride - I)); // to the next row's gate
      addTo(c, i, 1);
      c.br(0);
    }),
  );
  return { code: c, locals: L.declared };
}

function buildGemm({ K, N }: { K: number; N: number }) {
  const panels = Math.ceil(N / PANEL);
  const ldc = panels * PANEL * 4; // bytes per output row
  const c = new Code();
  const [, pNext, pA, pB, pC, pRows] = [0, 1, 2, 3, 4, 5];
  const L = new Locals(6);
  const p = L.add(I32),
    ap = L.add(I32),
    aEnd = L.add(I32),
    bp = L.add(I32),
    cp = L.add(I32),
    rowsEnd = L.add(I32);
  const a = L.add(V128);
  const acc = Array.from({ length: GEMM_ROWS * 3 }, () => L.add(V128));
  const done = L.add(I32);
  c.block(() =>
    c.loop(() => {
      c.get(pNext).i32Const(1).i32AtomicRmwAdd().tee(p).i32Const(panels).i32GeU().brIf(1); // claim panel p
      addTo(c, done, 1);
      c.get(pC)
        .get(p)
        .i32Const(PANEL * 4)
        .i32Mul()
        .i32Add()
        .set(cp);
      c.get(pA).set(ap);
      c.get(pA)
        .get(pRows)
        .i32Const(K * 4)
        .i32Mul()
        .i32Add()
        .set(rowsEnd);
      doWhile(
        c,
        () => {
          // Rows r, r+1 of a times panel p: 2 x 12 outputs in six f32x4 accumulators.
          for (const x of acc) c.f32x4Const(0).set(x);
          c.get(pB)
            .get(p)
            .i32Const(K * PANEL * 4)
            .i32Mul()
            .i32Add()
            .set(bp);
          c.get(ap)
            .i32Const(K * 4)
            .i32Add()
            .set(aEnd);
          doWhile(
            c,
            () => {
              for (let i = 0; i < GEMM_ROWS; i++) {
                c.get(ap)
                  .v128Load32Splat(i * K * 4)
                  .set(a);
                for (let j = 0; j < 3; j++)
                  c.get(acc[i * 3 + j])
                    .get(a)
                    .get(bp)
                    .v128Load(16 * j)
                    .f32x4Mul()
                    .f32x4Add()
                    .set(acc[i * 3 + j]);
              }
              addTo(c, ap, 4);
              addTo(c, bp, PANEL * 4);
            },
            () => c.get(ap).get(aEnd).i32LtU(),
          );
          for (let i = 0; i < GEMM_ROWS; i++)
            for (let j = 0; j < 3; j++)
              c.get(cp)
                .get(acc[i * 3 + j])
                .v128Store(i * ldc + 16 * j);
          addTo(c, ap, (GEMM_ROWS - 1) * K * 4); // ap is at row r+1: skip to r+2
          addTo(c, cp, GEMM_ROWS * ldc);
        },
        () => c.get(ap).get(rowsEnd).i32LtU(),
      );
      c.br(0);
    }),
  );
  c.get(done); // result: panels this caller computed
  return { code: c, locals: L.declared };
}

const compiled = new Map<string, { module: WebAssembly.Module; names: string[] }>();

/**
 * The kernel module for this spec (compiled once per spec, then cached) and its export names in order:
 * attend, swiglu, gemm0, gemm1, ... Instantiate it per thread with `{ env: { memory } }`.
 */
export function decodeModule(spec: DecodeKernelSpec): { module: WebAssembly.Module; names: string[] } {
  if (spec.dim % 4 !== 0 || spec.heads % spec.kvHeads !== 0 || spec.intermediate < 4) {
    throw new Error(
      `decode kernels: need head dim padded to a multiple of 4 (got ${spec.dim}), heads a multiple of kv heads (${spec.heads}/${spec.kvHeads}), intermediate size >= 4 (${spec.intermediate})`,
    );
  }
  const key = JSON.stringify(spec);
  let hit = compiled.get(key);
  if (!hit) {
    const i32s = (n: number) => Array<ValType>(n).fill(I32);
    const count: ValType[] = [I32];
    const funcs = [
      { name: 'attend', params: i32s(11), results: count, ...buildAttend(spec) },
      { name: 'swiglu', params: i32s(3), results: [], ...buildSwiglu(spec) },
      ...spec.gemms.map((g, i) => ({ name: `gemm${i}`, params: i32s(6), results: count, ...buildGemm(g) })),
    ];
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(writeModule(funcs));
    } catch (err) {
      throw new Error(`decode kernels: WebAssembly SIMD module rejected (${(err as Error).message}); use Node 20 or newer`);
    }
    hit = { module, names: funcs.map((f) => f.name) };
    compiled.set(key, hit);
  }
  return hit;
}

/**
 * Weights W [K, N] (row-major, given as column blocks side by side: W = [W0 | W1 | ...], each [K, Ni])
 * packed for the gemm kernels into dst [P, K, PANEL], P = ceil(N / PANEL): panel p holds columns
 * [p*PANEL, (p+1)*PANEL) of every row, contiguous in k, so the kernel streams it. Pad columns are 0.
 * `rowOf(k)` maps a packed row to a source row (or -1 for a zero row: attention's head padding).
 */
export function packPanels(dst: Float32Array, blocks: { data: Float32Array; cols: number }[], K: number, rowOf: (k: number) => number = (k) => k): void {
  const N = blocks.reduce((a, b) => a + b.cols, 0);
  const panels = Math.ceil(N / PANEL);
  dst.fill(0, 0, panels * K * PANEL);
  let n0 = 0;
  for (const { data, cols } of blocks) {
    for (let k = 0; k < K; k++) {
      const src = rowOf(k) * cols;
      if (src < 0) continue;
      // Column n = n0 + j sits in panel floor(n / PANEL), lane n % PANEL.
      let lane = n0 % PANEL;
      let at = (Math.floor(n0 / PANEL) * K + k) * PANEL + lane;
      for (let j = 0; j < cols; j++) {
        dst[at++] = data[src + j];
        if (++lane === PANEL) {
          lane = 0;
          at += (K - 1) * PANEL;
        }
      }
    }
    n0 += cols;
  }
}

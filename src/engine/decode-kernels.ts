/**
 * The host-side decode kernels as WebAssembly SIMD, generated per model shape: single-query attention
 * over the KV cache and the SwiGLU activation.
 *
 * Why hand-emitted wasm: a decode step attends one query per (row, head) over up to Tmax keys, B*H tiny
 * problems per layer. tfjs dispatch costs more than the arithmetic, and plain-JS loops reached only
 * ~1.3-2.9 GFLOP/s (scalar float64), with Math.exp alone ~15 ns a call (the softmax and SwiGLU need
 * ~18M per reference run). f32x4 loops with the head dimension unrolled at generation time, and a
 * vectorised float32 exp, run several times faster; one call covers a whole layer. All arithmetic is
 * float32, like the backend's kernels in the full forward pass.
 *
 * All pointers are byte offsets into the instance's memory (f32 unless noted).
 *
 * attend(keys, values, query, out, rows, start, scores, n, col, rowBytes, next)  (memory shared)
 *   keys, values  [B*Hkv, Tmax, D]   row = b*Hkv + kvHead, D = head_dim padded to a multiple of 4 (pad = 0)
 *   query, out    [n, H, D]          compact over the n active rows; query already roped and scaled
 *   rows (i32)    [n]                batch row b of each active row
 *   start (i32)   [B]                first valid key column of each batch row (left padding before it)
 *   scores        [Tmax + 3]         scratch, one per calling thread
 *   next (i32)                       row counter: each caller claims rows i = next++ until i >= n, so
 *                                    threads sharing the memory can split one call (set it to 0 first)
 *   For active row i and head h: softmax attention over key columns [start[b], col] of kv row
 *   b*Hkv + floor(h / (H / Hkv)), b = rows[i]; rowBytes = Tmax*D*4 (one kv row of one layer).
 *
 * swiglu(gateUp, act, n), specialised per I
 *   gateUp [n, 2I] (gate | up per row) -> act [n, I] = silu(gate) * up, silu(g) = g / (1 + exp(-g)).
 */
import { Code, F32, I32, V128, writeModule, type ValType } from './wasm-writer.js';

export type AttendFn = (
  keys: number, values: number, query: number, out: number, rows: number, start: number, scores: number,
  n: number, col: number, rowBytes: number, next: number,
) => void;
export const ATTEND_PARAMS = 11;
export type SwigluFn = (gateUp: number, act: number, n: number) => void;

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  /** Padded head dim D (a multiple of 4). */
  dim: number;
}

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
  const fx = L.add(V128), under = L.add(V128), y = L.add(V128);
  c.get(x).f32x4Const(lo).f32x4Lt().set(under);
  c.get(x).f32x4Const(lo).f32x4Max().f32x4Const(hi).f32x4Min().set(x);
  c.get(x).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(fx);
  c.get(x).get(fx).f32x4Const(0.693359375).f32x4Mul().f32x4Sub();
  c.get(fx).f32x4Const(-2.12194440e-4).f32x4Mul().f32x4Sub().set(x);
  const poly = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
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
  c.loop(() => { body(); cond(); c.brIf(0); });
}

function addTo(c: Code, local: number, n: number): void {
  c.get(local).i32Const(n).i32Add().set(local);
}

function buildAttend({ heads, kvHeads, dim }: AttentionShape) {
  const nv = dim / 4; // f32x4 vectors per head vector
  const groups = heads / kvHeads;
  const headBytes = dim * 4;
  const c = new Code();
  const [pKeys, pValues, pQuery, pOut, pRows, pStart, pScores, pN, pCol, pRowBytes, pNext] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const L = new Locals(ATTEND_PARAMS);
  const i = L.add(I32), b = L.add(I32), t0 = L.add(I32), h = L.add(I32);
  const qp = L.add(I32), op = L.add(I32), rowOff = L.add(I32);
  const kp = L.add(I32), kEnd = L.add(I32), sp = L.add(I32), sEnd = L.add(I32), vp = L.add(I32);
  const max = L.add(F32);
  const maxV = L.add(V128), e = L.add(V128), zV = L.add(V128), inv = L.add(V128), p = L.add(V128);
  const dot = Array.from({ length: 4 }, () => L.add(V128));
  const qv = nv <= MAX_QUERY_REGS ? Array.from({ length: nv }, () => L.add(V128)) : null;
  const acc = Array.from({ length: Math.min(VALUE_BLOCK, nv) }, () => L.add(V128));

  c.block(() => c.loop(() => {
    // Claim the next active row (other threads may be claiming rows of the same call).
    c.get(pNext).i32Const(1).i32AtomicRmwAdd().tee(i).get(pN).i32GeU().brIf(1);
    c.get(pRows).get(i).i32Const(4).i32Mul().i32Add().i32Load().set(b);
    c.get(pStart).get(b).i32Const(4).i32Mul().i32Add().i32Load().set(t0);
    c.get(pQuery).get(i).i32Const(heads * headBytes).i32Mul().i32Add().set(qp);
    c.get(pOut).get(i).i32Const(heads * headBytes).i32Mul().i32Add().set(op);
    c.i32Const(0).set(h);
    doWhile(c, () => {
      // Byte offset of kv row b*Hkv + h/groups within one layer's keys (and values).
      c.get(b).i32Const(kvHeads).i32Mul().get(h).i32Const(groups).i32DivU().i32Add().get(pRowBytes).i32Mul().set(rowOff);

      // Scores s[t - t0] = q . k_t for t in [t0, col] (never empty: t0 <= col); q stays in registers
      // when it fits. Four keys at a time, their four partial-sum vectors reduced by one transpose.
      c.get(pKeys).get(rowOff).i32Add().get(t0).i32Const(headBytes).i32Mul().i32Add().set(kp);
      c.get(pKeys).get(rowOff).i32Add().get(pCol).i32Const(1).i32Add().i32Const(headBytes).i32Mul().i32Add().set(kEnd);
      c.get(pScores).set(sp);
      if (qv) for (let v = 0; v < nv; v++) c.get(qp).v128Load(16 * v).set(qv[v]);
      const loadQ = (v: number) => (qv ? c.get(qv[v]) : c.get(qp).v128Load(16 * v));
      /** dot[k] = partial sums (f32x4) of q . k_{t+k}. */
      const partialDots = (keys: number) => {
        for (let v = 0; v < nv; v++) {
          for (let k = 0; k < keys; k++) {
            loadQ(v).get(kp).v128Load(k * headBytes + 16 * v).f32x4Mul();
            if (v > 0) c.get(dot[k]).f32x4Add();
            c.set(dot[k]);
          }
        }
      };
      c.f32x4Const(-Infinity).set(maxV);
      c.block(() => c.loop(() => {
        c.get(kp).i32Const(3 * headBytes).i32Add().get(kEnd).i32GeU().brIf(1); // while 4 keys remain
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
      }));
      c.get(maxV).f32x4ExtractLane(0).get(maxV).f32x4ExtractLane(1).f32Max();
      c.get(maxV).f32x4ExtractLane(2).get(maxV).f32x4ExtractLane(3).f32Max().f32Max().set(max);
      c.block(() => c.loop(() => {
        c.get(kp).get(kEnd).i32GeU().brIf(1); // the last 0-3 keys one at a time
        partialDots(1);
        c.get(sp);
        emitLaneSum(c, dot[0]);
        c.f32Store();
        c.get(sp).f32Load().get(max).f32Max().set(max);
        addTo(c, sp, 4);
        addTo(c, kp, headBytes);
        c.br(0);
      }));
      c.get(sp).set(sEnd);

      // Softmax weights in place, four at a time: e_t = exp(s_t - max), z = sum e_t. The (up to three)
      // lanes past the end read -inf, so they add exp(-inf) = 0.
      for (let k = 0; k < 3; k++) c.get(sEnd).f32Const(-Infinity).f32Store(4 * k);
      c.get(max).f32x4Splat().set(maxV);
      c.f32x4Const(0).set(zV);
      c.get(pScores).set(sp);
      doWhile(c, () => {
        c.get(sp).v128Load().get(maxV).f32x4Sub().set(e);
        emitExp(c, L, e);
        c.set(e);
        c.get(sp).get(e).v128Store();
        c.get(zV).get(e).f32x4Add().set(zV);
        addTo(c, sp, 16);
      }, () => c.get(sp).get(sEnd).i32LtU());
      c.f32Const(1);
      emitLaneSum(c, zV);
      c.f32Div().f32x4Splat().set(inv);

      // out = (sum_t e_t v_t) / z, VALUE_BLOCK vectors of the head at a time.
      for (let j0 = 0; j0 < nv; j0 += VALUE_BLOCK) {
        const m = Math.min(VALUE_BLOCK, nv - j0);
        for (let k = 0; k < m; k++) c.f32x4Const(0).set(acc[k]);
        c.get(pValues).get(rowOff).i32Add().get(t0).i32Const(headBytes).i32Mul().i32Add().i32Const(16 * j0).i32Add().set(vp);
        c.get(pScores).set(sp);
        doWhile(c, () => {
          c.get(sp).f32Load().f32x4Splat().set(p);
          for (let k = 0; k < m; k++) c.get(acc[k]).get(p).get(vp).v128Load(16 * k).f32x4Mul().f32x4Add().set(acc[k]);
          addTo(c, sp, 4);
          addTo(c, vp, headBytes);
        }, () => c.get(sp).get(sEnd).i32LtU());
        for (let k = 0; k < m; k++) c.get(op).get(acc[k]).get(inv).f32x4Mul().v128Store(16 * (j0 + k));
      }

      addTo(c, qp, headBytes);
      addTo(c, op, headBytes);
      addTo(c, h, 1);
    }, () => c.get(h).i32Const(heads).i32LtU());
    c.br(0);
  }));
  return { code: c, locals: L.declared };
}

function buildSwiglu(I: number) {
  const c = new Code();
  const [pGateUp, pAct, pN] = [0, 1, 2];
  const L = new Locals(3);
  const i = L.add(I32), gp = L.add(I32), ap = L.add(I32), gEnd = L.add(I32);
  const g = L.add(V128), x = L.add(V128);
  /** act[ap] = silu(gate[gp]) * up[gp + I*4 bytes], four lanes. */
  const lanes = (gOff: number) => {
    c.get(gp).v128Load(gOff).set(g);
    c.f32x4Const(0).get(g).f32x4Sub().set(x);
    c.get(ap);
    c.get(g).f32x4Const(1);
    emitExp(c, L, x);
    c.f32x4Add().f32x4Div().get(gp).v128Load(gOff + 4 * I).f32x4Mul();
    c.v128Store(gOff);
  };
  c.i32Const(0).set(i);
  c.get(pGateUp).set(gp);
  c.get(pAct).set(ap);
  c.block(() => c.loop(() => {
    c.get(i).get(pN).i32GeU().brIf(1); // for (i = 0; i < n; i++)
    // Whole vectors, then (if I % 4 != 0) one vector ending at the row's end, recomputing a few lanes.
    c.get(gp).i32Const(4 * (I - (I % 4))).i32Add().set(gEnd);
    doWhile(c, () => {
      lanes(0);
      addTo(c, gp, 16);
      addTo(c, ap, 16);
    }, () => c.get(gp).get(gEnd).i32LtU());
    if (I % 4 !== 0) {
      const back = 4 * (4 - (I % 4));
      c.get(gp).i32Const(back).i32Sub().set(gp);
      c.get(ap).i32Const(back).i32Sub().set(ap);
      lanes(0);
      addTo(c, gp, 16);
      addTo(c, ap, 16);
    }
    addTo(c, gp, 4 * I); // skip the row's up half
    addTo(c, i, 1);
    c.br(0);
  }));
  return { code: c, locals: L.declared };
}

const compiled = new Map<string, WebAssembly.Module>();

function compile(key: string, name: string, params: number, build: () => { code: Code; locals: ValType[] }, sharedMemory: boolean): WebAssembly.Module {
  let module = compiled.get(key);
  if (!module) {
    const bytes = writeModule([{ name, params: Array<ValType>(params).fill(I32), results: [], ...build() }], { sharedMemory });
    try {
      module = new WebAssembly.Module(bytes);
    } catch (err) {
      throw new Error(`decode kernels: WebAssembly SIMD module rejected (${(err as Error).message}); use Node 20 or newer`);
    }
    compiled.set(key, module);
  }
  return module;
}

/**
 * The attention kernel module for this head layout (compiled once per layout, then cached). It imports
 * a *shared* memory; instantiate it per thread with `new WebAssembly.Instance(module, { env: { memory } })`.
 */
export function attentionModule(shape: AttentionShape): WebAssembly.Module {
  if (shape.dim % 4 !== 0 || shape.heads % shape.kvHeads !== 0) {
    throw new Error(`attention kernel: head dim must be padded to a multiple of 4 (got ${shape.dim}) and heads (${shape.heads}) a multiple of kv heads (${shape.kvHeads})`);
  }
  return compile(`attend/${shape.heads}/${shape.kvHeads}/${shape.dim}`, 'attend', ATTEND_PARAMS, () => buildAttend(shape), true);
}

/** The SwiGLU kernel for intermediate size I, bound to `memory` (not shared). */
export function swigluKernel(intermediate: number, memory: WebAssembly.Memory): SwigluFn {
  if (intermediate < 4) throw new Error(`swiglu kernel: intermediate size must be at least 4 (got ${intermediate})`);
  const module = compile(`swiglu/${intermediate}`, 'swiglu', 3, () => buildSwiglu(intermediate), false);
  return new WebAssembly.Instance(module, { env: { memory } }).exports.swiglu as SwigluFn;
}

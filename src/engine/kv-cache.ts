/**
 * Preallocated KV cache for batched decoding, kept on the host, with single-query attention in JS.
 *
 * Why the host: a decode step attends one query per (row, head) over at most Tmax keys — about a
 * million multiply-adds per layer at the reference size, split into B*H tiny problems. On the wasm
 * backend the batched matMul for such shapes runs a naive kernel (~1 GFLOP/s, 2.7 ms per layer
 * measured) and tfjs tensors are immutable, so each step would also copy the cache. Register-blocked
 * loops over Float32Arrays reach ~2.9 GFLOP/s here and write the new column in place.
 *
 * Layout per layer: K and V [rows = B*Hkv, Tmax, hd]; row r = b*Hkv + kvHead.
 */
export class KvCache {
  readonly batch: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly maxLen: number;
  private readonly k: Float32Array[] = [];
  private readonly v: Float32Array[] = [];
  /** First valid key column per batch row (left padding before it). */
  private readonly start: Int32Array;
  private readonly scores: Float64Array;

  constructor(layers: number, batch: number, kvHeads: number, headDim: number, maxLen: number, start: Int32Array) {
    this.batch = batch;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.maxLen = maxLen;
    this.start = start;
    for (let l = 0; l < layers; l++) {
      this.k.push(new Float32Array(batch * kvHeads * maxLen * headDim));
      this.v.push(new Float32Array(batch * kvHeads * maxLen * headDim));
    }
    this.scores = new Float64Array(maxLen);
  }

  /**
   * Copy a prefill's keys/values into columns [0, P): src [nSrc, Hkv, P, hd] row-major; batch row b
   * takes source row srcOf(b) (the G samples of a prompt share its prefill).
   */
  fill(layer: number, k: Float32Array, v: Float32Array, P: number, srcOf: (b: number) => number): void {
    const hd = this.headDim;
    for (let b = 0; b < this.batch; b++) {
      const s = srcOf(b);
      for (let h = 0; h < this.kvHeads; h++) {
        const src = (s * this.kvHeads + h) * P * hd;
        const dst = (b * this.kvHeads + h) * this.maxLen * hd;
        this.k[layer].set(k.subarray(src, src + P * hd), dst);
        this.v[layer].set(v.subarray(src, src + P * hd), dst);
      }
    }
  }

  /** Write column `col` of one layer from k, v [B, Hkv*hd] (token rows, heads side by side). */
  write(layer: number, col: number, k: Float32Array, v: Float32Array): void {
    const hd = this.headDim;
    for (let r = 0; r < this.batch * this.kvHeads; r++) {
      const dst = (r * this.maxLen + col) * hd;
      this.k[layer].set(k.subarray(r * hd, (r + 1) * hd), dst);
      this.v[layer].set(v.subarray(r * hd, (r + 1) * hd), dst);
    }
  }

  /**
   * Attention of one query per (row, head) over key columns [start_b, col]:
   * q [B, H*hd] (already roped and scaled by 1/sqrt(hd)) -> out [B, H*hd].
   * Grouped-query attention: head h reads kv head floor(h / (H / Hkv)).
   */
  attend(layer: number, q: Float32Array, heads: number, col: number, out: Float32Array): void {
    const groups = heads / this.kvHeads;
    for (let b = 0; b < this.batch; b++) {
      for (let h = 0; h < heads; h++) {
        const row = b * this.kvHeads + Math.floor(h / groups);
        this.attendOne(this.k[layer], this.v[layer], q, (b * heads + h) * this.headDim, row, this.start[b], col, out);
      }
    }
  }

  private attendOne(K: Float32Array, V: Float32Array, q: Float32Array, qo: number, row: number, t0: number, col: number, out: Float32Array): void {
    const hd = this.headDim;
    const base = row * this.maxLen * hd;
    const s = this.scores;
    // Scores: dot products with four independent accumulators (hd is even: rope needs it).
    let max = -Infinity;
    for (let t = t0; t <= col; t++) {
      const ko = base + t * hd;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      let j = 0;
      for (; j + 4 <= hd; j += 4) {
        a0 += q[qo + j] * K[ko + j];
        a1 += q[qo + j + 1] * K[ko + j + 1];
        a2 += q[qo + j + 2] * K[ko + j + 2];
        a3 += q[qo + j + 3] * K[ko + j + 3];
      }
      for (; j < hd; j++) a0 += q[qo + j] * K[ko + j];
      const d = a0 + a1 + a2 + a3;
      s[t] = d;
      if (d > max) max = d;
    }
    let z = 0;
    for (let t = t0; t <= col; t++) {
      const e = Math.exp(s[t] - max);
      s[t] = e;
      z += e;
    }
    const inv = 1 / z;
    // Weighted values, eight output lanes at a time held in locals.
    let j0 = 0;
    for (; j0 + 8 <= hd; j0 += 8) {
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
      for (let t = t0; t <= col; t++) {
        const p = s[t];
        const vo = base + t * hd + j0;
        b0 += p * V[vo]; b1 += p * V[vo + 1]; b2 += p * V[vo + 2]; b3 += p * V[vo + 3];
        b4 += p * V[vo + 4]; b5 += p * V[vo + 5]; b6 += p * V[vo + 6]; b7 += p * V[vo + 7];
      }
      const o = qo + j0;
      out[o] = b0 * inv; out[o + 1] = b1 * inv; out[o + 2] = b2 * inv; out[o + 3] = b3 * inv;
      out[o + 4] = b4 * inv; out[o + 5] = b5 * inv; out[o + 6] = b6 * inv; out[o + 7] = b7 * inv;
    }
    for (; j0 < hd; j0++) {
      let acc = 0;
      for (let t = t0; t <= col; t++) acc += s[t] * V[base + t * hd + j0];
      out[qo + j0] = acc * inv;
    }
  }
}

/**
 * Preallocated KV cache for batched decoding, kept on the host in the decode arena (decode-arena.ts),
 * with single-query attention run by a SIMD kernel (decode-kernels.ts) split across threads.
 *
 * Why the host: a decode step attends one query per (row, head) over at most Tmax keys, split into B*H
 * tiny problems per layer. On the wasm backend the batched matMul for such shapes runs a naive kernel
 * (~1 GFLOP/s, 2.7 ms per layer measured) and tfjs tensors are immutable, so each step would also copy
 * the cache. Here the new column is written in place and one kernel call attends a whole layer.
 *
 * Layout per layer: keys and values [B*Hkv, Tmax, D], row = b*Hkv + kvHead, D = head_dim rounded up to
 * a multiple of 4 (the pad lanes stay 0, so they add nothing to dot products and come out 0). The
 * decode step writes roped queries into `query` [n, H, D] for its n active rows (batch rows listed in
 * `rows`) and reads the attention output from `out` [n, H*D].
 */
import type { DecodeThreads } from './decode-threads.js';

export class KvCache {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Padded head dim: the stride of one head vector in keys, values, query and out. */
  readonly dim: number;
  readonly maxLen: number;
  /** Per layer: [B*Hkv, Tmax, D]. */
  readonly keys: Float32Array[] = [];
  readonly values: Float32Array[] = [];
  /** Roped, scaled queries of the active rows [n, H, D]. */
  readonly query: Float32Array;
  /** Attention output of the active rows [n, H*D] (rows padded to an even count for the gemm). */
  readonly out: Float32Array;
  /** Batch row of each active row [n]. */
  readonly rows: Int32Array;
  private readonly start: Int32Array;
  private readonly attendFn: number;

  /**
   * start[b]: first valid key column of batch row b (the prompt's left padding comes before it).
   * The cache lives in the threads' arena; their kernel module has the `attend` for this head layout.
   */
  constructor(
    private readonly threads: DecodeThreads,
    layers: number,
    batch: number,
    heads: number,
    kvHeads: number,
    headDim: number,
    maxLen: number,
    start: Int32Array,
  ) {
    this.batch = batch;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.dim = KvCache.paddedHeadDim(headDim);
    this.maxLen = maxLen;
    const D = this.dim;
    const { arena } = threads;
    for (let l = 0; l < layers; l++) {
      this.keys.push(arena.f32(batch * kvHeads * maxLen * D));
      this.values.push(arena.f32(batch * kvHeads * maxLen * D));
    }
    const evenRows = batch + (batch % 2);
    this.query = arena.f32(evenRows * heads * D);
    this.out = arena.f32(evenRows * heads * D);
    this.rows = arena.i32(batch);
    this.start = arena.i32(batch);
    this.start.set(start);
    this.attendFn = threads.fn('attend');
  }

  /** head_dim rounded up to whole f32x4s. */
  static paddedHeadDim(headDim: number): number {
    return Math.ceil(headDim / 4) * 4;
  }

  /** Floats of per-thread scratch the attention kernel needs (its scores). */
  static scratchFloats(maxLen: number): number {
    return maxLen + 3; // + 3: the softmax reads whole f32x4s
  }

  /** Element offset of (batch row b, kv head, column col) in keys[layer] and values[layer]. */
  offset(b: number, kvHead: number, col: number): number {
    return ((b * this.kvHeads + kvHead) * this.maxLen + col) * this.dim;
  }

  /**
   * Copy a prefill's keys/values into columns [0, P): src [nSrc, Hkv, P, hd] row-major; batch row b
   * takes source row srcOf(b) (the G samples of a prompt share its prefill).
   */
  fill(layer: number, k: Float32Array, v: Float32Array, P: number, srcOf: (b: number) => number): void {
    const hd = this.headDim;
    const K = this.keys[layer];
    const V = this.values[layer];
    for (let b = 0; b < this.batch; b++) {
      const s = srcOf(b);
      for (let h = 0; h < this.kvHeads; h++) {
        const src = (s * this.kvHeads + h) * P * hd;
        const dst = this.offset(b, h, 0);
        if (this.dim === hd) {
          K.set(k.subarray(src, src + P * hd), dst);
          V.set(v.subarray(src, src + P * hd), dst);
          continue;
        }
        for (let t = 0; t < P; t++) {
          K.set(k.subarray(src + t * hd, src + (t + 1) * hd), dst + t * this.dim);
          V.set(v.subarray(src + t * hd, src + (t + 1) * hd), dst + t * this.dim);
        }
      }
    }
  }

  /**
   * Attention of one query per (active row, head) over key columns [start_b, col]: `query` -> `out`,
   * for the first n entries of `rows`. Grouped-query attention: head h reads kv head floor(h / (H / Hkv)).
   * Column `col` must already hold this step's keys and values.
   */
  attend(layer: number, n: number, col: number): void {
    this.threads.run(this.attendFn, [
      this.keys[layer].byteOffset,
      this.values[layer].byteOffset,
      this.query.byteOffset,
      this.out.byteOffset,
      this.rows.byteOffset,
      this.start.byteOffset,
      n,
      col,
      this.maxLen * this.dim * 4,
    ]);
  }
}

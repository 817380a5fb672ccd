/**
 * Preallocated KV cache for batched decoding, kept in a WebAssembly memory on the host, with
 * single-query attention run by a SIMD kernel (decode-kernels.ts).
 *
 * Why the host: a decode step attends one query per (row, head) over at most Tmax keys, split into B*H
 * tiny problems per layer. On the wasm backend the batched matMul for such shapes runs a naive kernel
 * (~1 GFLOP/s, 2.7 ms per layer measured) and tfjs tensors are immutable, so each step would also copy
 * the cache. Here the new column is written in place and one kernel call attends a whole layer.
 *
 * Layout per layer: keys and values [B*Hkv, Tmax, D], row = b*Hkv + kvHead, D = head_dim rounded up to
 * a multiple of 4 (the pad lanes stay 0, so they add nothing to dot products). The decode step writes
 * roped queries into `query` [n, H, D] for its n active rows (batch rows listed in `rows`) and reads
 * the attention output from `out` [n, H, D].
 */
import { attentionModule } from './decode-kernels.js';
import { AttentionThreads, CONTROL_WORDS, NEXT, attentionHelpers } from './attention-threads.js';

const PAGE_BYTES = 65536;

export class KvCache {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Padded head dim: the stride of one head vector in keys, values, query and out. */
  readonly dim: number;
  readonly maxLen: number;
  /** Per layer, views of the memory: [B*Hkv, Tmax, D]. */
  readonly keys: Float32Array[] = [];
  readonly values: Float32Array[] = [];
  /** Roped, scaled queries of the active rows [n, H, D]. */
  readonly query: Float32Array;
  /** Attention output of the active rows [n, H, D]. */
  readonly out: Float32Array;
  /** Batch row of each active row [n]. */
  readonly rows: Int32Array;
  private readonly start: Int32Array;
  private readonly control: Int32Array;
  private readonly threads: AttentionThreads;
  private readonly scores: number; // byte offset of the main thread's scores scratch

  /**
   * start[b]: first valid key column of batch row b (the prompt's left padding comes before it).
   */
  constructor(layers: number, batch: number, heads: number, kvHeads: number, headDim: number, maxLen: number, start: Int32Array) {
    this.batch = batch;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.dim = Math.ceil(headDim / 4) * 4;
    this.maxLen = maxLen;
    const D = this.dim;
    const threads = 1 + attentionHelpers();
    const layerFloats = batch * kvHeads * maxLen * D;
    const scoreFloats = maxLen + 3; // + 3: the softmax reads whole f32x4s
    const sizes = [...Array<number>(2 * layers).fill(layerFloats), batch * heads * D, batch * heads * D, batch, batch, CONTROL_WORDS, threads * scoreFloats];
    const bytes = sizes.reduce((a, n) => a + n * 4, 0);
    if (bytes > 2 ** 32) {
      throw new Error(`KV cache needs ${(bytes / 2 ** 30).toFixed(1)} GiB (over the 4 GiB a WebAssembly memory holds); generate fewer rows or fewer tokens at once`);
    }
    const pages = Math.ceil(bytes / PAGE_BYTES);
    // Shared, so helper threads can attend part of the rows (attention-threads.ts).
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const buffer = memory.buffer as unknown as ArrayBuffer;
    let at = 0;
    const f32 = (n: number) => new Float32Array(buffer, (at += n * 4) - n * 4, n);
    const i32 = (n: number) => new Int32Array(buffer, (at += n * 4) - n * 4, n);
    for (let l = 0; l < layers; l++) this.keys.push(f32(layerFloats));
    for (let l = 0; l < layers; l++) this.values.push(f32(layerFloats));
    this.query = f32(batch * heads * D);
    this.out = f32(batch * heads * D);
    this.rows = i32(batch);
    this.start = i32(batch);
    this.control = i32(CONTROL_WORDS);
    const scores = Array.from({ length: threads }, () => f32(scoreFloats).byteOffset);
    this.start.set(start);
    this.threads = new AttentionThreads(attentionModule({ heads, kvHeads, dim: D }), memory, this.control.byteOffset, scores);
    this.scores = scores[0];
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
    this.threads.attend([
      this.keys[layer].byteOffset, this.values[layer].byteOffset, this.query.byteOffset, this.out.byteOffset,
      this.rows.byteOffset, this.start.byteOffset, this.scores, n, col, this.maxLen * this.dim * 4,
      this.control.byteOffset + NEXT * 4,
    ]);
  }

  /** Release the helper threads; the cache must not be used afterwards. */
  dispose(): void {
    this.threads.dispose();
  }
}

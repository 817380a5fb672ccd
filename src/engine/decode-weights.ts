/**
 * The model's weights arranged for decoding, rebuilt for every generate() call (training changes them).
 *
 * Each of the five matmuls of a layer step (q|k|v fused, o, gate|up fused, down) and the lm head is a
 * DecodeLinear with one of two implementations:
 * - PackedLinear: the weights copied into the decode arena in the gemm kernel's panel layout and
 *   multiplied there by the wasm SIMD kernels, split across threads. The default on the wasm and cpu
 *   backends: it skips tfjs dispatch and copies and runs faster than XNNPACK at these shapes.
 * - BackendLinear: tf.matMul on the backend, for backends with their own threaded matmul (tfjs-node)
 *   or weights too large to copy into the arena.
 * Both read x from the arena and leave the result in their `out` view; decode-step.ts reads it with
 * the row stride `stride`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../model/model.js';
import { lmHeadWeight } from '../model/forward.js';
import type { DecodeArena } from './decode-arena.js';
import type { DecodeThreads } from './decode-threads.js';
import { GEMM_ROWS, PANEL, packPanels } from './decode-kernels.js';

export interface DecodeLinear {
  /** out[r] = x[r] @ W for rows [0, rows): x [>= rows, K] row-major, an arena view. */
  run(x: Float32Array, rows: number): void;
  /** [batch rounded up to GEMM_ROWS, stride] */
  readonly out: Float32Array;
  readonly stride: number;
  dispose(): void;
}

/**
 * A weight matrix W [K, N] for a DecodeLinear: column blocks side by side (W = [W0 | W1 | ...], each
 * a [K', Ni] tensor in our [in, out] layout), with optional zero rows inserted: packed row k is source
 * row rowOf(k), or zeros where rowOf gives -1 (the head padding of the attention output).
 */
export interface WeightSpec {
  blocks: tf.Tensor2D[];
  K: number;
  rowOf?: (k: number) => number;
}

export function columns(spec: WeightSpec): number {
  return spec.blocks.reduce((a, b) => a + b.shape[1], 0);
}

/** Rows of the activation buffers: the gemm computes GEMM_ROWS rows at a time. */
export function evenRows(batch: number): number {
  return Math.ceil(batch / GEMM_ROWS) * GEMM_ROWS;
}

/** Floats a PackedLinear holds in the arena for this weight (for the size check). */
export function packedFloats(K: number, N: number): number {
  return Math.ceil(N / PANEL) * PANEL * K;
}

export class PackedLinear implements DecodeLinear {
  readonly out: Float32Array;
  readonly stride: number;
  private readonly packed: Float32Array;

  /** fn: index of the arena module's gemm for this (K, N). */
  constructor(
    spec: WeightSpec,
    arena: DecodeArena,
    private readonly threads: DecodeThreads,
    private readonly fn: number,
    batch: number,
  ) {
    const N = columns(spec);
    this.stride = Math.ceil(N / PANEL) * PANEL;
    this.packed = arena.f32(packedFloats(spec.K, N));
    packPanels(
      this.packed,
      spec.blocks.map((b) => ({ data: b.dataSync() as Float32Array, cols: b.shape[1] })),
      spec.K,
      spec.rowOf,
    );
    this.out = arena.f32(evenRows(batch) * this.stride);
  }

  run(x: Float32Array, rows: number): void {
    this.threads.run(this.fn, [x.byteOffset, this.packed.byteOffset, this.out.byteOffset, evenRows(rows)]);
  }

  dispose(): void {}
}

export class BackendLinear implements DecodeLinear {
  readonly out: Float32Array;
  readonly stride: number;
  private readonly w: tf.Tensor2D;

  constructor(spec: WeightSpec, arena: DecodeArena, batch: number) {
    this.stride = columns(spec);
    this.w = tf.tidy(() => {
      const w = spec.blocks.length === 1 ? spec.blocks[0] : tf.concat(spec.blocks, 1);
      const { rowOf } = spec;
      if (!rowOf) return w.clone();
      const rows = Int32Array.from({ length: spec.K }, (_, k) => rowOf(k));
      const zero = tf.zeros([1, w.shape[1]]);
      // Gather from [W; 0]: index -1 becomes the appended zero row.
      return tf.gather(
        tf.concat([w, zero], 0),
        tf.tensor1d(
          rows.map((r) => (r < 0 ? w.shape[0] : r)),
          'int32',
        ),
      ) as tf.Tensor2D;
    });
    this.out = arena.f32(evenRows(batch) * this.stride);
  }

  run(x: Float32Array, rows: number): void {
    const K = this.w.shape[0];
    const xt = tf.tensor2d(x.subarray(0, rows * K), [rows, K]);
    const y = tf.matMul(xt, this.w);
    this.out.set(y.dataSync() as Float32Array);
    tf.dispose([xt, y]);
  }

  dispose(): void {
    this.w.dispose();
  }
}

/**
 * Embedding rows copied to the host on first use. tf.gather costs ~0.2 ms a call on wasm, while a step
 * needs only the rows of the tokens just sampled, mostly seen before; one gather fetches a step's
 * misses. (A full host copy would double the memory of a large-vocabulary table.)
 */
export class EmbeddingRows {
  private readonly rows = new Map<number, Float32Array>();

  constructor(private readonly table: tf.Tensor2D) {} // [V, d], a view of the variable (not owned)

  /** out[i*d .. (i+1)*d) = table[tokens[i]]. */
  lookup(tokens: Int32Array, out: Float32Array): void {
    const d = this.table.shape[1];
    const missing: number[] = [];
    for (const t of tokens) if (!this.rows.has(t) && !missing.includes(t)) missing.push(t);
    if (missing.length > 0) {
      const got = tf.tidy(() => tf.gather(this.table, tf.tensor1d(missing, 'int32')));
      const vals = got.dataSync() as Float32Array;
      got.dispose();
      missing.forEach((t, k) => this.rows.set(t, vals.subarray(k * d, (k + 1) * d)));
    }
    for (let i = 0; i < tokens.length; i++) out.set(this.rows.get(tokens[i])!, i * d);
  }
}

export interface LayerWeights {
  inNorm: Float32Array;
  postNorm: Float32Array;
  qkvBias: Float32Array; // [(H + 2 Hkv) * hd], zeros without attention_bias (x + 0 == x in f32)
  qkv: DecodeLinear; // [d, (H + 2 Hkv) * hd]: q | k | v
  o: DecodeLinear; // [H*D, d]: input has the attention's head padding (zero rows for the pad lanes)
  gateUp: DecodeLinear; // [d, 2I]: gate | up
  down: DecodeLinear; // [I, d]
}

/** The weight specs of one layer; dim is the padded head dim of the attention output. */
function layerSpecs(model: CausalLM, dim: number, l: number): Record<'qkv' | 'o' | 'gateUp' | 'down', WeightSpec> {
  const c = model.config;
  const w = (n: string) => model.w(n) as tf.Tensor2D;
  const hd = c.head_dim;
  // Packed row k of o_proj: head floor(k / D), lane k % D; lanes >= hd are padding.
  const oRow = dim === hd ? undefined : (k: number) => (k % dim < hd ? Math.floor(k / dim) * hd + (k % dim) : -1);
  const p = `model.layers.${l}.`;
  const a = p + 'self_attn.';
  return {
    qkv: { blocks: [w(a + 'q_proj.weight'), w(a + 'k_proj.weight'), w(a + 'v_proj.weight')], K: c.hidden_size },
    o: { blocks: [w(a + 'o_proj.weight')], K: c.num_attention_heads * dim, rowOf: oRow },
    gateUp: { blocks: [w(p + 'mlp.gate_proj.weight'), w(p + 'mlp.up_proj.weight')], K: c.hidden_size },
    down: { blocks: [w(p + 'mlp.down_proj.weight')], K: c.intermediate_size },
  };
}

/** (K, N) of every decode matmul: q|k|v, o, gate|up, down, lm head (duplicates possible). */
export function linearShapes(model: CausalLM, dim: number): { K: number; N: number }[] {
  const c = model.config;
  const d = c.hidden_size;
  return [
    { K: d, N: (c.num_attention_heads + 2 * c.num_key_value_heads) * c.head_dim },
    { K: c.num_attention_heads * dim, N: d },
    { K: d, N: 2 * c.intermediate_size },
    { K: c.intermediate_size, N: d },
    { K: d, N: c.vocab_size },
  ];
}

export class DecodeWeights {
  readonly layers: LayerWeights[] = [];
  readonly finalNorm: Float32Array;
  readonly lmHead: DecodeLinear; // [d, V]
  readonly embed: EmbeddingRows;

  /** makeLinear builds the DecodeLinear of a spec (packed or on the backend). */
  constructor(model: CausalLM, dim: number, makeLinear: (spec: WeightSpec) => DecodeLinear) {
    const c = model.config;
    const host = (n: string) => Float32Array.from(model.w(n).dataSync() as Float32Array);
    const qkvDim = (c.num_attention_heads + 2 * c.num_key_value_heads) * c.head_dim;
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const p = `model.layers.${l}.`;
      const a = p + 'self_attn.';
      const s = layerSpecs(model, dim, l);
      this.layers.push({
        inNorm: host(p + 'input_layernorm.weight'),
        postNorm: host(p + 'post_attention_layernorm.weight'),
        qkvBias: c.attention_bias
          ? Float32Array.from([...host(a + 'q_proj.bias'), ...host(a + 'k_proj.bias'), ...host(a + 'v_proj.bias')])
          : new Float32Array(qkvDim),
        qkv: makeLinear(s.qkv),
        o: makeLinear(s.o),
        gateUp: makeLinear(s.gateUp),
        down: makeLinear(s.down),
      });
    }
    this.finalNorm = host('model.norm.weight');
    const head = lmHeadWeight(model); // a new tensor when tied (the transposed embedding)
    this.lmHead = makeLinear({ blocks: [head], K: c.hidden_size });
    if (c.tie_word_embeddings) head.dispose();
    this.embed = new EmbeddingRows(model.w('model.embed_tokens.weight') as tf.Tensor2D);
  }

  dispose(): void {
    for (const l of this.layers) for (const lin of [l.qkv, l.o, l.gateUp, l.down]) lin.dispose();
    this.lmHead.dispose();
  }
}

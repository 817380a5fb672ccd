/**
 * Rotary position embedding in Hugging Face's rotate-half convention (LlamaRotaryEmbedding):
 *   inv_freq[i] = 1 / theta^(2i / hd) (then rescaled by the rope type),  angle[pos, j] = pos * inv_freq[j mod hd/2]
 *   rope(x) = x * cos + rotate_half(x) * sin,   rotate_half(x) = concat(-x[hd/2:], x[:hd/2])
 * rotate_half is a signed permutation, so it is done as x @ R with a constant R [hd, hd]: one plain
 * matmul instead of two slices, a negation and a concat (and its gradient is simply @ R^T).
 *
 * Numerics follow transformers 5.18 on CPU step by step: inv_freq is a float32 tensor built with
 * float32 operations, and LlamaRotaryEmbedding.forward forms the angle as a float32 product
 * (inv_freq @ position_ids with autocast off) before taking cos/sin. Every float32 rounding torch does
 * is a Math.fround here. What is left is torch's float32 pow (SLEEF, not correctly rounded): over 400
 * random configs the default inv_freq matched to the bit in all but ~0.7% of entries (those within 2 ulp;
 * llama3's blend can stretch one to a few ulp), and from torch's own default inv_freq the linear and
 * llama3 steps matched to the bit everywhere. test/model/rope.test.ts holds transformers' numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RopeSpec } from './config.js';

const f32 = Math.fround;

/**
 * transformers' default inverse frequencies, `1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float) / dim))`
 * (LlamaRotaryEmbedding.compute_default_rope_parameters): the exponent is a float32 division, the power a
 * float32 tensor, and `1.0 / t` is torch's `t.reciprocal() * 1.0`.
 */
function defaultInvFreq(theta: number, headDim: number): Float32Array {
  const inv = new Float32Array(headDim / 2);
  for (let i = 0; i < inv.length; i++) inv[i] = f32(1 / f32(Math.pow(f32(theta), f32((2 * i) / headDim))));
  return inv;
}

/** `_compute_linear_scaling_rope_parameters`: the default frequencies divided by `factor` (in float32). */
function linearInvFreq(theta: number, factor: number, headDim: number): Float32Array {
  return defaultInvFreq(theta, headDim).map((v) => f32(v / f32(factor)));
}

/**
 * `_compute_llama3_parameters` (Llama 3.1 / 3.2): frequencies whose wavelength is shorter than
 * original / high_freq_factor stay, those longer than original / low_freq_factor are divided by `factor`,
 * and those in between are blended. Torch evaluates `scalar / tensor` as `tensor.reciprocal() * scalar`
 * and rounds each step (and each Python scalar operand) to float32; the comparisons are float32 too.
 */
function llama3InvFreq(spec: Extract<RopeSpec, { type: 'llama3' }>, headDim: number): Float32Array {
  const factor = f32(spec.factor);
  const low = f32(spec.lowFreqFactor);
  const old = spec.originalMaxPositionEmbeddings;
  const lowFreqWavelen = f32(old / spec.lowFreqFactor); // Python float64, compared as float32
  const highFreqWavelen = f32(old / spec.highFreqFactor);
  const span = f32(spec.highFreqFactor - spec.lowFreqFactor); // Python float64 difference, used as float32
  const twoPi = f32(2 * Math.PI);
  return defaultInvFreq(spec.theta, headDim).map((inv) => {
    const wavelen = f32(f32(1 / inv) * twoPi); // 2 * math.pi / inv_freq
    const scaled = wavelen > lowFreqWavelen ? f32(inv / factor) : inv;
    if (wavelen < highFreqWavelen || wavelen > lowFreqWavelen) return scaled; // not is_medium_freq
    // smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    const smooth = f32(f32(f32(f32(1 / wavelen) * f32(old)) - low) / span);
    // (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama, left to right
    return f32(f32(f32(f32(1 - smooth) * scaled) / factor) + f32(smooth * scaled));
  });
}

/**
 * inv_freq [hd/2] for a rope spec, as transformers 5.18 computes it. All three supported types have an
 * attention_scaling of 1.0 in transformers, so the cos/sin tables need no extra factor.
 */
export function ropeInvFreq(spec: RopeSpec, headDim: number): Float32Array {
  if (headDim % 2 !== 0) throw new Error(`rope: head_dim ${headDim} must be even`);
  switch (spec.type) {
    case 'default':
      return defaultInvFreq(spec.theta, headDim);
    case 'linear':
      return linearInvFreq(spec.theta, spec.factor, headDim);
    case 'llama3':
      return llama3InvFreq(spec, headDim);
  }
}

/**
 * cos and sin rows for the given positions: two Float32Arrays of [positions.length, hd], hd = 2 * invFreq.length.
 * The angle is rounded to float32 first, as LlamaRotaryEmbedding.forward's float32 matmul does (with an inner
 * dimension of 1 it is one rounded product); cos/sin of that float32 angle are then rounded to float32, which
 * lands within 1 ulp of torch's float32 cos/sin (279k values checked, 7% one ulp apart, none further).
 */
export function ropeAngles(positions: ArrayLike<number>, invFreq: Float32Array): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const headDim = 2 * half;
  const cos = new Float32Array(positions.length * headDim);
  const sin = new Float32Array(positions.length * headDim);
  for (let p = 0; p < positions.length; p++) {
    const pos = f32(positions[p]);
    for (let j = 0; j < half; j++) {
      const angle = f32(pos * invFreq[j]);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + j] = c;
      cos[p * headDim + j + half] = c;
      sin[p * headDim + j] = s;
      sin[p * headDim + j + half] = s;
    }
  }
  return { cos, sin };
}

/** R [hd, hd] with x @ R = rotate_half(x). */
export function rotateHalfMatrix(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const r = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    r[(j + half) * headDim + j] = -1; // y[j] = -x[j + half]
    r[j * headDim + j + half] = 1; // y[j + half] = x[j]
  }
  return tf.tensor2d(r, [headDim, headDim]);
}

/**
 * cos/sin tables tiled to the row layout of q or k reshaped to [B*T*heads, hd] (row = (b, t, head)),
 * optionally pre-multiplied by `scale` (the attention 1/sqrt(hd) is folded into q's tables).
 * positions: [B*T] position of each token; invFreq: ropeInvFreq of the model's rope spec.
 */
export function ropeTables(positions: ArrayLike<number>, heads: number, invFreq: Float32Array, scale = 1): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const headDim = 2 * invFreq.length;
  const { cos, sin } = ropeAngles(positions, invFreq);
  const n = positions.length;
  const cosT = new Float32Array(n * heads * headDim);
  const sinT = new Float32Array(n * heads * headDim);
  for (let p = 0; p < n; p++) {
    for (let h = 0; h < heads; h++) {
      const dst = (p * heads + h) * headDim;
      for (let j = 0; j < headDim; j++) {
        cosT[dst + j] = cos[p * headDim + j] * scale;
        sinT[dst + j] = sin[p * headDim + j] * scale;
      }
    }
  }
  return { cos: tf.tensor2d(cosT, [n * heads, headDim]), sin: tf.tensor2d(sinT, [n * heads, headDim]) };
}

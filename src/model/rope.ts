/**
 * Rotary position embedding in Hugging Face's rotate-half convention (LlamaRotaryEmbedding):
 *   inv_freq[i] = 1 / theta^(2i / hd),  angle[pos, j] = pos * inv_freq[j mod hd/2]
 *   rope(x) = x * cos + rotate_half(x) * sin,   rotate_half(x) = concat(-x[hd/2:], x[:hd/2])
 * rotate_half is a signed permutation, so it is done as x @ R with a constant R [hd, hd]: one plain
 * matmul instead of two slices, a negation and a concat (and its gradient is simply @ R^T).
 */
import * as tf from '@tensorflow/tfjs-core';

/** cos and sin rows for the given positions: two Float32Arrays of [positions.length, hd]. */
export function ropeAngles(positions: ArrayLike<number>, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(positions.length * headDim);
  const sin = new Float32Array(positions.length * headDim);
  for (let p = 0; p < positions.length; p++) {
    for (let j = 0; j < half; j++) {
      // Computed in float64 like HF's float32 inv_freq * pos; both then round to float32.
      const invFreq = 1 / Math.pow(theta, (2 * j) / headDim);
      const angle = positions[p] * Math.fround(invFreq);
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
 * positions: [B*T] position of each token.
 */
export function ropeTables(positions: ArrayLike<number>, heads: number, headDim: number, theta: number, scale = 1): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const { cos, sin } = ropeAngles(positions, headDim, theta);
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

/**
 * Small tensor helpers shared by the forward and backward passes. Each exists because the obvious tfjs
 * call is slow on the wasm backend (measured on tfjs 4.22, 2-core x86):
 * - reductions over the leading axis (`tf.sum(x, 0)`) transpose first: a ones-row matmul is ~20x faster;
 * - matMul with transposeA/B is 10-15x slower than transposing first and multiplying plain.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Column sums of x [N, d] -> [d], as ones[1,N] @ x. */
export function colSum(x: tf.Tensor2D): tf.Tensor1D {
  const [n, d] = x.shape;
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, n]), x), [d]));
}

/** x^T for a 2-D tensor, so the following matMul can be plain. */
export function t2d(x: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(x, [1, 0]);
}

/** a @ b^T done as a plain matmul on an explicit transpose (see module comment). */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, t2d(b));
}

/** a^T @ b done as a plain matmul on an explicit transpose. */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(t2d(a), b);
}

/**
 * Split x [n*rows, cols] into n contiguous blocks of [rows, cols] with plain slices (tf.split / unstack
 * on wasm go through a kernel that copies the whole input once per block).
 */
export function rowBlocks(x: tf.Tensor2D, n: number): tf.Tensor2D[] {
  const rows = x.shape[0] / n;
  const cols = x.shape[1];
  const out: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i++) out.push(tf.slice(x, [i * rows, 0], [rows, cols]));
  return out;
}

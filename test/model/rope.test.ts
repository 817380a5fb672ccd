// Rope inverse frequencies and cos/sin against transformers 5.18 (torch 2.13, CPU), bit patterns pasted in.
// They were printed with LlamaRotaryEmbedding(LlamaConfig(head_dim=hd, rope_parameters={...})).inv_freq
// (and its forward(x, position_ids) for cos/sin) viewed as uint32; its attention_scaling was 1.0 for all
// three rope types. Regenerating needs Python; the test does not.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/backend.js';
import { ropeAngles, ropeInvFreq, ropeTables } from '../../src/model/rope.js';
import type { RopeSpec } from '../../src/model/config.js';

before(useTestBackend);

const fromHex = (hex: string) =>
  new Float32Array(
    new Uint32Array(
      hex
        .trim()
        .split(/\s+/)
        .map((h) => parseInt(h, 16)),
    ).buffer,
  );

/** Distance in float32 steps (units in the last place), across zero too. */
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const ordered = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(ordered(bits[0]) - ordered(bits[1]));
}

function assertWithinUlp(got: Float32Array, want: Float32Array, what: string, maxUlps = 1): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(ulps(v, want[i]) <= maxUlps, `${what}[${i}]: ${v} vs transformers ${want[i]} (${ulps(v, want[i])} ulp)`));
}

const LLAMA31: RopeSpec = { type: 'llama3', theta: 500000, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };

const CASES: { name: string; spec: RopeSpec; headDim: number; invFreq: string }[] = [
  {
    name: 'default theta 1e4',
    spec: { type: 'default', theta: 10000 },
    headDim: 64,
    invFreq: `3f800000 3f3ff911 3f0ff59a 3ed7e89b 3ea1e89b 3e72d423 3e361887 3e088d77 3dcccccd 3d99940d 3d6655c2 3d2cba15 3d0186e3 3cc2434f 3c91ad39 3c5a7bf2
              3c23d70a 3bf5b9b0 3bb8449c 3b8a2e77 3b4f3e38 3b1b690d 3ae91528 3aaec98e 3a83126f 3a44948c 3a136a16 39dd1725 39a5cb60 3978a815 393a7753 390bd472`,
  },
  {
    name: 'default theta 5e5',
    spec: { type: 'default', theta: 500000 },
    headDim: 64,
    invFreq: `3f800000 3f29e1c6 3ee177bc 3e959ee3 3e4693b0 3e03c6a0 3daee4ad 3d681e67 3d1a08c8 3ccc6f49 3c87a9c3 3c340d6d 3beef74f 3b9e9402 3b527720 3b0baa41
              3ab95d21 3a7603ea 3a23418d 39d8ac81 398fc8f8 393ed4f4 38fd45c3 38a8126b 385f10c4 381406cb 37c47610 37825f34 372d07a7 36e5a54d 369864a7 364a41b0`,
  },
  {
    name: 'linear factor 2, theta 1e4',
    spec: { type: 'linear', theta: 10000, factor: 2 },
    headDim: 64,
    invFreq: `3f000000 3ebff911 3e8ff59a 3e57e89b 3e21e89b 3df2d423 3db61887 3d888d77 3d4ccccd 3d19940d 3ce655c2 3cacba15 3c8186e3 3c42434f 3c11ad39 3bda7bf2
              3ba3d70a 3b75b9b0 3b38449c 3b0a2e77 3acf3e38 3a9b690d 3a691528 3a2ec98e 3a03126f 39c4948c 39936a16 395d1725 3925cb60 38f8a815 38ba7753 388bd472`,
  },
  {
    // Llama 3.1 / 3.2: entries 0-14 unchanged, 15-17 blended, 18+ divided by 8.
    name: 'llama3 factor 8, low 1, high 4, original 8192, theta 5e5',
    spec: LLAMA31,
    headDim: 64,
    invFreq: `3f800000 3f29e1c6 3ee177bc 3e959ee3 3e4693b0 3e03c6a0 3daee4ad 3d681e67 3d1a08c8 3ccc6f49 3c87a9c3 3c340d6d 3beef74f 3b9e9402 3b527720 3ab3d11d
              3a0995d2 393b2dd2 38a3418d 3858ac81 380fc8f8 37bed4f4 377d45c3 3728126b 36df10c4 369406cb 36447610 36025f34 35ad07a7 3565a54d 351864a7 34ca41b0`,
  },
  {
    // Wavelengths 6.3 (kept), 19.9 (blended, between 32/4 and 32/1), then divided by 4.
    name: 'llama3 factor 4, low 1, high 4, original 32, theta 1e4, head_dim 16',
    spec: { type: 'llama3', theta: 10000, factor: 4, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 32 },
    headDim: 16,
    invFreq: '3f800000 3e026136 3ccccccd 3c0186e3 3b23d70a 3a4f3e38 3983126f 38a5cb60',
  },
];

for (const c of CASES) {
  test(`ropeInvFreq matches transformers: ${c.name}`, () => {
    assertWithinUlp(ropeInvFreq(c.spec, c.headDim), fromHex(c.invFreq), 'inv_freq');
  });
}

test('llama3 keeps the high frequencies, divides the low ones by factor and blends in between', () => {
  const plain = ropeInvFreq({ type: 'default', theta: 500000 }, 64);
  const scaled = ropeInvFreq(LLAMA31, 64);
  for (let i = 0; i < 15; i++) assert.equal(scaled[i], plain[i], `entry ${i}`);
  for (let i = 18; i < 32; i++) assert.equal(scaled[i], Math.fround(plain[i] / 8), `entry ${i}`);
  for (let i = 15; i < 18; i++) assert.ok(scaled[i] < plain[i] && scaled[i] > plain[i] / 8, `entry ${i} is blended`);
});

// LlamaRotaryEmbedding.forward(x, position_ids=[[7, 131071]]) for LLAMA31, first half of each row (the second repeats it).
const TORCH_COS = fromHex(`
  3f40ffbd bd897b42 bf7f8dde beea10ca 3e58cdc5 3f1ef826 3f539b39 3f6c1edd 3f772e60 3f7c1a99 3f7e4827 3f7f3e2f 3f7faaa0 3f7fda66 3f7fef71 3f7ffcfa
  3f7fff8f 3f7ffff3 3f7ffffe 3f7fffff 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000 3f800000
  bf51675e 3f3b8e39 bebed56b 3f74dba8 bf0f7ef4 bf7fe777 bf6ab7b1 3f064862 bf7ec04d bf5c8f00 bf783ab7 3c3f1245 3f2fff76 3f75059c 3f7fbacf bf3c3c4e
  3f72c412 be27f15f bf363cba 3f6223a4 be5e9bcf bf7cbc4f becb1790 3e828240 3f24d00c 3f56621b 3f6d625b 3f77bee2 3f7c5aa2 3f7e646e 3f7f4aa7 3f7fb01f`);
const TORCH_SIN = fromHex(`
  3f283046 bf7f6c2b 3d71a1b9 3f63aeb9 3f7a324a 3f48a929 3f101439 3ec5d1a4 3e853a91 3e31f8d4 3dece10d 3d9d63fb 3d510126 3d0abab7 3cb82444 3c1d565b
  3b70c60d 3aa3c815 3a0ed95b 39bd96f1 397b9fb2 3926fa56 38dd9d0b 3893101e 38432eac 380185f2 37abe74e 3764269b 371766b2 36c8f0a3 36855812 3630f97a
  bf13430a 3f2e3cf4 3f6d8dad 3e9567f8 3f54008f 3ce021fe 3ecc637d 3f59f457 3dca0b31 bf01f60f 3e7a61b5 3f7ffb8b 3f39e7bb be9453da bd3c2b42 bf2d80d4
  bea27d5a bf7c8897 bf33cb10 3eeff9b5 bf79e0ad 3e230211 3f6affad 3f778b2d 3f43e3c4 3f0be9e5 3ebfac95 3e80f776 3e2c34d4 3de529bc 3d98405d 3d4a2c41`);

test('ropeAngles matches LlamaRotaryEmbedding.forward (float32 angle, then cos/sin) to 1 ulp, even at position 131071', () => {
  const invFreq = ropeInvFreq(LLAMA31, 64);
  const positions = [7, 131071];
  const { cos, sin } = ropeAngles(positions, invFreq);
  const firstHalves = (t: Float32Array) => Float32Array.from({ length: 64 }, (_, k) => t[Math.floor(k / 32) * 64 + (k % 32)]);
  assertWithinUlp(firstHalves(cos), TORCH_COS, 'cos');
  assertWithinUlp(firstHalves(sin), TORCH_SIN, 'sin');
  for (let j = 0; j < 32; j++) assert.equal(cos[64 + j + 32], cos[64 + j], 'the second half repeats the first');
  // Why the angle is rounded to float32 first: in float64, position 131071 is off by up to half a float32 step
  // of the angle (~0.004 rad here), far more than an ulp of cos.
  const float64Angle = Array.from(invFreq, (f, j) => Math.abs(Math.fround(Math.cos(131071 * f)) - TORCH_COS[32 + j]));
  assert.ok(Math.max(...float64Angle) > 1e-4, `float64 angles differ by only ${Math.max(...float64Angle)}`);
});

test('ropeTables tiles the rows per head and folds the scale in', () => {
  const invFreq = ropeInvFreq({ type: 'default', theta: 10000 }, 8);
  const { cos, sin } = ropeAngles([3, 5], invFreq);
  const t = ropeTables([3, 5], 2, invFreq, 0.5);
  assert.deepEqual(t.cos.shape, [4, 8]);
  const tc = t.cos.dataSync();
  const ts = t.sin.dataSync();
  for (let row = 0; row < 4; row++) {
    const p = Math.floor(row / 2); // rows are (position, head)
    for (let j = 0; j < 8; j++) {
      assert.equal(tc[row * 8 + j], Math.fround(cos[p * 8 + j] * 0.5));
      assert.equal(ts[row * 8 + j], Math.fround(sin[p * 8 + j] * 0.5));
    }
  }
  tf.dispose([t.cos, t.sin]);
});

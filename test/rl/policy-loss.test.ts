import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPolicyLoss, TEACHER_TOKEN_MODES, type PolicyBatch, type PolicyLossConfig } from '../../src/rl/policy-loss.js';
import { mulberry32 } from '../../src/rl/rng.js';

/** Inputs are Float32Arrays, so hand-computed values hold to float32 rounding of the log-probs. */
function close(actual: number, expected: number, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

function closeAll(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol);
}

interface Rows {
  /** [B][T] 1 on completion targets. */
  completion: number[][];
  teacher?: number[][];
  /** Current log-probs; use probs() to write them as probabilities. */
  logp: number[][];
  old?: number[][];
  ref?: number[][];
  adv: number[];
  normalizers?: PolicyBatch['normalizers'];
}

const flat = (m: number[][]) => Float32Array.from(m.flat());
const probs = (m: number[][]) => m.map((r) => r.map(Math.log));

/** A packed batch from [B][T] tables (old defaults to logp: on-policy; teacher to none). */
function pack(r: Rows): { batch: PolicyBatch; logp: Float32Array } {
  const B = r.completion.length;
  const T = r.completion[0].length;
  const batch: PolicyBatch = {
    B,
    T,
    completionMask: flat(r.completion),
    teacherMask: flat(r.teacher ?? r.completion.map((row) => row.map(() => 0))),
    oldLogp: flat(r.old ?? r.logp),
    refLogp: r.ref ? flat(r.ref) : undefined,
    advantages: Float32Array.from(r.adv),
    normalizers: r.normalizers,
  };
  return { batch, logp: flat(r.logp) };
}

describe('aggregation (loss types) on a ragged 2x4 batch', () => {
  // Row 0: prompt target at t=0, completion t=1..3 (3 tokens), A = 1.
  // Row 1: prompt targets t=0,1, completion t=2 (1 token), padding t=3, A = -2.
  // On-policy (old = logp), so every token's loss is -A * ratio = -A and d loss / d logp = -A:
  // row 0 tokens -1, row 1 token +2.
  const rows: Rows = {
    completion: [
      [0, 1, 1, 1],
      [0, 0, 1, 0],
    ],
    logp: [
      [-0.3, -0.5, -1, -2],
      [-0.7, -0.2, -1.5, -0.1],
    ],
    adv: [1, -2],
  };

  it('token-mean: sum / total completion tokens', () => {
    const { batch, logp } = pack(rows);
    const out = buildPolicyLoss(batch, { lossType: 'token-mean' }).lossFn(logp);
    close(out.loss, -0.25); // (3 * -1 + 2) / 4
    closeAll(out.dLogp, [0, -0.25, -0.25, -0.25, 0, 0, 0.5, 0]); // -A_b / 4
  });

  it('seq-mean-token-mean: mean over sequences of per-sequence token means', () => {
    const { batch, logp } = pack(rows);
    const out = buildPolicyLoss(batch, { lossType: 'seq-mean-token-mean' }).lossFn(logp);
    close(out.loss, 0.5); // (-3/3 + 2/1) / 2
    closeAll(out.dLogp, [0, -1 / 6, -1 / 6, -1 / 6, 0, 0, 1, 0]); // -A_b / (n_b * 2): -1/6, 2/2
  });

  it('seq-mean-token-sum-norm: sum / (B * maxCompletionTokens), a constant', () => {
    const { batch, logp } = pack(rows);
    const out = buildPolicyLoss(batch, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 5 }).lossFn(logp);
    close(out.loss, -0.1); // (-3 + 2) / (2 * 5)
    closeAll(out.dLogp, [0, -0.1, -0.1, -0.1, 0, 0, 0.2, 0]); // -A_b / 10
  });

  it('an empty row: seq-mean-token-mean skips it, sum-norm still counts it in B', () => {
    const { batch, logp } = pack({ ...rows, completion: [...rows.completion, [0, 0, 0, 0]], logp: [...rows.logp, [-1, -1, -1, -1]], adv: [1, -2, 5] });
    close(buildPolicyLoss(batch, { lossType: 'token-mean' }).lossFn(logp).loss, -0.25); // unchanged
    close(buildPolicyLoss(batch, { lossType: 'seq-mean-token-mean' }).lossFn(logp).loss, 0.5); // still / 2 rows
    close(buildPolicyLoss(batch, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 5 }).lossFn(logp).loss, -1 / 15); // -1 / (3 * 5)
  });

  it('takes the whole step counts for a micro-batch (normalizers)', () => {
    const { batch, logp } = pack({ ...rows, normalizers: { tokens: 8, sequences: 4, rows: 4 } });
    close(buildPolicyLoss(batch, { lossType: 'token-mean' }).lossFn(logp).loss, -1 / 8); // (-3 + 2) / 8
    close(buildPolicyLoss(batch, { lossType: 'seq-mean-token-mean' }).lossFn(logp).loss, 0.25); // (-1 + 2) / 4
    close(buildPolicyLoss(batch, { lossType: 'seq-mean-token-sum-norm', maxCompletionTokens: 5 }).lossFn(logp).loss, -0.05); // -1 / (4 * 5)
  });
});

describe('on-policy batch without teacher tokens', () => {
  it('token-mean loss is -mean(A) and each token gets -A_b / N', () => {
    // 3 rows x 3 completion tokens, A = [1, -0.5, 2]; ratio 1 everywhere so loss_t = -A_b.
    const { batch, logp } = pack({
      completion: [
        [0, 1, 1, 1],
        [0, 1, 1, 1],
        [0, 1, 1, 1],
      ],
      logp: [
        [-1, -0.4, -2.2, -0.9],
        [-0.1, -3, -0.6, -1.1],
        [-2, -0.05, -1.7, -0.3],
      ],
      adv: [1, -0.5, 2],
    });
    const out = buildPolicyLoss(batch).lossFn(logp);
    close(out.loss, -(1 - 0.5 + 2) / 3); // -0.833333
    closeAll(out.dLogp, [0, -1 / 9, -1 / 9, -1 / 9, 0, 0.5 / 9, 0.5 / 9, 0.5 / 9, 0, -2 / 9, -2 / 9, -2 / 9]);
  });

  it('with ragged rows the token-mean weights each A by its row length', () => {
    const { batch, logp } = pack({
      completion: [
        [1, 1, 1],
        [1, 0, 0],
        [1, 1, 0],
      ],
      logp: [
        [-1, -1, -1],
        [-2, -2, -2],
        [-0.5, -0.5, -0.5],
      ],
      adv: [1, -0.5, 2],
    });
    close(buildPolicyLoss(batch).lossFn(logp).loss, -(3 * 1 + 1 * -0.5 + 2 * 2) / 6); // -1.083333
  });
});

describe('PPO clipped surrogate on ordinary tokens (eps 0.2, dual clip 3)', () => {
  // Five one-token rows, old logp -2, logp = -2 + ln(ratio); token-mean over N = 5.
  const cases = [
    { A: 1, ratio: 1.5 }, //  high clip: loss -A * 1.2 = -1.2, no gradient
    { A: 1, ratio: 0.5 }, //  A > 0 never clips low: loss -0.5, d/dlogp = -A * ratio = -0.5
    { A: -1, ratio: 0.5 }, // low clip: loss max(0.5, 0.8) = 0.8, no gradient
    { A: -1, ratio: 1.5 }, // A < 0 below c: loss 1.5, d/dlogp = 1.5
    { A: -1, ratio: 4 }, //   dual clip: loss min(4, 3) = 3, no gradient
  ];
  const rows = (): Rows => ({
    completion: cases.map(() => [1]),
    logp: cases.map((c) => [-2 + Math.log(c.ratio)]),
    old: cases.map(() => [-2]),
    adv: cases.map((c) => c.A),
  });

  it('clips high, low and dual and counts them', () => {
    const { batch, logp } = pack(rows());
    const loss = buildPolicyLoss(batch);
    const out = loss.lossFn(logp);
    close(out.loss, (-1.2 - 0.5 + 0.8 + 1.5 + 3) / 5); // 0.72
    closeAll(out.dLogp, [0, -0.1, 0, 0.3, 0]); // d/dlogp / 5
    const m = loss.stats(logp).metrics;
    close(m['clip_ratio/low_mean'], 0.2);
    close(m['clip_ratio/high_mean'], 0.2);
    close(m['clip_ratio/region_mean'], 0.4);
    close(m['clip_ratio/dual'], 0.2);
    assert.equal(m.kl, null);
    assert.equal(m['teacher/tokens'], 0);
  });

  it('without the dual clip a large ratio keeps its gradient', () => {
    const { batch, logp } = pack(rows());
    const loss = buildPolicyLoss(batch, { dualClip: null });
    const out = loss.lossFn(logp);
    close(out.loss, (-1.2 - 0.5 + 0.8 + 1.5 + 4) / 5); // 0.92
    closeAll(out.dLogp, [0, -0.1, 0, 0.3, 0.8]); // -A * 4 / 5
    assert.equal(loss.stats(logp).metrics['clip_ratio/dual'], 0);
  });

  it('uses epsLow / epsHigh', () => {
    const { batch, logp } = pack(rows());
    // high clip at 1.28: -1.28; low clip at 0.9: 0.9
    close(buildPolicyLoss(batch, { epsLow: 0.1, epsHigh: 0.28 }).lossFn(logp).loss, (-1.28 - 0.5 + 0.9 + 1.5 + 3) / 5);
  });
});

describe('teacher tokens', () => {
  // One guided row, A = 2, probabilities [0.5, 0.8 | 0.25, 0.1]: the student wrote t=0,1, the teacher
  // appended t=2,3. Old probs (the student's score at rollout time): 0.5, 0.8 on-policy; 0.2 and 0.1
  // for the teacher's tokens. gamma(2) = 2 / 4000 = 0.0005 ('as-written'; 'released' has its own test).
  const p = [0.5, 0.8, 0.25, 0.1];
  const guided = (teacher: number[]): Rows => ({
    completion: [[1, 1, 1, 1]],
    teacher: [teacher],
    logp: probs([p]),
    old: probs([[0.5, 0.8, 0.2, 0.1]]),
    adv: [2],
  });
  const wholeResponse = [1, 1, 1, 1];
  const teacherOnly = [0, 0, 1, 1];
  // AAS per token: loss = d/dlogp = -2 p / (p + 0.0005); weight 1 / (p + 0.0005)
  const aas = [-1.998002, -1.998751, -1.996008, -1.99005];

  it("aas, 'whole-response': every completion token shaped", () => {
    const { batch, logp } = pack(guided(wholeResponse));
    const loss = buildPolicyLoss(batch, { shaping: 'aas', gamma: 'as-written' });
    const out = loss.lossFn(logp);
    close(out.loss, (aas[0] + aas[1] + aas[2] + aas[3]) / 4); // -1.995703
    closeAll(
      out.dLogp,
      aas.map((x) => x / 4),
    );
    const s = loss.stats(logp);
    closeAll(s.teacherTokenWeight, [1.998002, 1.249219, 3.992016, 9.950249]); // 1 / (p + gamma)
    assert.deepEqual(
      [...s.teacherTokenMode].map((k) => TEACHER_TOKEN_MODES[k]),
      ['shaped', 'shaped', 'shaped', 'shaped'],
    );
    assert.equal(s.metrics['teacher/tokens'], 4);
    close(s.metrics['teacher/mean_p']!, 0.4125); // (0.5 + 0.8 + 0.25 + 0.1) / 4
    assert.equal(s.metrics['teacher/fallback_frac'], 0);
    assert.equal(s.metrics['teacher/guard_frac'], 0);
    assert.equal(s.metrics['clip_ratio/region_mean'], 0); // no ordinary tokens to count
  });

  it("aas, 'teacher-only': the student's part is an ordinary on-policy token", () => {
    const { batch, logp } = pack(guided(teacherOnly));
    const loss = buildPolicyLoss(batch, { shaping: 'aas', gamma: 'as-written' });
    const out = loss.lossFn(logp);
    close(out.loss, (-2 - 2 + aas[2] + aas[3]) / 4); // ratio 1: -A each; total -1.996514
    closeAll(out.dLogp, [-0.5, -0.5, aas[2] / 4, aas[3] / 4]);
    const s = loss.stats(logp);
    assert.equal(s.teacherTokenWeight[0], 0);
    assert.equal(s.metrics['teacher/tokens'], 2);
  });

  it('luffy: -A p / (p + 0.1), gradient through the whole fraction', () => {
    const { batch, logp } = pack(guided(teacherOnly));
    const loss = buildPolicyLoss(batch, { shaping: 'luffy' });
    const out = loss.lossFn(logp);
    // p = 0.25: loss -0.5 / 0.35 = -1.428571, d/dlogp = -A 0.1 p / (p + 0.1)^2 = -0.408163
    // p = 0.1:  loss -0.2 / 0.2 = -1,          d/dlogp = -0.02 / 0.04 = -0.5
    close(out.loss, (-2 - 2 - 1.428571 - 1) / 4, 1e-6); // -1.607143
    closeAll(out.dLogp, [-0.5, -0.5, -0.408163 / 4, -0.5 / 4]);
    const s = loss.stats(logp);
    closeAll(s.teacherTokenWeight, [0, 0, 0.816327, 2.5]); // 0.1 / (p + 0.1)^2
    assert.equal(s.metrics['teacher/fallback_frac'], null); // AAS only
  });

  it("plain: the clipped ratio against the student's rollout-time score", () => {
    const { batch, logp } = pack(guided(teacherOnly));
    const loss = buildPolicyLoss(batch, { shaping: 'plain' });
    const out = loss.lossFn(logp);
    // t=2: ratio 0.25 / 0.2 = 1.25 > 1.2 with A > 0: clipped, loss -2.4, no gradient
    // t=3: ratio 1: loss -2, d/dlogp -2
    close(out.loss, (-2 - 2 - 2.4 - 2) / 4); // -2.1
    closeAll(out.dLogp, [-0.5, -0.5, 0, -0.5]);
    const s = loss.stats(logp);
    closeAll(s.teacherTokenWeight, [0, 0, 0, 10]); // clipped: 0; else ratio / p = 1 / p_old = 10
    assert.equal(s.metrics['clip_ratio/high_mean'], 0); // teacher tokens are not in the clip metrics
  });

  it('aas with a negative advantage: amplifies, falls back below p = 0.01, guards p + gamma > 1', () => {
    // Row 0 (A = -2, gamma -0.0005): p = 0.005 falls back to the clipped loss, ratio 0.005 / 0.004 =
    // 1.25 (A < 0, below c: unclipped): loss = d/dlogp = 2.5, weight 1 / p_old = 250.
    // p = 0.5 is shaped: loss = d/dlogp = 2 * 0.5 / 0.4995 = 2.002002, weight 1 / 0.4995.
    // Row 1 (A = 4, gamma 0.001): p = 0.9995, p + gamma > 1: denominator p / 0.9999,
    // loss = d/dlogp = -4 * 0.9999 = -3.9996, weight 0.9999 / 0.9995.
    const { batch, logp } = pack({
      completion: [
        [1, 1],
        [1, 0],
      ],
      teacher: [
        [1, 1],
        [1, 0],
      ],
      logp: probs([
        [0.005, 0.5],
        [0.9995, 1],
      ]),
      old: probs([
        [0.004, 0.5],
        [0.9995, 1],
      ]),
      adv: [-2, 4],
    });
    const loss = buildPolicyLoss(batch, { gamma: 'as-written' });
    const out = loss.lossFn(logp);
    close(out.loss, (2.5 + 2.002002 - 3.9996) / 3, 1e-6);
    closeAll(out.dLogp, [2.5 / 3, 2.002002 / 3, -3.9996 / 3, 0]);
    const s = loss.stats(logp);
    closeAll(s.teacherTokenWeight, [250, 2.002002, 0.9999 / 0.9995, 0]);
    assert.deepEqual(
      [...s.teacherTokenMode].map((k) => TEACHER_TOKEN_MODES[k]),
      ['fallback', 'shaped', 'guard-above-one', 'none'],
    );
    close(s.metrics['teacher/fallback_frac']!, 1 / 3);
    close(s.metrics['teacher/guard_frac']!, 1 / 3);
    close(s.metrics['teacher/mean_p']!, (0.005 + 0.5 + 0.9995) / 3);
  });

  it('the AAS gradient is that of the stop-gradient surrogate, not of the loss value', () => {
    // p = 0.5, A = 2, one token: d/dlogp = -A p / (p + gamma) = -1.998002, while the loss value
    // -A p / (p + gamma) as a plain function has derivative -A gamma p / (p + gamma)^2 = -0.001996.
    const { batch } = pack({ completion: [[1]], teacher: [[1]], logp: probs([[0.5]]), adv: [2] });
    const loss = buildPolicyLoss(batch, { gamma: 'as-written' });
    const x = Math.log(0.5);
    const h = 1e-6;
    const at = (l: number, frozen?: number) => loss.evaluate([l], frozen === undefined ? undefined : [frozen]).loss;
    close(loss.evaluate([x]).dLogp[0], -1.998002);
    close((at(x + h, x) - at(x - h, x)) / (2 * h), -1.998002, 1e-6); // denominator frozen at x
    close((at(x + h) - at(x - h)) / (2 * h), (-2 * 0.0005 * 0.5) / (0.5005 * 0.5005), 1e-5); // -0.001996
  });
});

describe('KL term (k3)', () => {
  // A = 0, so the policy part is 0. Token 0: ref - logp = 0.5, k3 = e^0.5 - 0.5 - 1 = 0.148721,
  // d/dlogp = 1 - e^0.5 = -0.648721. Token 1: ref - logp = -0.5, k3 = e^-0.5 + 0.5 - 1 = 0.106531,
  // d/dlogp = 1 - e^-0.5 = 0.393469. beta = 0.1, token-mean over 2.
  const rows: Rows = { completion: [[1, 1, 0]], logp: [[-1, -0.5, -3]], ref: [[-0.5, -1, 0]], adv: [0] };

  it('adds beta * k3 per token with the same aggregation', () => {
    const { batch, logp } = pack(rows);
    const loss = buildPolicyLoss(batch, { beta: 0.1 });
    const out = loss.lossFn(logp);
    close(out.loss, (0.1 * (0.148721 + 0.106531)) / 2, 1e-5); // 0.012763
    closeAll(out.dLogp, [(0.1 * -0.648721) / 2, (0.1 * 0.393469) / 2, 0], 1e-5);
    close(loss.stats(logp).metrics.kl!, (0.148721 + 0.106531) / 2, 1e-5); // 0.127626
  });

  it('reports kl without adding it when beta = 0, and needs refLogp when beta > 0', () => {
    const { batch, logp } = pack(rows);
    const loss = buildPolicyLoss(batch, { beta: 0 });
    assert.equal(loss.lossFn(logp).loss, 0);
    close(loss.stats(logp).metrics.kl!, 0.127626, 1e-5);
    const { batch: noRef } = pack({ ...rows, ref: undefined });
    assert.throws(() => buildPolicyLoss(noRef, { beta: 0.1 }), /needs batch.refLogp/);
  });
});

describe('gradients against central finite differences', () => {
  /**
   * A random 4x7 batch: rows 1 and 3 guided (the teacher appended their last two completion tokens),
   * advantages of both signs (negative on the guided rows), log-probs in [-6, -0.05], ratios from ~0.2
   * to ~4.5 kept 1e-3 away from the clip kinks 0.8, 1.2 and 3.
   */
  function randomBatch(seed: number, mask: 'whole-response' | 'teacher-only'): { batch: PolicyBatch; logp: Float64Array } {
    const rng = mulberry32(seed);
    const B = 4;
    const T = 7;
    const promptLen = [1, 2, 1, 3];
    const completionLen = [6, 4, 3, 4];
    const completion: number[][] = [];
    const teacher: number[][] = [];
    const logp: number[][] = [];
    const old: number[][] = [];
    const ref: number[][] = [];
    for (let b = 0; b < B; b++) {
      const c = Array.from({ length: T }, (_, t) => (t >= promptLen[b] && t < promptLen[b] + completionLen[b] ? 1 : 0));
      const end = promptLen[b] + completionLen[b];
      const guidedRow = b === 1 || b === 3;
      completion.push(c);
      teacher.push(c.map((x, t) => (guidedRow && x === 1 && (mask === 'whole-response' || t >= end - 2) ? 1 : 0)));
      const lp: number[] = [];
      const ol: number[] = [];
      for (let t = 0; t < T; t++) {
        // A guided row's last token is unlikely (p < 0.01) so that AAS falls back there (A < 0).
        const l = guidedRow && t === end - 1 ? Math.fround(-5 - rng()) : Math.fround(-0.05 - 5.95 * rng());
        let o: number;
        do o = Math.fround(l + (rng() - 0.5) * 3);
        while ([0.8, 1.2, 3].some((kink) => Math.abs(Math.exp(l - o) - kink) < 1e-3));
        lp.push(l);
        ol.push(o);
      }
      logp.push(lp);
      old.push(ol);
      ref.push(lp.map((l) => l + (rng() - 0.5) * 2));
    }
    const adv = [1.3, -0.9, 0.4, -2.2];
    const { batch } = pack({ completion, teacher, logp, old, ref, adv });
    return { batch, logp: Float64Array.from(logp.flat()) };
  }

  const lossTypes = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'] as const;
  const shapings = ['aas', 'luffy', 'plain'] as const;
  const masks = ['whole-response', 'teacher-only'] as const;

  for (const lossType of lossTypes) {
    for (const shaping of shapings) {
      for (const mask of masks) {
        it(`${lossType}, ${shaping}, ${mask}, beta 0.05`, () => {
          const { batch, logp } = randomBatch(17, mask);
          const cfg: Partial<PolicyLossConfig> = { lossType, shaping, beta: 0.05, maxCompletionTokens: 8 };
          const loss = buildPolicyLoss(batch, cfg);
          const { dLogp } = loss.evaluate(logp);
          const h = 1e-5;
          for (let i = 0; i < logp.length; i++) {
            const plus = Float64Array.from(logp);
            const minus = Float64Array.from(logp);
            plus[i] += h;
            minus[i] -= h;
            // Stop-gradient quantities (AAS) stay at the unperturbed point, as in autograd.
            const fd = (loss.evaluate(plus, logp).loss - loss.evaluate(minus, logp).loss) / (2 * h);
            if (batch.completionMask[i] === 0) {
              assert.equal(dLogp[i], 0, `masked token ${i} has gradient ${dLogp[i]}`);
              assert.equal(fd, 0);
            } else {
              assert.ok(Math.abs(fd - dLogp[i]) <= 1e-6 * Math.abs(dLogp[i]) + 1e-10, `token ${i}: analytic ${dLogp[i]}, finite difference ${fd}`);
            }
          }
          // lossFn (float32 in and out) is the same computation.
          const f32 = loss.lossFn(Float32Array.from(logp));
          assert.equal(f32.loss, loss.evaluate(logp).loss);
          assert.deepEqual(f32.dLogp, Float32Array.from(dLogp));
          if (shaping === 'aas') assert.ok(loss.stats(Float32Array.from(logp)).metrics['teacher/fallback_frac']! > 0, 'the batch exercises the fallback');
        });
      }
    }
  }
});

describe('robustness and input checks', () => {
  const rows: Rows = {
    completion: [
      [0, 1, 1],
      [0, 1, 0],
    ],
    teacher: [
      [0, 0, 0],
      [0, 1, 0],
    ],
    logp: [
      [-1, -0.5, -2],
      [-1, -0.3, -1],
    ],
    adv: [1, -1],
  };

  it('never reads masked tokens: NaN there leaves the loss finite and their gradient exactly 0', () => {
    const { batch, logp } = pack(rows);
    for (const i of [0, 3, 5]) logp[i] = NaN;
    const out = buildPolicyLoss(batch, { beta: 0 }).lossFn(logp);
    assert.ok(Number.isFinite(out.loss));
    for (const i of [0, 3, 5]) assert.equal(out.dLogp[i], 0);
  });

  it('propagates NaN on a completion token (the trainer skips the step) instead of throwing', () => {
    for (const i of [1, 4]) {
      const { batch, logp } = pack(rows);
      logp[i] = NaN; // 1: ordinary token, 4: teacher token
      assert.ok(Number.isNaN(buildPolicyLoss(batch).lossFn(logp).loss));
    }
  });

  it('scores a float32-rounded positive log-prob of a teacher token as p = 1', () => {
    const { batch, logp } = pack(rows);
    logp[4] = 1e-7;
    const out = buildPolicyLoss(batch, { gamma: 'as-written' }).lossFn(logp); // A = -1: gamma -0.00025, p + gamma = 0.99975: shaped
    close(out.loss, (-1 - 1 + 1 / 0.99975) / 3); // row 0 on-policy: -A each; teacher: -A p / (p + gamma), p = 1
    assert.equal(out.dLogp[4], 0); // clamped: no gradient beyond p = 1
  });

  it('rejects inconsistent batches and settings with a one-line fix', () => {
    const bad = (edit: (b: PolicyBatch) => void, cfg: Partial<PolicyLossConfig> = {}) => {
      const { batch } = pack(rows);
      edit(batch);
      return () => buildPolicyLoss(batch, cfg);
    };
    assert.throws(
      bad((b) => (b.teacherMask[0] = 1)),
      /subset of completionMask/,
    );
    assert.throws(
      bad((b) => (b.completionMask[0] = 0.5)),
      /0 or 1/,
    );
    assert.throws(
      bad((b) => (b.oldLogp = new Float32Array(5))),
      /\[B\*T\] = 6/,
    );
    assert.throws(
      bad((b) => (b.advantages = new Float32Array(3))),
      /one per sequence/,
    );
    assert.throws(
      bad((b) => (b.advantages[0] = NaN)),
      /must be finite/,
    );
    assert.throws(
      bad((b) => (b.oldLogp[1] = -Infinity)),
      /score the rollout again/,
    );
    assert.throws(
      bad(() => {}, { lossType: 'seq-mean-token-sum-norm' }),
      /needs maxCompletionTokens/,
    );
    assert.throws(
      bad(() => {}, { lossType: 'sum' as never }),
      /Unknown loss type/,
    );
    assert.throws(
      bad(() => {}, { shaping: 'x' as never }),
      /Unknown teacher shaping/,
    );
    assert.throws(
      bad(() => {}, { dualClip: 1 }),
      /> 1/,
    );
    assert.throws(
      bad(() => {}, { aMin: 4, aMax: 4 }),
      /aMax > aMin/,
    );
    const { batch, logp } = pack(rows);
    assert.throws(() => buildPolicyLoss(batch).lossFn(logp.subarray(1)), /same packed batch/);
  });
});

describe('stats: guided vs unguided rows', () => {
  it('splits the token-mean loss by row and keeps teacher tokens out of the clip fractions', () => {
    // Row 0 unguided, A = 1: ratio 1.5 (high clip, -1.2) and ratio 1 (-1): mean -1.1.
    // Row 1 guided (whole response, plain), A = -1, ratio 4 on both tokens: dual-clipped at 3 each.
    const { batch, logp } = pack({
      completion: [
        [1, 1],
        [1, 1],
      ],
      teacher: [
        [0, 0],
        [1, 1],
      ],
      logp: [
        [-1 + Math.log(1.5), -1],
        [-2 + Math.log(4), -2 + Math.log(4)],
      ],
      old: [
        [-1, -1],
        [-2, -2],
      ],
      adv: [1, -1],
    });
    const s = buildPolicyLoss(batch, { shaping: 'plain' }).stats(logp);
    close(s.metrics['loss/unguided']!, -1.1);
    close(s.metrics['loss/guided']!, 3);
    close(s.metrics['clip_ratio/high_mean'], 0.5); // 1 of the 2 ordinary tokens
    assert.equal(s.metrics['clip_ratio/dual'], 0); // the dual-clipped tokens are teacher tokens
    assert.deepEqual([...s.teacherTokenWeight], [0, 0, 0, 0]); // clipped
    assert.deepEqual(
      [...s.teacherTokenMode].map((k) => TEACHER_TOKEN_MODES[k]),
      ['none', 'none', 'plain', 'plain'],
    );
  });
});

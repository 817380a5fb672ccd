/**
 * A small seedable random number generator whose whole state is one 32-bit integer, so the trainer
 * can checkpoint it and resume the exact same sequence (which rollouts get guided, which prompts come
 * next). Algorithm: mulberry32 (Tommy Ettinger, public domain), a 32-bit counter passed through a
 * multiply-xorshift mix; period 2^32, good enough for sampling, not for cryptography.
 */

/** Call it for the next uniform number in [0, 1); getState/setState save and restore the sequence. */
export interface SeededRng {
  (): number;
  /** The generator's state, an unsigned 32-bit integer. */
  getState(): number;
  /** Restores a state returned by getState(). */
  setState(state: number): void;
}

function checkUint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`${what} must be an integer in [0, 2^32 - 1], got ${value}.`);
  }
  return value;
}

/** A mulberry32 generator; any integer seed works (it is reduced mod 2^32). */
export function mulberry32(seed: number): SeededRng {
  if (!Number.isInteger(seed)) throw new Error(`RNG seed must be an integer, got ${seed}.`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, {
    getState: () => state,
    setState: (s: number) => {
      state = checkUint32(s, 'RNG state');
    },
  });
}

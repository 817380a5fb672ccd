/**
 * Checked parsers for numeric command-line flags, shared by every command: a flag that does not
 * parse is a one-line usage error naming the flag and what was typed, never a silent NaN or a
 * truncated value (`--max-steps 1.5` once ran 2 steps).
 */
import { UsageError } from './errors.js';

/** A whole number >= min, or undefined when the flag was not given. Digits only: no "1e3", "0x10", "". */
export function wholeArg(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const v = /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`${flag} must be a whole number >= ${min} (got "${raw}")`);
  return v;
}

/** A finite number > 0, or undefined when the flag was not given. */
export function numberArg(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // Number('') and Number(' ') are 0, which the > 0 check rejects; a blank is never a number.
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} must be a number > 0 (got "${raw}")`);
  return v;
}

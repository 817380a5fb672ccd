/**
 * Does a response re-check itself? The behaviour ThinkTuning is meant to instil (docs/method.md: "Wait, let
 * me check that step...") is a reflection marker followed by actual re-computation; a bare "Wait" that
 * restates the answer, or an equation that only belongs to the first attempt, does not count.
 *
 * The rule, exactly:
 *   1. Find the FIRST reflection marker in the response (case-insensitive, whole words):
 *        "wait" | "let me" + (check | re-check | recheck | double-check | verify | walk through |
 *        go over | go through | redo | make sure) | "re-check" / "recheck" | "double-check" / "double check" |
 *        "are you sure"
 *   2. The response reflects when, somewhere AFTER the end of that marker, it re-computes: a binary
 *      arithmetic statement `a op b = c` or `a op b is c`, where a, b, c are numbers (c may be negative)
 *      and op is one of + - x × * / ÷ (the arithmetic world writes "3 x 5 = 15"; teacher feedback writes
 *      "4 x 6 is 24").
 * "The answer is 27" after a marker is NOT a re-computation (it names a result without redoing a step),
 * which is why a lone "is N" does not count.
 */

const MARKER =
  /\bwait\b|\blet me (?:check|re-?check|double[- ]check|verify|walk through|go over|go through|redo|make sure)\b|\bre-?check\b|\bdouble[- ]check\b|\bare you sure\b/i;

/** `a op b = c` / `a op b is c` with numbers a, b, c (decimals allowed, c may be negative). */
const RECOMPUTATION = /\d+(?:\.\d+)?\s*(?:[-+x×*/÷])\s*\d+(?:\.\d+)?\s*(?:=|\bis\b)\s*-?\d/;

export interface ReflectionMatch {
  /** The marker text found first ("Wait", "let me check"...). */
  marker: string;
  /** The first re-computation after it ("4 x 6 is 2"; cut after the first digit of the result). */
  recomputation: string;
}

/** The first marker and the re-computation after it, or null when the response does not reflect. */
export function findReflection(text: string): ReflectionMatch | null {
  const m = MARKER.exec(text);
  if (!m) return null;
  const rest = text.slice(m.index + m[0].length);
  const eq = RECOMPUTATION.exec(rest);
  return eq ? { marker: m[0], recomputation: eq[0] } : null;
}

/** True when the response has a reflection marker followed by a re-computation (see the rule above). */
export function isReflective(text: string): boolean {
  return findReflection(text) !== null;
}

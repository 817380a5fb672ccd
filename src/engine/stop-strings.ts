/**
 * Stop strings (`grpo.stop`, vLLM's `stop`): a generation also ends once its text contains one of them,
 * and its text is cut before the first one, as vLLM returns it. The token ids are kept up to and
 * including the token that completed the string.
 *
 * Checking decodes only the tail of a row (the last `window` tokens), so each step costs O(window) and
 * not O(length); a stop string of s characters spans at most s tokens, plus a few for byte-level merges.
 */
import type { Tokenizer } from '../tokenizer/types.js';

/** A test of "these generated tokens already contain a stop string"; null when there are no stop strings. */
export function stopStringTest(tok: Tokenizer, stops: readonly string[]): ((tokens: readonly number[]) => boolean) | null {
  if (stops.length === 0) return null;
  const window = Math.max(...stops.map((s) => s.length)) + 8;
  return (tokens) => {
    const tail = tok.decode(tokens.slice(-window) as number[], { skipSpecial: true });
    return stops.some((s) => tail.includes(s));
  };
}

/** `text` cut before the first stop string it contains; null when it contains none. */
export function cutAtStopString(text: string, stops: readonly string[]): string | null {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? null : text.slice(0, at);
}

/**
 * Final-answer extraction and math equivalence for the ThinkTuning reward (docs/method.md, "Training loop" step 7: "1 if
 * the response terminated properly and the *last* \boxed{} matches the ground truth").
 *
 * Extraction follows the MATH benchmark's `last_boxed_only_string` (Hendrycks et al. 2021): the last
 * `\boxed{...}` (or `\fbox{...}`) with balanced braces; GSM8K answers use the dataset's `#### N` line.
 * Normalisation follows the spirit of MATH's `strip_string` (drop $, \text{}, \left/\right, degrees,
 * percent signs, "x =" prefixes; \dfrac -> \frac; \frac12 -> \frac{1}{2}) plus GSM8K's thousands
 * separators and trailing units. Numeric answers are then compared by value (exact rationals where
 * possible, see math-expr.ts); everything else by the normalised string. Comparison is case-sensitive.
 */
import { evaluateExpression, numericValuesEqual, type NumericValue } from './math-expr.js';

const BOX_MACROS = ['\\boxed', '\\fbox'];

/** Index just past the brace that closes the `{` at `open`, or -1 if unbalanced. Escaped braces (\{ \}) are literal. */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++; // skip the escaped character
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Content of the LAST `\boxed{...}` / `\fbox{...}` in `text` (nested braces balanced), or of the
 * brace-less form `\boxed 5` (up to the next space or `$`). Returns null when there is none, or when
 * the last one is never closed: a truncated final box is not an answer, and an earlier box is not the
 * final one.
 */
export function extractBoxed(text: string): string | null {
  return boxedAt(text, 'last');
}

/**
 * Content of the FIRST `\boxed{...}` / `\fbox{...}` in `text`: in a response that reflects, the answer
 * it gave before the reflection. Null when there is none or that first one is not a well-formed box.
 */
export function extractFirstBoxed(text: string): string | null {
  return boxedAt(text, 'first');
}

/** The content of the first or last box macro (`\boxed` or `\fbox`, whichever comes first / last) in `text`. */
function boxedAt(text: string, which: 'first' | 'last'): string | null {
  let start = -1;
  let macro = '';
  for (const m of BOX_MACROS) {
    const i = which === 'last' ? text.lastIndexOf(m) : text.indexOf(m);
    if (i >= 0 && (start < 0 || (which === 'last' ? i > start : i < start))) {
      start = i;
      macro = m;
    }
  }
  return start < 0 ? null : boxedContent(text, start, macro);
}

/** The content of the box whose macro starts at `start`, or null (unclosed, or "\boxedx": not the macro). */
function boxedContent(text: string, start: number, macro: string): string | null {
  let i = start + macro.length;
  while (i < text.length && /[ \t]/.test(text[i])) i++;
  if (text[i] === '{') {
    const end = matchBrace(text, i);
    return end < 0 ? null : text.slice(i + 1, end - 1).trim();
  }
  if (i === start + macro.length) return null;
  const bare = /^[^\s$]+/.exec(text.slice(i));
  return bare ? bare[0] : null;
}

/** The answer after the last GSM8K marker `#### N` (rest of that line, trimmed), or null. */
export function extractGsm8k(text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(/####[ \t]*([^\n]*)/g)) last = m[1].trim();
  return last ? last : null;
}

/** The final answer of a response: the last \boxed{} if there is one, else the GSM8K `####` line. */
export function extractAnswer(text: string): string | null {
  return extractBoxed(text) ?? extractGsm8k(text);
}

/**
 * The first answer of a response (before any reflection): the first \boxed{} if there is one, else the
 * GSM8K `####` line as `extractAnswer` reads it (a response rarely holds more than one).
 */
export function extractFirstAnswer(text: string): string | null {
  return extractFirstBoxed(text) ?? extractGsm8k(text);
}

/** Replaces every `\name{content}` (for each name) with " content " — braces balanced. */
function unwrapMacros(s: string, names: string[]): string {
  for (const name of names) {
    for (let i = s.indexOf(name + '{'); i >= 0; i = s.indexOf(name + '{', i)) {
      const open = i + name.length;
      const end = matchBrace(s, open);
      if (end < 0) break;
      s = s.slice(0, i) + ' ' + s.slice(open + 1, end - 1) + ' ' + s.slice(end);
    }
  }
  return s;
}

const TEXT_MACROS = ['\\text', '\\textbf', '\\textit', '\\textrm', '\\mathrm', '\\mathbf', '\\mbox'];

/** Thousands separators: "1,234,567" -> "1234567" ("1,2" and "12,34" are left alone: not groups of three). */
const THOUSANDS = /(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])/g;

/** A trailing run of unit words: " dollars", " cm^2", " m/s" (letters, optional ^power, "/" between words). */
const TRAILING_UNITS = /^(.*?\S)\s+[a-zA-Z]+(?:\^\{?\d+\}?)?(?:\/[a-zA-Z]+)?\.?(?:\s+[a-zA-Z]+(?:\^\{?\d+\}?)?\.?)*$/;

/**
 * Canonical form of an answer, keeping single spaces (numeric parsing must not glue "2 3" into 23).
 * Steps, in order: unwrap a whole-string \boxed{}; drop $ and \( \) \[ \]; unwrap \text-like macros;
 * drop \left \right \! \, \; \: \displaystyle; \dfrac/\tfrac -> \frac; drop degrees (^\circ, °) and
 * percent signs; unicode minus -> "-"; "x = 5" -> "5" (short left side, single "="); drop trailing
 * periods and a leading "+"; remove thousands separators; drop trailing unit words after a number;
 * \sqrt3 -> \sqrt{3}, \frac12 -> \frac{1}{2}.
 */
function canonicalSpaced(raw: string): string {
  let s = raw.trim();
  if (BOX_MACROS.some((m) => s.startsWith(m))) s = extractBoxed(s) ?? s;
  s = s
    .replace(/\\\$/g, '')
    .replace(/\$/g, '')
    .replace(/\\[()[\]]/g, '');
  s = unwrapMacros(s, TEXT_MACROS);
  s = s.replace(/\{,\}/g, ',');
  s = s.replace(/\\(left|right)(?![a-zA-Z])\.?/g, '').replace(/\\displaystyle/g, '');
  s = s
    .replace(/\\[!,;:]/g, '')
    .replace(/\\ /g, ' ')
    .replace(/~/g, ' ');
  s = s.replace(/\\[dt]frac/g, '\\frac');
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°/g, '');
  s = s.replace(/\\%|%/g, '');
  s = s.replace(/[\u2212\u2013]/g, '-');
  s = s
    .replace(/\s+/g, ' ')
    .replace(/\s*\^\s*/g, '^')
    .trim();
  const assignment = /^[a-zA-Z][a-zA-Z0-9_]{0,2}\s*=\s*([^=]+)$/.exec(s);
  if (assignment) s = assignment[1].trim();
  s = s.replace(/\.+$/, '').trim();
  s = s.replace(/^\+\s*/, '');
  s = s.replace(THOUSANDS, (m) => m.replace(/,/g, ''));
  // Length cap: the lazy prefix makes this regex quadratic, and a real final answer is short.
  const units = s.length <= 256 ? TRAILING_UNITS.exec(s) : null;
  if (units && evaluateExpression(units[1])) s = units[1];
  s = s.replace(/\\sqrt\s*([0-9a-zA-Z])/g, '\\sqrt{$1}');
  s = s.replace(/\\frac\s*([0-9a-zA-Z])\s*([0-9a-zA-Z])/g, '\\frac{$1}{$2}');
  s = s.replace(/\\frac\s*([0-9a-zA-Z])\s*\{/g, '\\frac{$1}{');
  s = s.replace(/\\frac\s*(\{[^{}]*\})\s*([0-9a-zA-Z])/g, '\\frac$1{$2}');
  return s;
}

/** Removes whitespace, except one space between two digits ("2 3" is not the number 23). */
function compact(s: string): string {
  return s.replace(/\s+/g, (ws: string, at: number) => (/\d/.test(s[at - 1] ?? '') && /\d/.test(s[at + ws.length] ?? '') ? ' ' : ''));
}

/** Normalised answer string (see canonicalSpaced for the steps), with whitespace removed (kept only between digits). */
export function normalizeAnswer(s: string): string {
  return compact(canonicalSpaced(s));
}

/** Numeric value of a normalised answer, or null when it is not an arithmetic expression. */
export function answerValue(s: string): NumericValue | null {
  return evaluateExpression(canonicalSpaced(s));
}

/**
 * True when two final answers are the same: equal normalised strings, or both numeric with equal
 * values (exact rational comparison when both are exact, else relative tolerance `relTol`).
 * Empty answers are never equivalent to anything.
 */
export function answersEquivalent(a: string, b: string, relTol = 1e-9): boolean {
  const sa = canonicalSpaced(a);
  const sb = canonicalSpaced(b);
  const ca = compact(sa);
  const cb = compact(sb);
  if (ca === '' || cb === '') return false;
  if (ca === cb) return true;
  const va = evaluateExpression(sa);
  const vb = evaluateExpression(sb);
  return va !== null && vb !== null && numericValuesEqual(va, vb, relTol);
}

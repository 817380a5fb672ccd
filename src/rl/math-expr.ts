/**
 * A tiny, safe arithmetic evaluator for final answers ("2+3", "\frac{1}{2}", "2^{10}", "-.5").
 * Never uses eval: a recursive-descent parser over the characters, with exact rational arithmetic
 * (BigInt numerator/denominator) wherever the operation allows it, so "0.50", "1/2" and "\dfrac12"
 * compare equal without floating-point rounding. Anything it does not understand returns null and the
 * caller falls back to comparing strings.
 *
 * Grammar (precedence low -> high; `^` is right-associative and binds tighter than unary minus,
 * so -2^2 = -4 as in ordinary notation):
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '\cdot' | '\times' | '\div' | '×' | '·' | '÷') unary)*
 *   unary   := ('+' | '-') unary | power
 *   power   := atom ('^' (group | unary))?
 *   atom    := number | '(' sum ')' | '{' sum '}' | '\frac' arg arg | '\sqrt' arg
 *   arg     := '{' sum '}' | one digit            (LaTeX: \frac12 = \frac{1}{2})
 *   number  := digits ['.' digits] | '.' digits, optionally followed by e[+-]digits
 * There is no implicit multiplication ("2(3)", "3\sqrt2"): such answers are compared as strings.
 */

/** An exact rational n/d with d > 0 and gcd(|n|, d) = 1. */
export interface Rational {
  n: bigint;
  d: bigint;
}

/** A parsed value: exact when every step was exact, always with a float approximation. */
export interface NumericValue {
  exact: Rational | null;
  approx: number;
}

/** Inputs longer than this are not evaluated (a final answer is short; this bounds the work). */
const MAX_INPUT_CHARS = 256;
/** Nesting deeper than this is rejected, so the recursion cannot overflow the stack. */
const MAX_DEPTH = 64;
/** Exact powers are computed only while the result stays below this many bits; larger ones go float. */
const MAX_EXACT_BITS = 4096;

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** n/d in lowest terms with a positive denominator; d must be non-zero. */
export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new Error('rational: zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

/** Float value of a rational (may be +-Infinity or lose precision for huge numbers). */
export function rationalToNumber(r: Rational): number {
  const x = Number(r.n) / Number(r.d);
  if (Number.isFinite(x)) return x;
  // Both parts overflowed: shift them down together to keep the quotient.
  const shift = BigInt(Math.max(r.n.toString(2).length, r.d.toString(2).length) - 1000);
  return Number(r.n >> shift) / Number(r.d >> shift);
}

function fromExact(r: Rational): NumericValue {
  return { exact: r, approx: rationalToNumber(r) };
}

function fromFloat(x: number): NumericValue {
  if (!Number.isFinite(x)) throw new ParseError('value is not finite');
  return { exact: null, approx: x };
}

class ParseError extends Error {}

function add(a: NumericValue, b: NumericValue, sign: 1n | -1n): NumericValue {
  if (a.exact && b.exact) return fromExact(rational(a.exact.n * b.exact.d + sign * b.exact.n * a.exact.d, a.exact.d * b.exact.d));
  return fromFloat(a.approx + Number(sign) * b.approx);
}

function multiply(a: NumericValue, b: NumericValue): NumericValue {
  if (a.exact && b.exact) return fromExact(rational(a.exact.n * b.exact.n, a.exact.d * b.exact.d));
  return fromFloat(a.approx * b.approx);
}

function divide(a: NumericValue, b: NumericValue): NumericValue {
  if (b.exact ? b.exact.n === 0n : b.approx === 0) throw new ParseError('division by zero');
  if (a.exact && b.exact) return fromExact(rational(a.exact.n * b.exact.d, a.exact.d * b.exact.n));
  return fromFloat(a.approx / b.approx);
}

function negate(a: NumericValue): NumericValue {
  return a.exact ? fromExact({ n: -a.exact.n, d: a.exact.d }) : { exact: null, approx: -a.approx };
}

function bitLength(x: bigint): number {
  return (x < 0n ? -x : x).toString(2).length;
}

/** base^exponent: exact for an exact base and a small integer exponent, float otherwise. */
function power(base: NumericValue, exponent: NumericValue): NumericValue {
  const e = exponent.exact;
  if (base.exact && e && e.d === 1n) {
    const k = e.n < 0n ? -e.n : e.n;
    const bits = Math.max(bitLength(base.exact.n), bitLength(base.exact.d)) * Number(k);
    if (bits <= MAX_EXACT_BITS) {
      if (e.n < 0n && base.exact.n === 0n) throw new ParseError('zero to a negative power');
      const n = base.exact.n ** k;
      const d = base.exact.d ** k;
      return fromExact(e.n < 0n ? rational(d, n) : rational(n, d));
    }
  }
  const x = Math.pow(base.approx, exponent.approx);
  if (Number.isNaN(x)) throw new ParseError('power is not a real number');
  return fromFloat(x);
}

/** floor(sqrt(x)) for a non-negative bigint: Newton's method from an upper bound, which decreases monotonically. */
function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = 1n << BigInt((bitLength(x) >> 1) + 1); // r > sqrt(x)
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/** sqrt: exact when numerator and denominator are perfect squares (\sqrt{4} = 2), float otherwise. */
function squareRoot(a: NumericValue): NumericValue {
  if (a.approx < 0 || (a.exact && a.exact.n < 0n)) throw new ParseError('square root of a negative number');
  if (a.exact) {
    const rn = isqrt(a.exact.n);
    const rd = isqrt(a.exact.d);
    if (rn * rn === a.exact.n && rd * rd === a.exact.d) return fromExact(rational(rn, rd));
  }
  return fromFloat(Math.sqrt(a.approx));
}

/** Exact value of a decimal literal: "0.50" -> 1/2, "1.5e3" -> 1500. */
function decimalLiteral(intPart: string, fracPart: string, expPart: string): NumericValue {
  let n = BigInt((intPart || '0') + fracPart);
  let d = 10n ** BigInt(fracPart.length);
  if (expPart) {
    const e = Number(expPart);
    if (Math.abs(e) > 400) throw new ParseError('exponent too large');
    if (e >= 0) n *= 10n ** BigInt(e);
    else d *= 10n ** BigInt(-e);
  }
  return fromExact(rational(n, d));
}

const MULTIPLY_OPS = ['\\cdot', '\\times', '*', '×', '·'];
const DIVIDE_OPS = ['\\div', '/', '÷'];

class ExpressionParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parseAll(): NumericValue {
    const value = this.sum();
    this.skipSpaces();
    if (this.pos !== this.src.length) throw new ParseError(`unexpected "${this.src.slice(this.pos)}"`);
    return value;
  }

  private skipSpaces(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  /** Consumes one of `ops` if the input continues with it (a macro must not run into letters). */
  private eat(ops: string[]): string | null {
    this.skipSpaces();
    for (const op of ops) {
      if (!this.src.startsWith(op, this.pos)) continue;
      const after = this.src[this.pos + op.length] ?? '';
      if (op.startsWith('\\') && /[a-zA-Z]/.test(after)) continue;
      this.pos += op.length;
      return op;
    }
    return null;
  }

  private nested<T>(fn: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ParseError('expression nested too deeply');
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private sum(): NumericValue {
    return this.nested(() => {
      let value = this.product();
      for (let op = this.eat(['+', '-']); op; op = this.eat(['+', '-'])) {
        value = add(value, this.product(), op === '+' ? 1n : -1n);
      }
      return value;
    });
  }

  private product(): NumericValue {
    let value = this.unary();
    for (;;) {
      if (this.eat(MULTIPLY_OPS)) value = multiply(value, this.unary());
      else if (this.eat(DIVIDE_OPS)) value = divide(value, this.unary());
      else return value;
    }
  }

  private unary(): NumericValue {
    return this.nested(() => {
      const sign = this.eat(['+', '-']);
      if (sign === '+') return this.unary();
      if (sign === '-') return negate(this.unary());
      return this.power();
    });
  }

  private power(): NumericValue {
    const base = this.atom();
    if (!this.eat(['^'])) return base;
    this.skipSpaces();
    const exponent = this.src[this.pos] === '{' ? this.group('{', '}') : this.unary();
    return power(base, exponent);
  }

  private group(open: string, close: string): NumericValue {
    if (!this.eat([open])) throw new ParseError(`expected "${open}"`);
    const value = this.sum();
    if (!this.eat([close])) throw new ParseError(`expected "${close}"`);
    return value;
  }

  /** A LaTeX macro argument: a braced group or a single digit (\frac12). */
  private argument(): NumericValue {
    this.skipSpaces();
    const ch = this.src[this.pos] ?? '';
    if (ch === '{') return this.group('{', '}');
    if (/\d/.test(ch)) {
      this.pos++;
      return fromExact(rational(BigInt(ch)));
    }
    throw new ParseError('expected a macro argument');
  }

  private atom(): NumericValue {
    this.skipSpaces();
    const ch = this.src[this.pos] ?? '';
    if (ch === '(') return this.group('(', ')');
    if (ch === '{') return this.group('{', '}');
    if (this.eat(['\\frac'])) {
      const numerator = this.argument();
      return divide(numerator, this.argument());
    }
    if (this.eat(['\\sqrt'])) return squareRoot(this.argument());
    const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/.exec(this.src.slice(this.pos));
    const [text, intPart = '', fracPart = '', expPart = ''] = match ?? [''];
    if (!intPart && !fracPart) throw new ParseError(`expected a number at "${this.src.slice(this.pos)}"`);
    this.pos += text.length;
    return decimalLiteral(intPart, fracPart, expPart);
  }
}

/**
 * Evaluates a short arithmetic expression; null when it is not one (or is too long, too deep,
 * divides by zero, or leaves the reals).
 */
export function evaluateExpression(src: string): NumericValue | null {
  if (src.length === 0 || src.length > MAX_INPUT_CHARS) return null;
  try {
    return new ExpressionParser(src).parseAll();
  } catch (err) {
    if (err instanceof ParseError) return null;
    throw err;
  }
}

/**
 * Numeric equality: exact for two exact values, otherwise |a - b| <= relTol * max(|a|, |b|)
 * (a relative tolerance, so 0 only equals values that are exactly 0).
 */
export function numericValuesEqual(a: NumericValue, b: NumericValue, relTol = 1e-9): boolean {
  if (a.exact && b.exact) return a.exact.n === b.exact.n && a.exact.d === b.exact.d;
  if (a.approx === b.approx) return true;
  return Math.abs(a.approx - b.approx) <= relTol * Math.max(Math.abs(a.approx), Math.abs(b.approx));
}

/** Small numeric helpers every floor uses (this file imports nothing). */

/** Arithmetic mean; NaN for no values (0 / 0, as numpy's mean of an empty array). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The mean, or null when there are no values (a metric that does not apply this step). */
export const meanOrNull = (xs: readonly number[]): number | null => (xs.length > 0 ? mean(xs) : null);

/**
 * Plain TypeScript twins of the robust statistics (sort-based), the references in tests.
 *
 * @module
 */

/** Type-7 quantile by sorting a copy. */
export function quantileTwin(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * q;
  const k = Math.floor(h);
  if (k + 1 >= sorted.length) return sorted[k];
  return sorted[k] + (h - k) * (sorted[k + 1] - sorted[k]);
}

/** Median by sorting a copy. */
export function medianTwin(values: ArrayLike<number>): number {
  return quantileTwin(values, 0.5);
}

/** Unscaled median absolute deviation by sorting. */
export function madTwin(values: ArrayLike<number>): number {
  const med = medianTwin(values);
  return medianTwin(Array.from(values, (x) => Math.abs(x - med)));
}

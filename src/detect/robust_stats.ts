/**
 * Small robust statistics over plain arrays (median, quantiles, IQR, mean/std), NaN-aware.
 * The Wasm kernels (src/features/kernels/) provide the same maths for large batches; these are the
 * plain-TS forms the detectors use on short windows, where crossing into Wasm costs more than it saves.
 */

/** Copies the finite values of `values[from, to)` into a new sorted Float64Array. */
export function sortedFinite(values: ArrayLike<number>, from = 0, to = values.length): Float64Array {
  const lo = Math.max(0, from);
  const hi = Math.min(values.length, to);
  let n = 0;
  const out = new Float64Array(Math.max(0, hi - lo));
  for (let i = lo; i < hi; i++) {
    const v = values[i];
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** Linear-interpolated quantile (type 7, as numpy's default) of an ascending array; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
}

export interface RobustLocationScale {
  readonly median: number;
  readonly iqr: number;
  readonly count: number;
}

/** Median and inter-quartile range of the finite values of `values[from, to)`. */
export function robustLocationScale(
  values: ArrayLike<number>,
  options: { from?: number; to?: number } = {},
): RobustLocationScale {
  const s = sortedFinite(values, options.from ?? 0, options.to ?? values.length);
  return {
    median: quantileSorted(s, 0.5),
    iqr: quantileSorted(s, 0.75) - quantileSorted(s, 0.25),
    count: s.length,
  };
}

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly count: number;
}

/** Mean and population standard deviation of the finite values of `values[from, to)`. */
export function meanStd(values: ArrayLike<number>, options: { from?: number; to?: number } = {}): MeanStd {
  const lo = Math.max(0, options.from ?? 0);
  const hi = Math.min(values.length, options.to ?? values.length);
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return { mean: n > 0 ? mean : NaN, std: n > 0 ? Math.sqrt(m2 / n) : NaN, count: n };
}

/**
 * The scale of a change that matters (src/detect/robust_effect.ts): the IQR, never below `relative_floor`
 * of |median| (a gauge that barely moves must still change by a share of its level), and for a count (per
 * window) never below its Poisson noise √(median + 1) (a sparse counter does not flap). Never zero.
 */
export function effectScale(
  median: number,
  iqr: number,
  options: { relative_floor: number; count: boolean },
): number {
  const scale = Math.max(iqr, options.relative_floor * Math.abs(median), 1e-9);
  return options.count ? Math.max(scale, Math.sqrt(Math.max(0, median) + 1)) : scale;
}

/**
 * A scale that is never zero: the IQR when positive, else a fallback proportional to the magnitude of
 * the median (flat baselines: a constant-looking series still has a meaningful relative change), else
 * `floor`. Avoids infinite scores on step changes from a perfectly flat baseline.
 */
export function safeScale(scale: number, level: number, floor = 1e-9): number {
  if (Number.isFinite(scale) && scale > floor) return scale;
  const rel = Math.abs(level) * 0.01;
  return Number.isFinite(rel) && rel > floor ? rel : Math.max(floor, 1e-3);
}

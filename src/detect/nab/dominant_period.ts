/**
 * The dominant period of a series from its autocorrelation (Wiener–Khinchin: the inverse FFT of the
 * power spectrum of the zero-padded, mean-removed series), as a streaming detector needs it: computed
 * on the history only, so a seasonal model can compare each new point with the same phase of past cycles.
 */
import { type Fft, nextPowerOfTwo, plainFft } from "../fft.ts";

export interface DominantPeriodOptions {
  /** Shortest lag considered, in points. @default 12 */
  min_lag?: number;
  /** Longest lag considered, in points. @default a quarter of the series */
  max_lag?: number;
  /** Lowest autocorrelation that counts as a clear period. @default 0.5 */
  min_acf?: number;
  /**
   * How far the autocorrelation must have dipped below a peak at some shorter lag, so that the slow
   * decay of a trending or smooth series does not pass for a period. @default 0.3
   */
  min_prominence?: number;
  /** The FFT. @default plainFft */
  fft?: Fft;
}

export interface Period {
  /** Lag, in points. */
  readonly lag: number;
  /** Autocorrelation at that lag, in [-1, 1]. */
  readonly acf: number;
}

/**
 * The lag in [min_lag, max_lag] with the highest autocorrelation among local maxima, or null when no
 * local maximum reaches `min_acf` with `min_prominence` (or the series is constant or too short).
 * O(n log n).
 */
export function dominantPeriod(
  values: ArrayLike<number>,
  options: DominantPeriodOptions = {},
): Period | null {
  const n = values.length;
  const minLag = options.min_lag ?? 12;
  const maxLag = Math.min(options.max_lag ?? Math.floor(n / 4), n - 2);
  const minAcf = options.min_acf ?? 0.5;
  const prominence = options.min_prominence ?? 0.3;
  if (maxLag <= minLag) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  const size = nextPowerOfTwo(2 * n);
  const re = new Float64Array(size), im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = values[i] - mean;
  const fft = options.fft ?? plainFft;
  fft.transform(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft.transform(re, im, true);
  const c0 = re[0] / n;
  if (!(c0 > 0)) return null;
  /** Autocorrelation at lag k, each lag's sum averaged over its own number of pairs. */
  const acf = (k: number) => re[k] / (n - k) / c0;
  const peaks: Period[] = [];
  let dip = Infinity;
  for (let k = 1; k < minLag; k++) dip = Math.min(dip, acf(k));
  let prev = acf(minLag - 1), cur = acf(minLag);
  for (let k = minLag; k <= maxLag; k++) {
    const next = acf(k + 1);
    dip = Math.min(dip, cur);
    if (
      cur >= prev && cur >= next && cur >= minAcf && cur - dip >= prominence
    ) peaks.push({ lag: k, acf: cur });
    prev = cur;
    cur = next;
  }
  if (peaks.length === 0) return null;
  // multiples of the period correlate about as well as the period itself: take the shortest lag that
  // comes within `HARMONIC_MARGIN` of the best
  const top = Math.max(...peaks.map((p) => p.acf));
  const first = peaks.find((p) => p.acf >= top - HARMONIC_MARGIN)!;
  // noise splits one broad autocorrelation peak into several local maxima: take the highest one near
  let best = first;
  for (const p of peaks) {
    if (Math.abs(p.lag - first.lag) <= 0.1 * first.lag && p.acf > best.acf) best = p;
  }
  return best;
}

const HARMONIC_MARGIN = 0.05;

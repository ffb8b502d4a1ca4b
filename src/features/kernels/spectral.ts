/**
 * Spectral tools on the Wasm FFT: power spectrum, spectral residual saliency, autocorrelation and
 * dominant-period detection. Precision follows the typed-array type of the input.
 *
 * @module
 */
import { assertFftSize, FFT_MAX_SIZE } from "./fft.ts";
import { align16, bytesPer, type FloatArray, kernelRuntime, precisionOf } from "./kernel_runtime.ts";

function sameType(input: FloatArray, output: FloatArray, what: string): "f32" | "f64" {
  const precision = precisionOf(input, "input");
  if (precisionOf(output, "output") !== precision) {
    throw new TypeError(
      `Cannot compute the ${what} as output must have the input's type (${input.constructor.name}): current value is ${output.constructor.name}`,
    );
  }
  return precision;
}

/**
 * Power spectrum |X_k|^2, k = 0..size/2, of each real series of `size` points (unscaled, no window):
 * output.length = series * (size/2 + 1). Returns output.
 */
export function powerSpectrum<T extends FloatArray>(input: T, output: T, options: { size?: number } = {}): T {
  const precision = sameType(input, output, "power spectrum");
  const n = options.size ?? input.length;
  assertFftSize(n);
  if (input.length % n !== 0) {
    throw new RangeError(
      `Cannot compute the power spectrum as input.length must be a multiple of ${n}: current value is ${input.length}`,
    );
  }
  const batch = input.length / n;
  if (output.length !== batch * (n / 2 + 1)) {
    throw new RangeError(
      `Cannot compute the power spectrum as output.length must be ${
        batch * (n / 2 + 1)
      }: current value is ${output.length}`,
    );
  }
  const rt = kernelRuntime();
  const plan = rt.plan(precision, n >> 1);
  const es = bytesPer(precision);
  const inBytes = align16(input.length * es);
  const outBytes = align16(output.length * es);
  const base = rt.reserve(inBytes + outBytes + (4 * n + 2) * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.power_spectrum_f32 : rt.exports.power_spectrum_f64;
  run(base, base + inBytes, n, batch, plan, base + inBytes + outBytes);
  rt.read(output, base + inBytes);
  return output;
}

/** Options of spectralResidual(). */
export interface SpectralResidualOptions {
  /** Width, in frequency bins, of the trailing average filter over the log amplitude (q in the paper). @default 3 */
  window_bins?: number;
}

/**
 * Spectral residual saliency map (Ren et al., KDD 2019) of one series whose length is a power of two
 * (8..65536): S = |IFFT(exp(R + iP))| with R the log amplitude minus its trailing moving average and P
 * the phase; bins with amplitude <= 1e-8 are zeroed. Anomalous points stand out as peaks of S; the
 * paper's score is (S - mean_local(S)) / mean_local(S). output.length = input.length. Returns output.
 */
export function spectralResidual<T extends FloatArray>(
  input: T,
  output: T,
  options: SpectralResidualOptions = {},
): T {
  const precision = sameType(input, output, "spectral residual");
  const n = input.length;
  assertFftSize(n, "input.length");
  if (output.length !== n) {
    throw new RangeError(
      `Cannot compute the spectral residual as output.length must be ${n}: current value is ${output.length}`,
    );
  }
  const window = options.window_bins ?? 3;
  if (!Number.isInteger(window) || window < 1 || window > n) {
    throw new RangeError(
      `Cannot compute the spectral residual as window_bins must be an integer in [1, ${n}]: current value is ${window}`,
    );
  }
  const rt = kernelRuntime();
  const realPlan = rt.plan(precision, n >> 1);
  const complexPlan = rt.plan(precision, n);
  const es = bytesPer(precision);
  const ioBytes = align16(n * es);
  const base = rt.reserve(2 * ioBytes + (7 * n + 2) * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.spectral_residual_f32 : rt.exports.spectral_residual_f64;
  run(base, base + ioBytes, n, window, realPlan, complexPlan, base + 2 * ioBytes);
  rt.read(output, base + ioBytes);
  return output;
}

/** Smallest power of two >= max(8, 2 * length): the zero-padded FFT size of an autocorrelation. */
export function autocorrelationFftSize(length: number): number {
  let n = 8;
  while (n < 2 * length) n *= 2;
  return n;
}

/**
 * Sample autocorrelation r_k / r_0 for lags k = 0..output.length - 1 of a series of any length
 * (2..32768), with r_k = sum_t (x_t - mean)(x_{t+k} - mean) (the biased estimator, as statsmodels'
 * acf), computed by FFT on the zero-padded series. A constant series gives all zeros. Returns output.
 */
export function autocorrelation<T extends FloatArray>(input: T, output: T): T {
  const precision = sameType(input, output, "autocorrelation");
  const len = input.length;
  if (len < 2 || len > FFT_MAX_SIZE / 2) {
    throw new RangeError(
      `Cannot compute the autocorrelation as input.length must be in [2, ${
        FFT_MAX_SIZE / 2
      }]: current value is ${len}`,
    );
  }
  if (output.length < 1 || output.length > len) {
    throw new RangeError(
      `Cannot compute the autocorrelation as output.length (max lag + 1) must be in [1, ${len}]: current value is ${output.length}`,
    );
  }
  const n = autocorrelationFftSize(len);
  const rt = kernelRuntime();
  const plan = rt.plan(precision, n >> 1);
  const es = bytesPer(precision);
  const inBytes = align16(len * es);
  const outBytes = align16(output.length * es);
  const base = rt.reserve(inBytes + outBytes + (6 * n + 2) * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.autocorrelation_f32 : rt.exports.autocorrelation_f64;
  run(base, base + inBytes, len, output.length - 1, n, plan, base + inBytes + outBytes);
  rt.read(output, base + inBytes);
  return output;
}

/** Options of dominantPeriod(). */
export interface DominantPeriodOptions {
  /** Shortest period considered, in samples. @default 2 */
  min_period?: number;
  /** Longest period considered, in samples. @default floor(length / 2) */
  max_period?: number;
  /** The autocorrelation at the period must exceed this, else there is no dominant period. @default 0.2 */
  min_acf?: number;
}

/** A detected period. */
export interface DominantPeriod {
  /** Period in samples (an integer lag). */
  period: number;
  /** Autocorrelation at that lag. */
  acf: number;
  /** Share of the spectral power (excluding the mean) in the periodogram peak that proposed it. */
  power_share: number;
}

/** The spectral primitives dominantPeriod() needs; the Wasm kernels or their TS twins. */
export interface SpectralBackend {
  autocorrelation(input: Float64Array, output: Float64Array): Float64Array;
  powerSpectrum(input: Float64Array, output: Float64Array): Float64Array;
}

const wasmBackend: SpectralBackend = { autocorrelation, powerSpectrum: (i, o) => powerSpectrum(i, o) };

/**
 * The dominant period of a series, or null when it has none (AUTOPERIOD, Vlachos, Yu & Castelli, SDM
 * 2005): the periodogram of the zero-padded, demeaned series proposes the strongest period in
 * [min_period, max_period]; the autocorrelation confirms it by hill-climbing to the nearest local maximum
 * within the periodogram bin's period range, which also refines it to an integer lag.
 */
export function dominantPeriod(
  input: ArrayLike<number>,
  options: DominantPeriodOptions = {},
  backend: SpectralBackend = wasmBackend,
): DominantPeriod | null {
  const len = input.length;
  if (len < 4 || len > FFT_MAX_SIZE / 2) {
    throw new RangeError(
      `Cannot find a dominant period as input.length must be in [4, ${
        FFT_MAX_SIZE / 2
      }]: current value is ${len}`,
    );
  }
  const minPeriod = options.min_period ?? 2;
  const maxPeriod = options.max_period ?? Math.floor(len / 2);
  if (!(minPeriod >= 2) || !(maxPeriod >= minPeriod) || maxPeriod > len - 1) {
    throw new RangeError(
      `Cannot find a dominant period as 2 <= min_period <= max_period <= length - 1 must hold: current values are ${minPeriod} and ${maxPeriod}`,
    );
  }
  const minAcf = options.min_acf ?? 0.2;
  const x = Float64Array.from(input);
  const n = autocorrelationFftSize(len);
  const padded = new Float64Array(n);
  let mean = 0;
  for (let t = 0; t < len; t++) mean += x[t];
  mean /= len;
  for (let t = 0; t < len; t++) padded[t] = x[t] - mean;
  const power = backend.powerSpectrum(padded, new Float64Array(n / 2 + 1));
  let total = 0;
  let best = -1;
  for (let k = 1; k <= n / 2; k++) {
    total += power[k];
    const period = n / k;
    if (period >= minPeriod && period <= maxPeriod && (best < 0 || power[k] > power[best])) best = k;
  }
  if (best < 0 || !(total > 0)) return null;
  const acf = backend.autocorrelation(x, new Float64Array(Math.min(len, Math.ceil(maxPeriod) + 2)));
  const lo = Math.max(Math.ceil(minPeriod), Math.floor(n / (best + 1)));
  const hi = Math.min(
    Math.floor(maxPeriod),
    Math.ceil(best > 1 ? n / (best - 1) : maxPeriod),
    acf.length - 2,
  );
  let lag = Math.min(Math.max(Math.round(n / best), lo), hi);
  // Hill-climb on the autocorrelation within [lo, hi].
  for (;;) {
    if (lag + 1 <= hi && acf[lag + 1] > acf[lag]) lag++;
    else if (lag - 1 >= lo && acf[lag - 1] > acf[lag]) lag--;
    else break;
  }
  if (!(acf[lag] > minAcf)) return null;
  return { period: lag, acf: acf[lag], power_share: power[best] / total };
}

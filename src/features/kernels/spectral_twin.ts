/**
 * Plain TypeScript twins of the spectral kernels (f64), the references in tests: the power spectrum and
 * spectral residual on the radix-2 twin FFT, and the autocorrelation by its direct O(n^2) definition.
 *
 * @module
 */
import { fftPlanarTwin, fftRealTwin } from "./fft_twin.ts";
import type { SpectralBackend } from "./spectral.ts";

/** |X_k|^2 for k = 0..n/2 of one real series. */
export function powerSpectrumTwin(input: ArrayLike<number>): Float64Array {
  const spectrum = fftRealTwin(input);
  const out = new Float64Array(input.length / 2 + 1);
  for (let k = 0; k < out.length; k++) out[k] = spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
  return out;
}

/** Spectral residual saliency map, as Microsoft's reference implementation (numpy FFT, trailing filter). */
export function spectralResidualTwin(input: ArrayLike<number>, windowBins = 3): Float64Array {
  const n = input.length;
  const re = Float64Array.from(input);
  const im = new Float64Array(n);
  fftPlanarTwin(re, im);
  const logAmp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const amp = Math.hypot(re[k], im[k]);
    logAmp[k] = amp <= 1e-8 ? 0 : Math.log(amp);
  }
  for (let k = 0; k < n; k++) {
    let sum = 0;
    const from = Math.max(0, k - windowBins + 1);
    for (let t = from; t <= k; t++) sum += logAmp[t];
    const amp = Math.hypot(re[k], im[k]);
    const gain = amp <= 1e-8 ? 0 : Math.exp(logAmp[k] - sum / (k - from + 1)) / amp;
    re[k] *= gain;
    im[k] *= gain;
  }
  fftPlanarTwin(re, im, true);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = Math.hypot(re[k], im[k]);
  return out;
}

/** r_k / r_0 for lags 0..maxLag by the direct sum (zeros for a constant series). */
export function autocorrelationTwin(input: ArrayLike<number>, maxLag: number): Float64Array {
  const n = input.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += input[t];
  mean /= n;
  const out = new Float64Array(maxLag + 1);
  let r0 = 0;
  for (let t = 0; t < n; t++) r0 += (input[t] - mean) ** 2;
  for (let k = 0; k <= maxLag; k++) {
    let r = 0;
    for (let t = 0; t + k < n; t++) r += (input[t] - mean) * (input[t + k] - mean);
    out[k] = r0 > 0 ? r / r0 : 0;
  }
  return out;
}

/** The twin primitives for dominantPeriod(x, options, twinSpectralBackend). */
export const twinSpectralBackend: SpectralBackend = {
  autocorrelation: (input, output) => {
    output.set(autocorrelationTwin(input, output.length - 1));
    return output;
  },
  powerSpectrum: (input, output) => {
    output.set(powerSpectrumTwin(input));
    return output;
  },
};

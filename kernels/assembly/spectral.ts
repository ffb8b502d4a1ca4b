// Spectral tools built on the FFT: power spectrum, the spectral residual saliency map and autocorrelation.
//
// Spectral residual: Hou & Zhang, "Saliency Detection: A Spectral Residual Approach" (CVPR 2007), as used
// for time series by Ren et al., "Time-Series Anomaly Detection Service at Microsoft" (KDD 2019).
// Autocorrelation: Wiener-Khinchin theorem on the zero-padded series (no circular wrap-around).

import { fftCore, fftRealOne, ifftRealOne } from "./fft";

const SR_EPS: f64 = 1e-8;

/** |X_k|^2 for k = 0..n/2 of each of `batch` real series of n points; scratch holds 4n + 2 elements. */
export function powerSpectrum<T>(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  plan: usize,
  scratch: usize,
): void {
  const B = alignof<T>();
  const spectrum = scratch + (<usize> (3 * n) << B);
  const bins = (n >> 1) + 1;
  for (let b = 0; b < batch; b++) {
    fftRealOne<T>(inp + (<usize> (n * b) << B), spectrum, n, plan, scratch);
    const dst = out + (<usize> (bins * b) << B);
    for (let k = 0; k < bins; k++) {
      const re = load<T>(spectrum + (<usize> (2 * k) << B));
      const im = load<T>(spectrum + (<usize> (2 * k + 1) << B));
      store<T>(dst + (<usize> k << B), re * re + im * im);
    }
  }
}

/**
 * Spectral residual saliency map of n reals (n a power of two) with a trailing average filter of `window`
 * bins over the log amplitude spectrum. realPlan is the plan for n/2 points, complexPlan for n points;
 * scratch holds 7n + 2 elements.
 */
export function spectralResidual<T>(
  inp: usize,
  out: usize,
  n: i32,
  window: i32,
  realPlan: usize,
  complexPlan: usize,
  scratch: usize,
): void {
  const B = alignof<T>();
  const nb = <usize> n << B;
  const fr = scratch;
  const fi = fr + nb;
  const regionB = fi + nb;
  const regionC = regionB + 2 * nb;
  const half = regionC + 2 * nb;
  fftRealOne<T>(inp, half, n, realPlan, regionB);
  const m = n >> 1;
  // Full spectrum from the half spectrum: F_k = X_k for k <= n/2, conj(X_{n-k}) above.
  for (let k = 0; k < n; k++) {
    const src = k <= m ? k : n - k;
    const re = load<T>(half + (<usize> (2 * src) << B));
    const im = load<T>(half + (<usize> (2 * src + 1) << B));
    store<T>(fr + (<usize> k << B), re);
    store<T>(fi + (<usize> k << B), k <= m ? im : -im);
  }
  // Log amplitude (0 where the amplitude is below SR_EPS) into regionB.
  const logAmp = regionB;
  for (let k = 0; k < n; k++) {
    const re = <f64> load<T>(fr + (<usize> k << B));
    const im = <f64> load<T>(fi + (<usize> k << B));
    const amp = Math.sqrt(re * re + im * im);
    store<f64>(logAmp + (<usize> k << 3), amp <= SR_EPS ? 0 : Math.log(amp));
  }
  // Residual R = L - mean(L over the trailing window); F_k <- F_k * exp(R_k) / |F_k|.
  let running: f64 = 0;
  for (let k = 0; k < n; k++) {
    const l = load<f64>(logAmp + (<usize> k << 3));
    running += l;
    if (k >= window) running -= load<f64>(logAmp + (<usize> (k - window) << 3));
    const count = k + 1 < window ? k + 1 : window;
    const re = <f64> load<T>(fr + (<usize> k << B));
    const im = <f64> load<T>(fi + (<usize> k << B));
    const amp = Math.sqrt(re * re + im * im);
    let gain: f64 = 0;
    if (amp > SR_EPS) gain = Math.exp(l - running / <f64> count) / amp;
    store<T>(fr + (<usize> k << B), <T> (re * gain));
    store<T>(fi + (<usize> k << B), <T> (im * gain));
  }
  // Inverse complex FFT (forward with swapped re/im), then the modulus, scaled by 1/n.
  const yr = regionB;
  const yi = regionB + nb;
  fftCore<T>(fi, fr, yi, yr, regionC + nb, regionC, n, complexPlan);
  const inv = 1.0 / <f64> n;
  for (let k = 0; k < n; k++) {
    const re = <f64> load<T>(yr + (<usize> k << B));
    const im = <f64> load<T>(yi + (<usize> k << B));
    store<T>(out + (<usize> k << B), <T> (Math.sqrt(re * re + im * im) * inv));
  }
}

/**
 * Normalised autocorrelation r_k / r_0 for lags 0..maxLag of `len` reals, via an FFT of size n >= 2 len
 * (a power of two). r_k = sum_t (x_t - mean)(x_{t+k} - mean) (the biased estimator). A constant series
 * gives all zeros. plan is the plan for n/2 points; scratch holds 6n + 2 elements.
 */
export function autocorrelation<T>(
  inp: usize,
  out: usize,
  len: i32,
  maxLag: i32,
  n: i32,
  plan: usize,
  scratch: usize,
): void {
  const B = alignof<T>();
  const nb = <usize> n << B;
  const padded = scratch;
  const fftScratch = padded + nb;
  const spectrum = fftScratch + 3 * nb;
  const acf = spectrum + nb + (<usize> 2 << B);
  let mean: f64 = 0;
  for (let t = 0; t < len; t++) mean += <f64> load<T>(inp + (<usize> t << B));
  mean /= <f64> len;
  for (let t = 0; t < len; t++) {
    store<T>(padded + (<usize> t << B), <T> (<f64> load<T>(inp + (<usize> t << B)) - mean));
  }
  memory.fill(padded + (<usize> len << B), 0, <usize> (n - len) << B);
  fftRealOne<T>(padded, spectrum, n, plan, fftScratch);
  const bins = (n >> 1) + 1;
  for (let k = 0; k < bins; k++) {
    const re = load<T>(spectrum + (<usize> (2 * k) << B));
    const im = load<T>(spectrum + (<usize> (2 * k + 1) << B));
    store<T>(spectrum + (<usize> (2 * k) << B), re * re + im * im);
    store<T>(spectrum + (<usize> (2 * k + 1) << B), 0);
  }
  ifftRealOne<T>(spectrum, acf, n, plan, fftScratch);
  const r0 = <f64> load<T>(acf);
  const scale = r0 > 0 ? 1.0 / r0 : 0.0;
  for (let k = 0; k <= maxLag; k++) {
    store<T>(out + (<usize> k << B), <T> (<f64> load<T>(acf + (<usize> k << B)) * scale));
  }
}

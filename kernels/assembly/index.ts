// Vigil numeric kernels: the Wasm exports. Every export works on caller-owned linear memory (byte
// addresses and element counts); the TypeScript host in src/features/kernels/ owns the layout, the plans
// and the validation. See kernels/README.md.

import { buildPlan, fft_plan_len, fftComplex, fftRealOne, ifftRealOne } from "./fft";
import { autocorrelation, powerSpectrum, spectralResidual } from "./spectral";
import { logScratch, sinkhornLog, sinkhornStabilized, stabilizedScratch } from "./sinkhorn";
import { firstNonFinite, madBatch, quantileBatch } from "./stats";

export { fft_plan_len, madBatch as mad_batch_f64, quantileBatch as quantile_batch_f64 };

/** First free byte after the module's static data. */
export function heap_base(): usize {
  return __heap_base;
}

export function fft_plan_f32(plan: usize, m: i32): void {
  buildPlan<f32>(plan, m);
}
export function fft_plan_f64(plan: usize, m: i32): void {
  buildPlan<f64>(plan, m);
}

export function fft_complex_f32(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  inverse: bool,
  plan: usize,
  scratch: usize,
): void {
  fftComplex<f32>(inp, out, n, batch, inverse, plan, scratch);
}
export function fft_complex_f64(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  inverse: bool,
  plan: usize,
  scratch: usize,
): void {
  fftComplex<f64>(inp, out, n, batch, inverse, plan, scratch);
}

/** Real forward FFT of `batch` series of n reals into n/2 + 1 interleaved bins each; scratch 3n. */
export function fft_real_f32(inp: usize, out: usize, n: i32, batch: i32, plan: usize, scratch: usize): void {
  for (let b = 0; b < batch; b++) {
    fftRealOne<f32>(inp + (<usize> (n * b) << 2), out + (<usize> ((n + 2) * b) << 2), n, plan, scratch);
  }
}
export function fft_real_f64(inp: usize, out: usize, n: i32, batch: i32, plan: usize, scratch: usize): void {
  for (let b = 0; b < batch; b++) {
    fftRealOne<f64>(inp + (<usize> (n * b) << 3), out + (<usize> ((n + 2) * b) << 3), n, plan, scratch);
  }
}

/** Inverse real FFT of `batch` spectra of n/2 + 1 interleaved bins into n reals each; scratch 3n. */
export function ifft_real_f32(inp: usize, out: usize, n: i32, batch: i32, plan: usize, scratch: usize): void {
  for (let b = 0; b < batch; b++) {
    ifftRealOne<f32>(inp + (<usize> ((n + 2) * b) << 2), out + (<usize> (n * b) << 2), n, plan, scratch);
  }
}
export function ifft_real_f64(inp: usize, out: usize, n: i32, batch: i32, plan: usize, scratch: usize): void {
  for (let b = 0; b < batch; b++) {
    ifftRealOne<f64>(inp + (<usize> ((n + 2) * b) << 3), out + (<usize> (n * b) << 3), n, plan, scratch);
  }
}

export function power_spectrum_f32(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  plan: usize,
  scratch: usize,
): void {
  powerSpectrum<f32>(inp, out, n, batch, plan, scratch);
}
export function power_spectrum_f64(
  inp: usize,
  out: usize,
  n: i32,
  batch: i32,
  plan: usize,
  scratch: usize,
): void {
  powerSpectrum<f64>(inp, out, n, batch, plan, scratch);
}

export function spectral_residual_f32(
  inp: usize,
  out: usize,
  n: i32,
  window: i32,
  realPlan: usize,
  complexPlan: usize,
  scratch: usize,
): void {
  spectralResidual<f32>(inp, out, n, window, realPlan, complexPlan, scratch);
}
export function spectral_residual_f64(
  inp: usize,
  out: usize,
  n: i32,
  window: i32,
  realPlan: usize,
  complexPlan: usize,
  scratch: usize,
): void {
  spectralResidual<f64>(inp, out, n, window, realPlan, complexPlan, scratch);
}

export function autocorrelation_f32(
  inp: usize,
  out: usize,
  len: i32,
  maxLag: i32,
  n: i32,
  plan: usize,
  scratch: usize,
): void {
  autocorrelation<f32>(inp, out, len, maxLag, n, plan, scratch);
}
export function autocorrelation_f64(
  inp: usize,
  out: usize,
  len: i32,
  maxLag: i32,
  n: i32,
  plan: usize,
  scratch: usize,
): void {
  autocorrelation<f64>(inp, out, len, maxLag, n, plan, scratch);
}

/** Scratch elements per problem for the Sinkhorn exports (method 0 stabilised, 1 log-domain). */
export function sinkhorn_scratch_len(method: i32, n: i32, m: i32): i32 {
  return method == 0 ? stabilizedScratch(n, m) : logScratch(n, m);
}

/**
 * `batch` Sinkhorn problems: a (batch x n), b (batch x m), costs (batch x n x m, or one shared n x m when
 * costStride is 0), outputs f (batch x n), g (batch x m), plan (batch x n x m, or 0 for none) and info
 * (batch x 4 f64: cost, iterations, error, status). One scratch area is reused across the batch.
 */
export function sinkhorn_f32(
  method: i32,
  a: usize,
  b: usize,
  M: usize,
  costStride: i32,
  n: i32,
  m: i32,
  batch: i32,
  eps: f64,
  maxIter: i32,
  tol: f64,
  tau: f64,
  scratch: usize,
  f: usize,
  g: usize,
  plan: usize,
  info: usize,
): void {
  for (let k = 0; k < batch; k++) {
    const pa = a + (<usize> (k * n) << 2);
    const pb = b + (<usize> (k * m) << 2);
    const pm = M + (<usize> k * (<usize> costStride << 2));
    const pf = f + (<usize> (k * n) << 2);
    const pg = g + (<usize> (k * m) << 2);
    const pp = plan == 0 ? 0 : plan + <usize> k * (<usize> (n * m) << 2);
    const pi = info + (<usize> k << 5);
    if (method == 0) {
      sinkhornStabilized<f32>(pa, pb, pm, n, m, eps, maxIter, tol, tau, scratch, pf, pg, pp, pi);
    } else sinkhornLog<f32>(pa, pb, pm, n, m, eps, maxIter, tol, scratch, pf, pg, pp, pi);
  }
}
export function sinkhorn_f64(
  method: i32,
  a: usize,
  b: usize,
  M: usize,
  costStride: i32,
  n: i32,
  m: i32,
  batch: i32,
  eps: f64,
  maxIter: i32,
  tol: f64,
  tau: f64,
  scratch: usize,
  f: usize,
  g: usize,
  plan: usize,
  info: usize,
): void {
  for (let k = 0; k < batch; k++) {
    const pa = a + (<usize> (k * n) << 3);
    const pb = b + (<usize> (k * m) << 3);
    const pm = M + (<usize> k * (<usize> costStride << 3));
    const pf = f + (<usize> (k * n) << 3);
    const pg = g + (<usize> (k * m) << 3);
    const pp = plan == 0 ? 0 : plan + <usize> k * (<usize> (n * m) << 3);
    const pi = info + (<usize> k << 5);
    if (method == 0) {
      sinkhornStabilized<f64>(pa, pb, pm, n, m, eps, maxIter, tol, tau, scratch, pf, pg, pp, pi);
    } else sinkhornLog<f64>(pa, pb, pm, n, m, eps, maxIter, tol, scratch, pf, pg, pp, pi);
  }
}

export function first_nonfinite_f32(ptr: usize, n: i32): i32 {
  return firstNonFinite<f32>(ptr, n);
}
export function first_nonfinite_f64(ptr: usize, n: i32): i32 {
  return firstNonFinite<f64>(ptr, n);
}

/**
 * Plain TypeScript twins of the FFT kernels: an iterative radix-2 Cooley-Tukey transform in f64, the
 * reference in tests. Same layouts and scaling as ./fft.ts.
 *
 * @module
 */

/** In-place forward (or inverse, scaled by 1/n) complex FFT of planar re/im, n a power of two. */
export function fftPlanarTwin(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const angle = (sign * 2 * Math.PI * k) / len;
      const wr = Math.cos(angle);
      const wi = Math.sin(angle);
      for (let start = 0; start < n; start += len) {
        const a = start + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}

/** Complex FFT of one interleaved series; returns a new interleaved Float64Array. */
export function fftComplexTwin(input: ArrayLike<number>, inverse = false): Float64Array {
  const n = input.length / 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = input[2 * i];
    im[i] = input[2 * i + 1];
  }
  fftPlanarTwin(re, im, inverse);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = re[i];
    out[2 * i + 1] = im[i];
  }
  return out;
}

/** Real FFT of one series of n reals: n/2 + 1 interleaved bins (n + 2 values). */
export function fftRealTwin(input: ArrayLike<number>): Float64Array {
  const n = input.length;
  const re = Float64Array.from(input);
  const im = new Float64Array(n);
  fftPlanarTwin(re, im);
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    out[2 * k] = re[k];
    out[2 * k + 1] = im[k];
  }
  return out;
}

/** Inverse real FFT: n/2 + 1 interleaved bins to n reals (Hermitian symmetry assumed). */
export function ifftRealTwin(spectrum: ArrayLike<number>): Float64Array {
  const n = spectrum.length - 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k <= n / 2; k++) {
    re[k] = spectrum[2 * k];
    im[k] = k === 0 || k === n / 2 ? 0 : spectrum[2 * k + 1];
    if (k > 0 && k < n / 2) {
      re[n - k] = re[k];
      im[n - k] = -im[k];
    }
  }
  fftPlanarTwin(re, im, true);
  return re;
}

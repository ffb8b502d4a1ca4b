/**
 * The FFT the spectral methods need (spectral residual, TAMO-style spectral attention), behind one tiny
 * interface. `wasmFft` (the default) runs the AssemblyScript kernel of src/features/kernels/; `plainFft`
 * is the plain-TS radix-2 form (Cooley & Tukey 1965, iterative, in place), kept as the reference the
 * parity test compares against and for lengths below the kernel's minimum.
 */
import { FFT_MIN_SIZE, fftComplex, ifftComplex } from "../features/kernels/mod.ts";

/** In-place complex FFT over caller-owned arrays of a power-of-two length. */
export interface Fft {
  /** Forward transform when `inverse` is false; the inverse is scaled by 1/n. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void;
}

function assertPowerOfTwo(n: number): void {
  if (n < 1 || (n & (n - 1)) !== 0) {
    throw new RangeError(`Cannot run the FFT as n must be a power of two: current value is ${n}`);
  }
}

/** The plain-TS FFT. Bit-reversal permutation then butterflies; twiddles computed per stage. */
export const plainFft: Fft = {
  transform(re, im, inverse) {
    const n = re.length;
    assertPowerOfTwo(n);
    if (im.length !== n) {
      throw new RangeError(
        `Cannot run the FFT as im.length must equal re.length (${n}): current value is ${im.length}`,
      );
    }
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    const sign = inverse ? 1 : -1;
    for (let len = 2; len <= n; len <<= 1) {
      const ang = (sign * 2 * Math.PI) / len;
      const wr = Math.cos(ang);
      const wi = Math.sin(ang);
      const half = len >> 1;
      for (let i = 0; i < n; i += len) {
        let cr = 1;
        let ci = 0;
        for (let k = 0; k < half; k++) {
          const a = i + k;
          const b = a + half;
          const xr = re[b] * cr - im[b] * ci;
          const xi = re[b] * ci + im[b] * cr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
          const ncr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = ncr;
        }
      }
    }
    if (inverse) {
      for (let i = 0; i < n; i++) {
        re[i] /= n;
        im[i] /= n;
      }
    }
  },
};

/** Smallest power of two >= n (n >= 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** Interleaved scratch buffers per length, reused across calls (the hot path allocates nothing). */
const scratch = new Map<number, { io: Float64Array; out: Float64Array }>();

/** The Wasm kernel's complex FFT behind the same interface (falls back to plainFft below 8 points). */
export const wasmFft: Fft = {
  transform(re, im, inverse) {
    const n = re.length;
    assertPowerOfTwo(n);
    if (im.length !== n) {
      throw new RangeError(
        `Cannot run the FFT as im.length must equal re.length (${n}): current value is ${im.length}`,
      );
    }
    if (n < FFT_MIN_SIZE) return plainFft.transform(re, im, inverse);
    let s = scratch.get(n);
    if (!s) scratch.set(n, s = { io: new Float64Array(2 * n), out: new Float64Array(2 * n) });
    const { io, out } = s;
    for (let i = 0; i < n; i++) {
      io[2 * i] = re[i];
      io[2 * i + 1] = im[i];
    }
    (inverse ? ifftComplex : fftComplex)(io, out);
    for (let i = 0; i < n; i++) {
      re[i] = out[2 * i];
      im[i] = out[2 * i + 1];
    }
  },
};

/**
 * Fast Fourier transforms on the Wasm kernels: real and complex, forward and inverse, f32 and f64 (picked
 * by the typed-array type), sizes 2^3..2^16, many series per call.
 *
 * Layout: a complex series is interleaved [re0, im0, re1, im1, ...]; the spectrum of n reals is the n/2 + 1
 * non-negative-frequency bins, interleaved (n + 2 values). Forward is unscaled
 * (X_k = sum_j x_j e^{-2 pi i jk / n}); inverse divides by n, so inverse(forward(x)) = x.
 *
 * Batching: pass `size` (points per series) and a buffer holding several series back to back.
 *
 * @module
 */
import { align16, bytesPer, type FloatArray, kernelRuntime, precisionOf } from "./kernel_runtime.ts";

/** Smallest transform length. */
export const FFT_MIN_SIZE = 8;
/** Largest transform length. */
export const FFT_MAX_SIZE = 65536;

/** Options of the FFT calls. */
export interface FftOptions {
  /** Points per series (reals for the real transforms, complex values for the complex ones). @default all of the input */
  size?: number;
}

/** Throws a RangeError unless n is a power of two in [FFT_MIN_SIZE, FFT_MAX_SIZE]. */
export function assertFftSize(n: number, name = "size"): void {
  if (!Number.isInteger(n) || n < FFT_MIN_SIZE || n > FFT_MAX_SIZE || (n & (n - 1)) !== 0) {
    throw new RangeError(
      `Cannot run the FFT as ${name} must be a power of two in [${FFT_MIN_SIZE}, ${FFT_MAX_SIZE}]: current value is ${n}`,
    );
  }
}

function checkPair(input: FloatArray, output: FloatArray): "f32" | "f64" {
  const precision = precisionOf(input, "input");
  if (precisionOf(output, "output") !== precision) {
    throw new TypeError(
      `Cannot run the FFT as output must have the input's type (${input.constructor.name}): current value is ${output.constructor.name}`,
    );
  }
  return precision;
}

function seriesCount(length: number, per: number, name: string, unit: string): number {
  if (length === 0 || length % per !== 0) {
    throw new RangeError(
      `Cannot run the FFT as ${name}.length must be a positive multiple of ${per} (${unit}): current value is ${length}`,
    );
  }
  return length / per;
}

function checkOutput(output: FloatArray, expected: number): void {
  if (output.length !== expected) {
    throw new RangeError(
      `Cannot run the FFT as output.length must be ${expected}: current value is ${output.length}`,
    );
  }
}

/**
 * Forward FFT of real series: each series of `size` reals gives size/2 + 1 interleaved bins
 * (output.length = series * (size + 2)). Returns output.
 */
export function fftReal<T extends FloatArray>(input: T, output: T, options: FftOptions = {}): T {
  const precision = checkPair(input, output);
  const n = options.size ?? input.length;
  assertFftSize(n);
  const batch = seriesCount(input.length, n, "input", "size reals per series");
  checkOutput(output, batch * (n + 2));
  const rt = kernelRuntime();
  const plan = rt.plan(precision, n >> 1);
  const es = bytesPer(precision);
  const inBytes = align16(input.length * es);
  const outBytes = align16(output.length * es);
  const base = rt.reserve(inBytes + outBytes + 3 * n * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.fft_real_f32 : rt.exports.fft_real_f64;
  run(base, base + inBytes, n, batch, plan, base + inBytes + outBytes);
  rt.read(output, base + inBytes);
  return output;
}

/**
 * Inverse of fftReal: each series of size/2 + 1 interleaved bins gives `size` reals
 * (input.length = series * (size + 2)). The imaginary parts of bins 0 and size/2 are ignored. Returns output.
 */
export function ifftReal<T extends FloatArray>(input: T, output: T, options: FftOptions = {}): T {
  const precision = checkPair(input, output);
  const n = options.size ?? output.length;
  assertFftSize(n);
  const batch = seriesCount(input.length, n + 2, "input", "size + 2 values per spectrum");
  checkOutput(output, batch * n);
  const rt = kernelRuntime();
  const plan = rt.plan(precision, n >> 1);
  const es = bytesPer(precision);
  const inBytes = align16(input.length * es);
  const outBytes = align16(output.length * es);
  const base = rt.reserve(inBytes + outBytes + 3 * n * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.ifft_real_f32 : rt.exports.ifft_real_f64;
  run(base, base + inBytes, n, batch, plan, base + inBytes + outBytes);
  rt.read(output, base + inBytes);
  return output;
}

function complexTransform<T extends FloatArray>(
  input: T,
  output: T,
  options: FftOptions,
  inverse: boolean,
): T {
  const precision = checkPair(input, output);
  const n = options.size ?? input.length / 2;
  assertFftSize(n);
  const batch = seriesCount(input.length, 2 * n, "input", "2 * size values per series");
  checkOutput(output, input.length);
  const rt = kernelRuntime();
  const plan = rt.plan(precision, n);
  const es = bytesPer(precision);
  const ioBytes = align16(input.length * es);
  const base = rt.reserve(2 * ioBytes + 6 * n * es);
  rt.write(input, base, precision);
  const run = precision === "f32" ? rt.exports.fft_complex_f32 : rt.exports.fft_complex_f64;
  run(base, base + ioBytes, n, batch, inverse ? 1 : 0, plan, base + 2 * ioBytes);
  rt.read(output, base + ioBytes);
  return output;
}

/** Forward FFT of interleaved complex series of `size` points (2 * size values each). Returns output. */
export function fftComplex<T extends FloatArray>(input: T, output: T, options: FftOptions = {}): T {
  return complexTransform(input, output, options, false);
}

/** Inverse FFT (scaled by 1/size) of interleaved complex series. Returns output. */
export function ifftComplex<T extends FloatArray>(input: T, output: T, options: FftOptions = {}): T {
  return complexTransform(input, output, options, true);
}

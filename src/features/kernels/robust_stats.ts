/**
 * Robust statistics on the Wasm kernels, by selection (expected O(n), no sort): quantiles with linear
 * interpolation between order statistics (type 7 of Hyndman & Fan 1996, numpy's default), the median and
 * the median absolute deviation. Values are read as f64; NaN or infinite values are rejected.
 *
 * Batched forms take `series_length` and a buffer with several series back to back, and write one value
 * (or one per quantile) per series.
 *
 * @module
 */
import { align16, type KernelRuntime, kernelRuntime } from "./kernel_runtime.ts";

/** Options of the batched calls. */
export interface RobustBatchOptions {
  /** Values per series. @default all of the input */
  series_length?: number;
}

/** Options of mad() and madBatch(). */
export interface MadOptions extends RobustBatchOptions {
  /** Multiplier of the raw MAD; 1.4826 makes it a consistent estimator of a normal's sigma. @default 1 */
  scale?: number;
}

function stage(values: ArrayLike<number>, options: RobustBatchOptions, what: string, extraBytes: number) {
  const len = options.series_length ?? values.length;
  if (!Number.isInteger(len) || len < 1 || values.length % len !== 0) {
    throw new RangeError(
      `Cannot compute the ${what} as series_length must divide values.length = ${values.length} and be >= 1: current value is ${len}`,
    );
  }
  const batch = values.length / len;
  const rt = kernelRuntime();
  const dataBytes = align16(values.length * 8);
  const base = rt.reserve(dataBytes + align16(len * 8) + extraBytes);
  rt.write(values, base, "f64");
  const bad = rt.exports.first_nonfinite_f64(base, values.length);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot compute the ${what} as values must be finite: current value at index ${bad} is ${values[bad]}`,
    );
  }
  return {
    rt,
    len,
    batch,
    data: base,
    scratch: base + dataBytes,
    extra: base + dataBytes + align16(len * 8),
  };
}

function checkQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot compute the quantile as q must be in [0, 1]: current value is ${q}`);
  }
}

function checkOutput(output: Float64Array, expected: number, what: string): void {
  if (output.length !== expected) {
    throw new RangeError(
      `Cannot compute the ${what} as output.length must be ${expected}: current value is ${output.length}`,
    );
  }
}

function runQuantiles(
  rt: KernelRuntime,
  s: { len: number; batch: number; data: number; scratch: number; extra: number },
  qs: ArrayLike<number>,
  output: Float64Array,
): void {
  const qPtr = s.extra;
  const outPtr = s.extra + align16(qs.length * 8);
  rt.write(qs, qPtr, "f64");
  rt.exports.quantile_batch_f64(s.data, outPtr, s.len, s.batch, qPtr, qs.length, s.scratch);
  rt.read(output, outPtr);
}

/** The q-quantile (0 <= q <= 1) of the values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  checkQuantile(q);
  const out = scalarOut;
  quantileBatch(values, out, { quantiles: [q] });
  return out[0];
}

const scalarOut = new Float64Array(1);

/** The median of the values. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** The median absolute deviation median(|x - median(x)|), times `scale`. */
export function mad(values: ArrayLike<number>, options: MadOptions = {}): number {
  madBatch(values, scalarOut, options);
  return scalarOut[0];
}

/**
 * Quantiles of each series: output[s * quantiles.length + t] is quantile t of series s. Returns output.
 */
export function quantileBatch(
  values: ArrayLike<number>,
  output: Float64Array,
  options: RobustBatchOptions & { quantiles: ArrayLike<number> },
): Float64Array {
  const qs = options.quantiles;
  if (qs.length === 0) {
    throw new RangeError("Cannot compute the quantiles as quantiles must not be empty: current length is 0");
  }
  for (let t = 0; t < qs.length; t++) checkQuantile(qs[t]);
  const s = stage(values, options, "quantiles", align16(qs.length * 8) + align16(output.length * 8));
  checkOutput(output, s.batch * qs.length, "quantiles");
  runQuantiles(s.rt, s, qs, output);
  return output;
}

/** The median of each series into output (one per series). Returns output. */
export function medianBatch(
  values: ArrayLike<number>,
  output: Float64Array,
  options: RobustBatchOptions = {},
): Float64Array {
  return quantileBatch(values, output, { ...options, quantiles: HALF });
}

const HALF = [0.5];

/** The median absolute deviation of each series (times `scale`) into output. Returns output. */
export function madBatch(
  values: ArrayLike<number>,
  output: Float64Array,
  options: MadOptions = {},
): Float64Array {
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(
      `Cannot compute the MAD as scale must be a finite number > 0: current value is ${scale}`,
    );
  }
  const s = stage(values, options, "MAD", align16(output.length * 8));
  checkOutput(output, s.batch, "MAD");
  s.rt.exports.mad_batch_f64(s.data, s.extra, s.len, s.batch, s.scratch);
  s.rt.read(output, s.extra);
  if (scale !== 1) { for (let i = 0; i < output.length; i++) output[i] *= scale; }
  return output;
}

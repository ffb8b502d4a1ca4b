/**
 * Spectral residual saliency (Ren et al., "Time-Series Anomaly Detection Service at Microsoft", KDD 2019),
 * streaming: for each new point, the last `window - extend` points plus `extend` extrapolated points go
 * through FFT → log amplitude minus its moving average → inverse FFT with the original phase; the score
 * is the saliency of the newest real point relative to the mean saliency of the window before it.
 */
import { type Fft, wasmFft } from "./fft.ts";
import type { UnivariateModel } from "./univariate_model.ts";

export interface SpectralResidualOptions {
  /** FFT length (power of two) including the extrapolated points. @default 64 */
  window?: number;
  /** Extrapolated points appended so the newest real point is not at the edge. @default 5 */
  extend?: number;
  /** Moving-average width over the log spectrum. @default 3 */
  average?: number;
  /** Points needed before scoring. @default 16 */
  min_history?: number;
  /** FFT implementation (the Wasm kernel, or the plain-TS one). */
  fft?: Fft;
}

/** Saliency map of `x` (length a power of two), written into `out`. Scratch arrays are caller-owned. */
export function saliencyMap(
  x: Float64Array,
  out: Float64Array,
  options: {
    average?: number;
    fft?: Fft;
    scratch?: { re: Float64Array; im: Float64Array; amp: Float64Array };
  } = {},
): void {
  const n = x.length;
  const fft = options.fft ?? wasmFft;
  const q = options.average ?? 3;
  const re = options.scratch?.re ?? new Float64Array(n);
  const im = options.scratch?.im ?? new Float64Array(n);
  const amp = options.scratch?.amp ?? new Float64Array(n);
  re.set(x);
  im.fill(0);
  fft.transform(re, im, false);
  for (let i = 0; i < n; i++) amp[i] = Math.hypot(re[i], im[i]);
  // log amplitude and its centred moving average (edges use the available neighbours)
  const logA = out; // reuse out as scratch for the log amplitude
  for (let i = 0; i < n; i++) logA[i] = Math.log(amp[i] + 1e-8);
  const half = Math.floor(q / 2);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let j = i - half; j <= i + half; j++) {
      if (j >= 0 && j < n) {
        s += logA[j];
        c++;
      }
    }
    const residual = logA[i] - s / c;
    const mag = Math.exp(residual);
    const a = amp[i];
    if (a > 1e-12) {
      re[i] = (re[i] / a) * mag;
      im[i] = (im[i] / a) * mag;
    } else {
      re[i] = mag;
      im[i] = 0;
    }
  }
  fft.transform(re, im, true);
  for (let i = 0; i < n; i++) out[i] = Math.hypot(re[i], im[i]);
}

export class SpectralResidualModel implements UnivariateModel {
  readonly #n: number;
  readonly #m: number;
  readonly #avg: number;
  readonly #minHistory: number;
  readonly #fft: Fft;
  readonly #hist: Float64Array; // last n - m real points, oldest first
  #size = 0;
  readonly #buf: Float64Array;
  readonly #sal: Float64Array;
  readonly #scratch: { re: Float64Array; im: Float64Array; amp: Float64Array };

  constructor(options: SpectralResidualOptions = {}) {
    this.#n = options.window ?? 64;
    this.#m = options.extend ?? 5;
    if (this.#n < 8 || (this.#n & (this.#n - 1)) !== 0) {
      throw new RangeError(
        `Cannot create SpectralResidualModel as window must be a power of two >= 8: current value is ${this.#n}`,
      );
    }
    if (this.#m < 1 || this.#m >= this.#n / 2) {
      throw new RangeError(
        `Cannot create SpectralResidualModel as extend must be in [1, window/2): current value is ${this.#m}`,
      );
    }
    this.#avg = options.average ?? 3;
    this.#minHistory = options.min_history ?? 16;
    this.#fft = options.fft ?? wasmFft;
    this.#hist = new Float64Array(this.#n - this.#m);
    this.#buf = new Float64Array(this.#n);
    this.#sal = new Float64Array(this.#n);
    this.#scratch = {
      re: new Float64Array(this.#n),
      im: new Float64Array(this.#n),
      amp: new Float64Array(this.#n),
    };
  }

  get count(): number {
    return this.#size;
  }

  update(x: number): number {
    const cap = this.#hist.length;
    if (this.#size === cap) this.#hist.copyWithin(0, 1);
    else this.#size++;
    this.#hist[this.#size - 1] = x;
    if (this.#size < this.#minHistory) return 0;
    const real = this.#size;
    const n = this.#n;
    // Left-pad short histories with their first value so the FFT length stays fixed.
    const pad = cap - real;
    for (let i = 0; i < pad; i++) this.#buf[i] = this.#hist[0];
    for (let i = 0; i < real; i++) this.#buf[pad + i] = this.#hist[i];
    const last = cap - 1;
    // Extend with the median of the history before the newest point (its expected value under the
    // normal regime), not with the gradient extrapolation of the paper: the gradient form copies a spike
    // into the padding and so hides it, which costs the streaming (newest-point) case most.
    const prev = this.#buf.slice(pad, last).sort();
    const ext = prev.length > 0 ? prev[prev.length >> 1] : this.#buf[last];
    for (let i = cap; i < n; i++) this.#buf[i] = ext;
    saliencyMap(this.#buf, this.#sal, { average: this.#avg, fft: this.#fft, scratch: this.#scratch });
    let base = 0;
    let c = 0;
    for (let i = pad; i < last; i++) {
      base += this.#sal[i];
      c++;
    }
    base = c > 0 ? base / c : 0;
    if (!(base > 1e-12)) return 0;
    return Math.max(0, (this.#sal[last] - base) / base);
  }
}

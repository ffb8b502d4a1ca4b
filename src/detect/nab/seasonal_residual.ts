/**
 * Seasonal residual extremes: for a series with a clear period P (its {@link dominantPeriod}, estimated
 * on the history only and refreshed every `reestimate_every` points), each value is compared with the
 * median of the values one, two and three periods earlier at the same phase. The residual, averaged over
 * the last `smooth` points, is an extreme when its magnitude exceeds every one seen since the period was
 * found by more than a factor `1 + tolerance`. This sees what a level-based detector cannot: a cycle that
 * is late, skipped or shifted while every value stays inside the usual range (a missing daily jump, a
 * holiday in weekly traffic).
 *
 * Series with no clear period score 0 throughout. Streaming, no look-ahead; O(1) per point plus one
 * O(L log L) autocorrelation every `reestimate_every` points (L = the `history` kept).
 */
import { dominantPeriod } from "./dominant_period.ts";

export interface SeasonalResidualOptions {
  /** Points of history kept for the period estimate and the seasonal reference. @default 4096 */
  history?: number;
  /** Points between period estimates. @default 512 */
  reestimate_every?: number;
  /** Relative margin beyond the largest residual seen (0.2 = 20 % above). @default 0.2 */
  tolerance?: number;
  /** Residuals averaged, as a share of the period (at least 1 point). @default 0.03 */
  smooth_share?: number;
  /** Lowest autocorrelation that counts as a clear period. @default 0.5 */
  min_acf?: number;
  /**
   * A residual counts only above this multiple of the mean residual magnitude as well: Gaussian noise
   * sets a new maximum now and then however long the history, but seldom at 6 times its mean. @default 6
   */
  noise_factor?: number;
}

/** Cycles back used as the seasonal reference. */
const CYCLES = 3;

export class SeasonalResidual {
  readonly #buf: Float64Array;
  readonly #every: number;
  readonly #tol: number;
  readonly #noiseFactor: number;
  readonly #smoothShare: number;
  readonly #minAcf: number;
  #n = 0;
  #period = 0;
  /** Points since the period was set. */
  #age = 0;
  #smooth = 1;
  #resid: Float64Array = new Float64Array(1);
  #residSum = 0;
  #max = 0;
  /** Sum of the magnitudes that have joined #max, for their mean. */
  #sumAbs = 0;
  /** The last `smooth` magnitudes, not yet in #max: a residual that ramps up over the smoothing span
   * is compared with the largest one before the ramp, not with its own rising edge. */
  #pending: Float64Array = new Float64Array(1);

  constructor(options: SeasonalResidualOptions = {}) {
    const history = options.history ?? 4096;
    if (!Number.isInteger(history) || history < 64) {
      throw new RangeError(
        `Cannot create a SeasonalResidual as history must be an integer >= 64: current value is ${history}`,
      );
    }
    this.#buf = new Float64Array(history);
    this.#every = options.reestimate_every ?? 512;
    this.#tol = options.tolerance ?? 0.2;
    this.#noiseFactor = options.noise_factor ?? 6;
    this.#smoothShare = options.smooth_share ?? 0.03;
    this.#minAcf = options.min_acf ?? 0.5;
  }

  /** The period in use, in points; 0 while none is clear. */
  get period(): number {
    return this.#period;
  }

  /** Scores `value` (finite): 1 when its smoothed seasonal residual is a new extreme, else 0. */
  update(value: number): number {
    const cap = this.#buf.length;
    if (this.#n > 0 && this.#n % this.#every === 0) this.#estimate();
    let score = 0;
    const p = this.#period;
    if (p > 0) {
      const at = (k: number) => this.#buf[(this.#n - k * p) % cap];
      const a = at(1), b = at(2), c = at(3);
      const ref = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
      const r = value - ref;
      const slot = this.#age % this.#smooth;
      this.#residSum += r - this.#resid[slot];
      this.#resid[slot] = r;
      this.#age++;
      if (this.#age >= this.#smooth) {
        const m = Math.abs(this.#residSum / this.#smooth);
        const floor = this.#noiseFactor * this.#sumAbs / Math.max(1, this.#age - this.#smooth);
        if (this.#age > p && m > this.#max * (1 + this.#tol) && m > floor) score = 1;
        const old = this.#pending[slot];
        if (old > this.#max) this.#max = old;
        this.#sumAbs += old;
        this.#pending[slot] = m;
      }
    }
    this.#buf[this.#n % cap] = value;
    this.#n++;
    return score;
  }

  #estimate(): void {
    const cap = this.#buf.length;
    const len = Math.min(this.#n, cap);
    const hist = new Float64Array(len);
    for (let i = 0; i < len; i++) hist[i] = this.#buf[(this.#n - len + i) % cap];
    const found = dominantPeriod(hist, {
      min_acf: this.#minAcf,
      max_lag: Math.floor(Math.min(len / 4, cap / (CYCLES + 1))),
    });
    const lag = found?.lag ?? 0;
    if (lag === this.#period || (lag > 0 && Math.abs(lag - this.#period) <= 0.02 * this.#period)) return;
    this.#period = lag;
    this.#age = 0;
    this.#max = 0;
    this.#sumAbs = 0;
    this.#smooth = Math.max(1, Math.round(this.#smoothShare * lag));
    this.#resid = new Float64Array(this.#smooth);
    this.#pending = new Float64Array(this.#smooth);
    this.#residSum = 0;
  }
}

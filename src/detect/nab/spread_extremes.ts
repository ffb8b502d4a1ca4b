/**
 * Spread extremes: the local volatility of a series (the mean absolute step |x_t − x_{t−1}| over the last
 * `window` points) compared with every local volatility seen before. A volatility above the highest, or
 * below the lowest, by more than a factor `1 + tolerance` is new: a burst of noise, or a series stuck at
 * one value (volatility 0) that never stood still that long before. Changes of this kind may stay inside
 * the series' usual range, where level-based detectors see nothing.
 *
 * Volatilities are compared on a log scale, with a floor of `floor` × the running range so that a
 * constant series (or a constant start) is not an extreme of "infinitely less" movement. Streaming, no
 * look-ahead, O(1) per point.
 */

export interface SpreadExtremesOptions {
  /** Points whose absolute steps are averaged. @default 48 */
  window?: number;
  /** Relative margin beyond the seen extremes (0.5 = 50 % above the highest). @default 0.5 */
  tolerance?: number;
  /** Points seen before an extreme counts. @default 300 */
  warmup?: number;
  /** Volatility floor, as a share of the running range. @default 0.001 */
  floor?: number;
  /** Report low-volatility extremes (stuck values) as well as high ones. @default true */
  low?: boolean;
}

export class SpreadExtremes {
  readonly #window: number;
  readonly #logTol: number;
  readonly #warmup: number;
  readonly #floor: number;
  readonly #low: boolean;
  readonly #steps: Float64Array;
  #sum = 0;
  #prev = NaN;
  #n = 0;
  #min = Infinity;
  #max = -Infinity;
  #lo = Infinity;
  #hi = -Infinity;
  /** The last `window` log-volatilities, not yet in [#lo, #hi]: a volatility that ramps up (or down) as
   * the window slides is compared with the extremes before the ramp, not with its own edge. */
  readonly #pending: Float64Array;

  constructor(options: SpreadExtremesOptions = {}) {
    this.#window = options.window ?? 48;
    if (!Number.isInteger(this.#window) || this.#window < 2) {
      throw new RangeError(
        `Cannot create a SpreadExtremes as window must be an integer >= 2: current value is ${this.#window}`,
      );
    }
    const tol = options.tolerance ?? 0.5;
    if (!(tol >= 0)) {
      throw new RangeError(
        `Cannot create a SpreadExtremes as tolerance must be >= 0: current value is ${tol}`,
      );
    }
    this.#logTol = Math.log1p(tol);
    this.#warmup = options.warmup ?? 300;
    this.#floor = options.floor ?? 0.001;
    this.#low = options.low ?? true;
    this.#steps = new Float64Array(this.#window);
    this.#pending = new Float64Array(this.#window).fill(NaN);
  }

  /** Scores `value` (finite): 1 when the local volatility is a new extreme, else 0; then learns it. */
  update(value: number): number {
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    const step = Number.isNaN(this.#prev) ? 0 : Math.abs(value - this.#prev);
    this.#prev = value;
    const slot = this.#n % this.#window;
    this.#sum += step - this.#steps[slot];
    this.#steps[slot] = step;
    this.#n++;
    const range = this.#max - this.#min;
    if (this.#n <= this.#window || !(range > 0)) return 0;
    const u = Math.log(Math.max(0, this.#sum) / this.#window + this.#floor * range);
    let score = 0;
    if (this.#n > this.#warmup) {
      if (u > this.#hi + this.#logTol || (this.#low && u < this.#lo - this.#logTol)) score = 1;
    }
    const old = this.#pending[slot];
    if (old < this.#lo) this.#lo = old;
    if (old > this.#hi) this.#hi = old;
    this.#pending[slot] = u;
    return score;
  }
}

/**
 * Recent level extremes: the level of a series (its mean over the last `smooth` points) is compared with
 * the range of the levels of the `span` points before the smoothing window. A level beyond that recent
 * range by more than `tolerance` times its width is a shift that all-time extremes miss when the series
 * once passed through the new level (a start-up transient, an early incident) and that shape novelty
 * misses for the same reason. Quiet series (narrow recent range) shift visibly; noisy or spiky series
 * (wide recent range, spikes diluted by the smoothing) do not.
 *
 * Streaming, no look-ahead; O(1) amortised per point (monotonic deques for the sliding minimum and
 * maximum).
 */

export interface RecentLevelExtremesOptions {
  /** Points averaged into the level. @default 12 */
  smooth?: number;
  /** Points of earlier levels forming the recent range. @default 1000 */
  span?: number;
  /** Margin beyond the recent range, in units of its width. @default 1 */
  tolerance?: number;
}

export class RecentLevelExtremes {
  readonly #smooth: number;
  readonly #span: number;
  readonly #tol: number;
  readonly #values: Float64Array;
  #sum = 0;
  /** Levels by index, kept for the last smooth + span points. */
  readonly #levels: Float64Array;
  /** Indices of levels, with increasing (min deque) and decreasing (max deque) values. */
  readonly #minQ: Int32Array;
  readonly #maxQ: Int32Array;
  #minHead = 0;
  #minTail = 0;
  #maxHead = 0;
  #maxTail = 0;
  #n = 0;

  constructor(options: RecentLevelExtremesOptions = {}) {
    this.#smooth = options.smooth ?? 12;
    this.#span = options.span ?? 1000;
    this.#tol = options.tolerance ?? 1;
    for (const [name, v] of [["smooth", this.#smooth], ["span", this.#span]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(
          `Cannot create a RecentLevelExtremes as ${name} must be an integer >= 1: current value is ${v}`,
        );
      }
    }
    if (!(this.#tol >= 0)) {
      throw new RangeError(
        `Cannot create a RecentLevelExtremes as tolerance must be >= 0: current value is ${this.#tol}`,
      );
    }
    this.#values = new Float64Array(this.#smooth);
    const cap = this.#smooth + this.#span + 1;
    this.#levels = new Float64Array(cap);
    this.#minQ = new Int32Array(cap);
    this.#maxQ = new Int32Array(cap);
  }

  /** Scores `value` (finite): 1 when the level leaves the recent range by the margin, else 0. */
  update(value: number): number {
    const s = this.#smooth, cap = this.#levels.length;
    const slot = this.#n % s;
    this.#sum += value - this.#values[slot];
    this.#values[slot] = value;
    const i = this.#n++;
    const level = this.#sum / Math.min(this.#n, s);
    this.#levels[i % cap] = level;
    // the level that has just left the smoothing window joins the recent range
    const j = i - s;
    if (j >= 0) {
      const lj = this.#levels[j % cap];
      while (
        this.#minTail > this.#minHead && this.#levels[this.#minQ[(this.#minTail - 1) % cap] % cap] >= lj
      ) {
        this.#minTail--;
      }
      this.#minQ[this.#minTail++ % cap] = j;
      while (
        this.#maxTail > this.#maxHead && this.#levels[this.#maxQ[(this.#maxTail - 1) % cap] % cap] <= lj
      ) {
        this.#maxTail--;
      }
      this.#maxQ[this.#maxTail++ % cap] = j;
    }
    const oldest = i - s - this.#span;
    while (this.#minTail > this.#minHead && this.#minQ[this.#minHead % cap] <= oldest) this.#minHead++;
    while (this.#maxTail > this.#maxHead && this.#maxQ[this.#maxHead % cap] <= oldest) this.#maxHead++;
    if (i < s + this.#span) return 0;
    const lo = this.#levels[this.#minQ[this.#minHead % cap] % cap];
    const hi = this.#levels[this.#maxQ[this.#maxHead % cap] % cap];
    const margin = this.#tol * (hi - lo);
    return level > hi + margin || level < lo - margin ? 1 : 0;
  }
}

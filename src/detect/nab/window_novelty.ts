/**
 * Window novelty, after the idea of ARTime (Hampton, NAB 2021: adaptive-resonance categories of recent
 * windows): the series is smoothed by a running mean over `stride` points, the last `dims` smoothed
 * values, `spacing` points apart, form one vector, and that vector is matched against prototypes of the
 * vectors seen so far. With the default spacing of 1 the vector is a smoothed level plus its local slope
 * (on NAB this beats spacing = stride, a true window shape); larger spacings describe longer shapes.
 * The raw score is the mean absolute distance to the nearest prototype in units of the running range
 * (max − min of every value seen). A vector farther than `vigilance` from every prototype becomes a new
 * prototype, so a state is novel once, however often it recurs; a series that keeps to states it has
 * held (periodic, noisy inside its range, drifting inside its range) scores near 0.
 *
 * Streaming, no look-ahead; O(prototypes · dims) per point. The prototype set is capped at
 * `max_prototypes`, beyond which the least recently matched one is replaced.
 */

export interface WindowNoveltyOptions {
  /** Block means per vector. @default 4 */
  dims?: number;
  /** Points averaged into one block mean. @default 3 */
  stride?: number;
  /** Distance (share of the running range) beyond which a vector is a new prototype. @default 0.07 */
  vigilance?: number;
  /** Prototypes kept. @default 1000 */
  max_prototypes?: number;
  /** Points between consecutive block means of a vector. @default 1 */
  spacing?: number;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(
      `Cannot create a WindowNovelty as ${name} must be an integer >= 1: current value is ${v}`,
    );
  }
  return v;
}

export class WindowNovelty {
  readonly #dims: number;
  readonly #stride: number;
  readonly #vigilance: number;
  readonly #protos: Float64Array;
  readonly #lastUsed: Float64Array;
  readonly #vec: Float64Array;
  /** The last `stride` values, for the running block mean. */
  readonly #block: Float64Array;
  #blockSum = 0;
  readonly #spacing: number;
  /** Running block means, last (dims - 1) · spacing + 1 of them. */
  readonly #means: Float64Array;
  #count = 0;
  #n = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(options: WindowNoveltyOptions = {}) {
    this.#dims = positiveInt("dims", options.dims ?? 4);
    this.#stride = positiveInt("stride", options.stride ?? 3);
    const cap = positiveInt("max_prototypes", options.max_prototypes ?? 1000);
    this.#vigilance = options.vigilance ?? 0.07;
    if (!(this.#vigilance > 0)) {
      throw new RangeError(
        `Cannot create a WindowNovelty as vigilance must be > 0: current value is ${this.#vigilance}`,
      );
    }
    this.#protos = new Float64Array(cap * this.#dims);
    this.#lastUsed = new Float64Array(cap);
    this.#vec = new Float64Array(this.#dims);
    this.#block = new Float64Array(this.#stride);
    this.#spacing = positiveInt("spacing", options.spacing ?? 1);
    this.#means = new Float64Array((this.#dims - 1) * this.#spacing + 1);
  }

  /** The novelty threshold, in range units. */
  get vigilance(): number {
    return this.#vigilance;
  }

  /**
   * Scores the window ending at `value` (finite) against the known shapes, then learns it. Returns the
   * distance to the nearest prototype in units of the running range, in [0, 1]; 0 while the first
   * window fills or while the series has been constant.
   */
  update(value: number): number {
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    const slot = this.#n % this.#stride;
    this.#blockSum += value - this.#block[slot];
    this.#block[slot] = value;
    this.#n++;
    const d = this.#dims, v = this.#vec, p = this.#protos;
    const m = this.#means, len = m.length;
    m[this.#n % len] = this.#blockSum / Math.min(this.#n, this.#stride);
    if (this.#n < len + this.#stride) return 0;
    for (let j = 0; j < d; j++) v[j] = m[(this.#n - (d - 1 - j) * this.#spacing) % len];
    const range = this.#max - this.#min;
    if (!(range > 0)) return 0;

    let best = Infinity, bestK = -1;
    for (let k = 0, o = 0; k < this.#count; k++, o += d) {
      let s = 0;
      for (let j = 0; j < d && s < best; j++) s += Math.abs(v[j] - p[o + j]);
      if (s < best) {
        best = s;
        bestK = k;
      }
    }
    const dist = bestK < 0 ? 1 : Math.min(1, best / d / range);
    if (dist > this.#vigilance) this.#learn();
    else this.#lastUsed[bestK] = this.#n;
    return dist;
  }

  #learn(): void {
    const cap = this.#lastUsed.length;
    let slot = this.#count;
    if (slot < cap) this.#count++;
    else {
      slot = 0;
      for (let k = 1; k < cap; k++) if (this.#lastUsed[k] < this.#lastUsed[slot]) slot = k;
    }
    this.#protos.set(this.#vec, slot * this.#dims);
    this.#lastUsed[slot] = this.#n;
  }
}

/**
 * DDSketch: a mergeable quantile sketch with relative-error guarantees (Masson, Rim, Lee, "DDSketch: A Fast
 * and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019).
 *
 * A positive value v falls in bin k = ceil(log_γ v) with γ = (1 + α) / (1 − α); the bin's representative
 * 2γ^k / (γ + 1) is within α of every value in it, so any quantile is within relative error α of the exact
 * value of the same rank. Bins are a dense Uint32Array window [offset, offset + length) that grows on
 * demand and is capped at `max_bins` by collapsing the lowest bins into one (so only the lowest quantiles
 * can lose accuracy, and only when the data spans more than γ^max_bins ≈ 4·10⁶× at α = 1 %, 768 bins).
 * Merging adds bins; the collapse threshold only rises, so merge results do not depend on merge order.
 * State: ≤ 3 KiB of bins + a few numbers, within the 4 KiB-per-series budget.
 */

export interface DDSketchJson {
  /** count, sum, min, max, zero-bin count, offset of b[0], bin counts */
  n: number;
  s: number;
  mn: number;
  mx: number;
  z: number;
  o: number;
  b: number[];
}

export interface DDSketchOptions {
  /** Relative accuracy α. @default 0.01 */
  relative_accuracy?: number;
  /** Maximum number of bins before the lowest are collapsed. @default 768 */
  max_bins?: number;
  /** Values at or below this go to the zero bin. @default 1e-9 */
  min_value?: number;
}

export class DDSketch {
  readonly relative_accuracy: number;
  readonly max_bins: number;
  readonly min_value: number;
  readonly #gamma: number;
  readonly #invLogGamma: number;
  #bins: Uint32Array = new Uint32Array(0);
  #offset = 0;
  /** Number of used bins from #offset (the rest of #bins is slack). */
  #used = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  zero = 0;

  constructor(options: DDSketchOptions = {}) {
    const a = options.relative_accuracy ?? 0.01;
    if (!(a > 0 && a < 1)) {
      throw new RangeError(
        `Cannot create DDSketch as relative_accuracy must be in (0, 1): current value is ${a}`,
      );
    }
    this.relative_accuracy = a;
    this.max_bins = options.max_bins ?? 768;
    if (!(this.max_bins >= 2)) {
      throw new RangeError(
        `Cannot create DDSketch as max_bins must be >= 2: current value is ${this.max_bins}`,
      );
    }
    this.min_value = options.min_value ?? 1e-9;
    this.#gamma = (1 + a) / (1 - a);
    this.#invLogGamma = 1 / Math.log(this.#gamma);
  }

  /** Adds `weight` occurrences of a value (negative values are counted in the zero bin). */
  add(value: number, weight = 1): void {
    this.count += weight;
    this.sum += value * weight;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= this.min_value) {
      this.zero += weight;
      return;
    }
    this.#addKey(Math.ceil(Math.log(value) * this.#invLogGamma), weight);
  }

  #addKey(key: number, weight: number): void {
    if (this.#used === 0) {
      if (this.#bins.length === 0) this.#bins = new Uint32Array(32);
      this.#offset = key - 8;
      this.#used = 1;
      this.#bins.fill(0);
    }
    let i = key - this.#offset;
    if (i < 0 || i >= this.#used) {
      this.#extend(key);
      i = key - this.#offset;
      if (i < 0) i = 0; // collapsed into the lowest bin
    }
    this.#bins[i] += weight;
  }

  /** Makes the window cover `key` (or collapses the low end when that would exceed max_bins). */
  #extend(key: number): void {
    const lo = Math.min(this.#offset, key);
    let hi = Math.max(this.#offset + this.#used - 1, key);
    let newLo = lo;
    if (hi - lo + 1 > this.max_bins) newLo = hi - this.max_bins + 1;
    const need = hi - newLo + 1;
    let bins = this.#bins;
    if (need > bins.length || newLo !== this.#offset) {
      const cap = Math.min(this.max_bins, Math.max(need + 16, bins.length));
      const next = new Uint32Array(Math.max(cap, need));
      for (let j = 0; j < this.#used; j++) {
        const c = bins[j];
        if (c === 0) continue;
        const k = this.#offset + j;
        next[(k < newLo ? newLo : k) - newLo] += c;
      }
      bins = next;
    }
    this.#bins = bins;
    this.#offset = newLo;
    hi = Math.max(hi, newLo);
    this.#used = hi - newLo + 1;
  }

  /** Adds another sketch's contents (same relative accuracy). Exact: the result equals one sketch of all data. */
  merge(other: DDSketch): void {
    if (other.relative_accuracy !== this.relative_accuracy) {
      throw new RangeError(
        `Cannot merge DDSketch as relative_accuracy differs: current value is ${other.relative_accuracy}, expected ${this.relative_accuracy}`,
      );
    }
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    this.zero += other.zero;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    const ob = other.#bins;
    if (other.#used > 0) {
      this.#addKey(other.#offset + other.#used - 1, 0);
      this.#addKey(other.#offset, 0);
    }
    for (let j = 0; j < other.#used; j++) if (ob[j] !== 0) this.#addKey(other.#offset + j, ob[j]);
  }

  /** The q-quantile (0 ≤ q ≤ 1) of the lower rank ⌊q·(n−1)⌋; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (!(q >= 0 && q <= 1)) {
      throw new RangeError(`Cannot compute quantile as q must be in [0, 1]: current value is ${q}`);
    }
    const rank = Math.floor(q * (this.count - 1));
    if (rank === 0) return this.min;
    if (rank >= this.count - 1) return this.max;
    if (rank < this.zero) return Math.min(Math.max(0, this.min), this.min_value);
    let cum = this.zero;
    for (let j = 0; j < this.#used; j++) {
      cum += this.#bins[j];
      if (cum > rank) {
        const v = (2 * Math.pow(this.#gamma, this.#offset + j)) / (this.#gamma + 1);
        return Math.min(Math.max(v, this.min), this.max);
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** Approximate heap bytes of this sketch's state. */
  get byte_size(): number {
    return this.#bins.byteLength + 96;
  }

  toJSON(): DDSketchJson {
    let a = 0, b = this.#used;
    while (a < b && this.#bins[a] === 0) a++;
    while (b > a && this.#bins[b - 1] === 0) b--;
    return {
      n: this.count,
      s: this.sum,
      mn: this.count ? this.min : 0,
      mx: this.count ? this.max : 0,
      z: this.zero,
      o: this.#offset + a,
      b: Array.from(this.#bins.subarray(a, b)),
    };
  }

  static fromJSON(json: DDSketchJson, options: DDSketchOptions = {}): DDSketch {
    const s = new DDSketch(options);
    if (json.b.length > 0) {
      s.#addKey(json.o + json.b.length - 1, 0);
      s.#addKey(json.o, 0);
      for (let j = 0; j < json.b.length; j++) if (json.b[j] !== 0) s.#addKey(json.o + j, json.b[j]);
    }
    s.count = json.n;
    s.sum = json.s;
    s.zero = json.z;
    s.min = json.n ? json.mn : Infinity;
    s.max = json.n ? json.mx : -Infinity;
    return s;
  }
}

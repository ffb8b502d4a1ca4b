/**
 * DDSketch: a mergeable quantile sketch with relative-error guarantees (Masson, Rim, Lee, "DDSketch: A Fast
 * and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees", VLDB 2019).
 *
 * A positive value v falls in bin k = ceil(log_γ v) with γ = (1 + α) / (1 − α); the bin's representative
 * 2γ^k / (γ + 1) is within α of every value in it, so any quantile is within relative error α of the exact
 * value of the same rank. Up to 8 distinct bins are kept in two small arrays; past that, bins are a dense
 * Uint32Array window [offset, offset + length) that grows on demand and is capped at `max_bins` by
 * collapsing the lowest bins into one (so only the lowest quantiles can lose accuracy, and only when the
 * data spans more than γ^max_bins ≈ 4·10⁶× at α = 1 %, 768 bins).
 *
 * Allocation: the dense store is sized once from the range already known (the sparse keys when a sketch
 * outgrows them, the first and last key when one is decoded), with twice that range as capacity and the
 * slack split on both sides, since latencies spread both ways; it then grows by doubling. Copies on
 * growth are block copies unless bins collapse. (Sizing from the known range instead of growing key by
 * key halved the sketch share of a feature worker's profile; the bins stay within `max_bins`.)
 * Merging adds bins; the collapse threshold only rises, so merge results do not depend on merge order.
 * State: ≤ 3 KiB of bins + a few numbers, within the 4 KiB-per-series budget.
 */

export interface DDSketchJson {
  /** count, sum, min, max, zero-bin count; bin indexes (ascending) and their counts (non-zero bins only) */
  n: number;
  s: number;
  mn: number;
  mx: number;
  z: number;
  k: number[];
  c: number[];
}

/** Sketches with at most this many distinct bins stay in two small arrays (most per-message partials). */
const SPARSE_MAX = 8;
/** Smallest dense store, in bins (256 bytes). */
const DENSE_MIN = 64;

export interface DDSketchOptions {
  /** Relative accuracy α. @default 0.01 */
  relative_accuracy?: number;
  /** Maximum number of bins before the lowest are collapsed. @default 768 */
  max_bins?: number;
  /** Values at or below this go to the zero bin. @default 1e-9 */
  min_value?: number;
}

const GAMMA_1PCT = 1.01 / 0.99;
const INV_LOG_GAMMA_1PCT = 1 / Math.log(GAMMA_1PCT);
/** The dense store of every sketch still in sparse mode (never written: length 0). */
const NO_BINS = new Uint32Array(0);

export class DDSketch {
  readonly relative_accuracy: number;
  readonly max_bins: number;
  readonly min_value: number;
  readonly #gamma: number;
  readonly #invLogGamma: number;
  #bins: Uint32Array = NO_BINS;
  /** Bin index of #bins[0]. */
  #offset = 0;
  /** Smallest and largest bin index holding data (after collapsing). */
  #minKey = Infinity;
  #maxKey = -Infinity;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  zero = 0;

  constructor(options?: DDSketchOptions) {
    if (options === undefined) { // the common case, kept cheap: workers create one sketch per series and message
      this.relative_accuracy = 0.01;
      this.max_bins = 768;
      this.min_value = 1e-9;
      this.#gamma = GAMMA_1PCT;
      this.#invLogGamma = INV_LOG_GAMMA_1PCT;
      return;
    }
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
    if (a === 0.01) {
      this.#gamma = GAMMA_1PCT;
      this.#invLogGamma = INV_LOG_GAMMA_1PCT;
    } else {
      this.#gamma = (1 + a) / (1 - a);
      this.#invLogGamma = 1 / Math.log(this.#gamma);
    }
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
    // (+ 0: a value just below 1 gives ceil(-0.x) = -0, which must be the same key as 0 everywhere)
    this.#addKey(Math.ceil(Math.log(value) * this.#invLogGamma) + 0, weight);
  }

  /** Sparse mode (while #bins is empty): keys and counts, unsorted. */
  #sk: number[] = [];
  #sc: number[] = [];

  #addKey(key: number, weight: number): void {
    if (this.#bins.length === 0) {
      const sk = this.#sk;
      for (let i = 0; i < sk.length; i++) {
        if (sk[i] === key) {
          this.#sc[i] += weight;
          return;
        }
      }
      if (sk.length < SPARSE_MAX) {
        sk.push(key);
        this.#sc.push(weight);
        return;
      }
      this.#densify(key, key);
    }
    if (key > this.#maxKey || key < this.#minKey) this.#grow(key);
    const floor = this.#maxKey - this.max_bins + 1;
    this.#bins[(key < floor ? floor : key) - this.#offset] += weight;
  }

  /** Switches to the dense store, covering the sparse keys and [lo, hi]. */
  #densify(lo: number, hi: number): void {
    const sk = this.#sk, sc = this.#sc;
    this.#sk = [];
    this.#sc = [];
    for (let i = 0; i < sk.length; i++) {
      if (sk[i] < lo) lo = sk[i];
      if (sk[i] > hi) hi = sk[i];
    }
    this.#alloc(lo, hi);
    for (let i = 0; i < sk.length; i++) this.#addKey(sk[i], sc[i]);
  }

  /**
   * A new, empty dense store covering [lo, hi] (keys below hi − max_bins + 1 collapse into that bin), of
   * twice the range's size, the slack split on both sides. Only for a sketch without dense bins yet.
   */
  #alloc(lo: number, hi: number): void {
    const floor = hi - this.max_bins + 1;
    if (lo < floor) lo = floor;
    const need = hi - lo + 1;
    const cap = Math.min(this.max_bins, Math.max(DENSE_MIN, 2 * need));
    const off = lo - ((cap - need) >> 1);
    this.#bins = new Uint32Array(cap);
    // (off < floor only leaves slots unused: keys below the floor are stored in the floor's bin)
    this.#offset = off;
    this.#minKey = lo;
    this.#maxKey = hi;
  }

  /** Non-zero bins as ascending [key, count] arrays, collapsed as the dense store would. */
  #pairs(): [number[], number[]] {
    if (this.#bins.length === 0) {
      // ≤ SPARSE_MAX distinct keys: insertion sort, clamping keys below the collapse floor to it
      const sk = this.#sk, sc = this.#sc;
      let hi = -Infinity;
      for (let i = 0; i < sk.length; i++) if (sk[i] > hi) hi = sk[i];
      const floor = hi - this.max_bins + 1;
      const keys: number[] = [], counts: number[] = [];
      for (let i = 0; i < sk.length; i++) {
        const k = sk[i] < floor ? floor : sk[i];
        let j = keys.length;
        while (j > 0 && keys[j - 1] > k) j--;
        if (j > 0 && keys[j - 1] === k) counts[j - 1] += sc[i];
        else {
          keys.splice(j, 0, k);
          counts.splice(j, 0, sc[i]);
        }
      }
      return [keys, counts];
    }
    const keys: number[] = [], counts: number[] = [];
    const b = this.#bins, off = this.#offset;
    for (let j = this.#minKey - off, end = this.#maxKey - off; j <= end; j++) {
      if (b[j] !== 0) {
        keys.push(off + j);
        counts.push(b[j]);
      }
    }
    return [keys, counts];
  }

  /**
   * Makes the store cover `key`. Keys below maxKey − max_bins + 1 collapse into that bin; the threshold
   * only depends on the largest key, so collapsing commutes with merging. Capacity doubles, with the
   * slack on the side that grew.
   */
  #grow(key: number): void {
    const hi = Math.max(this.#maxKey, key);
    const floor = hi - this.max_bins + 1;
    const lo = Math.max(Math.min(this.#minKey, key), floor);
    const bins = this.#bins;
    const off = this.#offset;
    if (bins.length > 0 && lo >= off && hi < off + bins.length && this.#minKey >= floor) {
      this.#minKey = lo;
      this.#maxKey = hi;
      return;
    }
    const need = hi - lo + 1;
    const cap = Math.min(this.max_bins, Math.max(bins.length * 2, need + 32, 64));
    let next = key < this.#minKey ? hi - cap + 1 : lo;
    if (next > lo) next = lo;
    if (next < floor) next = floor;
    const out = new Uint32Array(cap);
    if (bins.length > 0) {
      // the data of the old store, [minKey, maxKey], is inside the new one: a block copy, unless some of it
      // is now below the floor and collapses into the floor's bin
      if (this.#minKey >= floor) {
        out.set(bins.subarray(this.#minKey - off, this.#maxKey - off + 1), this.#minKey - next);
      } else {
        for (let j = this.#minKey - off, end = this.#maxKey - off; j <= end; j++) {
          const c = bins[j];
          if (c === 0) continue;
          const k = off + j;
          out[(k < floor ? floor : k) - next] += c;
        }
      }
    }
    this.#bins = out;
    this.#offset = next;
    this.#minKey = lo;
    this.#maxKey = hi;
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
    if (ob.length === 0) {
      for (let i = 0; i < other.#sk.length; i++) this.#addKey(other.#sk[i], other.#sc[i]);
      return;
    }
    if (this.#bins.length === 0) this.#densify(other.#minKey, other.#maxKey);
    else {
      this.#addKey(other.#maxKey, 0);
      this.#addKey(other.#minKey, 0);
    }
    // (its bins outside [minKey, maxKey] are the allocation's slack: all zero)
    for (let j = other.#minKey - other.#offset, end = other.#maxKey - other.#offset; j <= end; j++) {
      if (ob[j] !== 0) this.#addKey(other.#offset + j, ob[j]);
    }
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
    const at = (key: number) =>
      Math.min(Math.max((2 * Math.pow(this.#gamma, key)) / (this.#gamma + 1), this.min), this.max);
    const b = this.#bins;
    if (b.length > 0) {
      const off = this.#offset;
      for (let j = this.#minKey - off, end = this.#maxKey - off; j <= end; j++) {
        cum += b[j];
        if (cum > rank) return at(off + j);
      }
      return this.max;
    }
    const [keys, counts] = this.#pairs();
    for (let j = 0; j < keys.length; j++) {
      cum += counts[j];
      if (cum > rank) return at(keys[j]);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** Approximate heap bytes of this sketch's state. */
  get byte_size(): number {
    return this.#bins.byteLength + this.#sk.length * 16 + 96;
  }

  /** Non-zero bins as ascending keys and their counts (fresh arrays). */
  bins(): [number[], number[]] {
    return this.#pairs();
  }

  toJSON(): DDSketchJson {
    const [k, c] = this.#pairs();
    return {
      n: this.count,
      s: this.sum,
      mn: this.count ? this.min : 0,
      mx: this.count ? this.max : 0,
      z: this.zero,
      k,
      c,
    };
  }

  static fromJSON(json: DDSketchJson, options?: DDSketchOptions): DDSketch {
    const s = new DDSketch(options);
    const { k, c } = json;
    // keys ascending: one store for the whole range (unsorted keys would still be placed right, by growing)
    if (k.length > SPARSE_MAX) s.#alloc(Math.min(k[0], k[k.length - 1]), Math.max(k[0], k[k.length - 1]));
    for (let j = 0; j < k.length; j++) s.#addKey(k[j], c[j]);
    s.count = json.n;
    s.sum = json.s;
    s.zero = json.z;
    s.min = json.n ? json.mn : Infinity;
    s.max = json.n ? json.mx : -Infinity;
    return s;
  }
}

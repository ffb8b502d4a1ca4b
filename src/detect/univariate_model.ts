/**
 * A streaming univariate scorer: the building block of most detectors. One instance per (service,
 * indicator). `update` returns the raw anomaly score of the new point against the history before it
 * (no look-ahead) and then folds the point into the history.
 */
export interface UnivariateModel {
  /** Scores `x` (finite) then learns it. Returns 0 while fewer than the model's warm-up points were seen. */
  update(x: number): number;
  /** Points learned so far (saturates at the window length for windowed models). */
  readonly count: number;
}

/**
 * A fixed-capacity sliding window that also keeps its values sorted, for O(log n + n) median/quantile
 * maintenance without re-sorting. Insertion/removal by binary search and copyWithin.
 */
export class SortedWindow {
  readonly #ring: Float64Array;
  readonly #sorted: Float64Array;
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create a SortedWindow as capacity must be an integer >= 1: current value is ${capacity}`,
      );
    }
    this.#ring = new Float64Array(capacity);
    this.#sorted = new Float64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(x: number): void {
    const cap = this.#ring.length;
    if (this.#size === cap) {
      const old = this.#ring[this.#head];
      const i = this.#lowerBound(old);
      this.#sorted.copyWithin(i, i + 1, this.#size);
      this.#size--;
    }
    this.#ring[this.#head] = x;
    this.#head = (this.#head + 1) % cap;
    const j = this.#lowerBound(x);
    this.#sorted.copyWithin(j + 1, j, this.#size);
    this.#sorted[j] = x;
    this.#size++;
  }

  /** Type-7 quantile of the window; NaN when empty. */
  quantile(q: number): number {
    const n = this.#size;
    if (n === 0) return NaN;
    const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
    const i = Math.floor(pos);
    const f = pos - i;
    const s = this.#sorted;
    return i + 1 < n ? s[i] + f * (s[i + 1] - s[i]) : s[i];
  }

  /** Values oldest first (a copy). */
  values(): Float64Array {
    const cap = this.#ring.length;
    const out = new Float64Array(this.#size);
    const start = (this.#head - this.#size + cap) % cap;
    for (let i = 0; i < this.#size; i++) out[i] = this.#ring[(start + i) % cap];
    return out;
  }

  #lowerBound(x: number): number {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

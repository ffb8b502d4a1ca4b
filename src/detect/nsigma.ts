/** N-sigma: |x - mean| / std against a sliding baseline of the previous points (the classic 3-sigma rule). */
import type { UnivariateModel } from "./univariate_model.ts";
import { safeScale } from "./robust_stats.ts";

export interface NSigmaOptions {
  /** Baseline length in points. @default 60 */
  window?: number;
  /** Points needed before scoring. @default 10 */
  min_history?: number;
}

export class NSigmaModel implements UnivariateModel {
  readonly #ring: Float64Array;
  readonly #minHistory: number;
  #head = 0;
  #size = 0;
  #sum = 0;
  #sumSq = 0;

  constructor(options: NSigmaOptions = {}) {
    const w = options.window ?? 60;
    if (!Number.isInteger(w) || w < 2) {
      throw new RangeError(
        `Cannot create NSigmaModel as window must be an integer >= 2: current value is ${w}`,
      );
    }
    this.#ring = new Float64Array(w);
    this.#minHistory = options.min_history ?? 10;
  }

  get count(): number {
    return this.#size;
  }

  update(x: number): number {
    let score = 0;
    if (this.#size >= this.#minHistory) {
      const mean = this.#sum / this.#size;
      const variance = Math.max(0, this.#sumSq / this.#size - mean * mean);
      score = Math.abs(x - mean) / safeScale(Math.sqrt(variance), mean);
    }
    const cap = this.#ring.length;
    if (this.#size === cap) {
      const old = this.#ring[this.#head];
      this.#sum -= old;
      this.#sumSq -= old * old;
    } else this.#size++;
    this.#ring[this.#head] = x;
    this.#head = (this.#head + 1) % cap;
    this.#sum += x;
    this.#sumSq += x * x;
    return score;
  }
}

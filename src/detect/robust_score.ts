/**
 * Robust score, as BARO (Pham et al., FSE 2024) uses it: |x - median| / IQR against a sliding baseline
 * of the previous points. Insensitive to the outliers inside the baseline, unlike mean/std.
 */
import { safeScale } from "./robust_stats.ts";
import { SortedWindow, type UnivariateModel } from "./univariate_model.ts";

export interface RobustScoreOptions {
  /** Baseline length in points. @default 60 */
  window?: number;
  /** Points needed before scoring. @default 10 */
  min_history?: number;
}

export class RobustScoreModel implements UnivariateModel {
  readonly #win: SortedWindow;
  readonly #minHistory: number;

  constructor(options: RobustScoreOptions = {}) {
    this.#win = new SortedWindow(options.window ?? 60);
    this.#minHistory = options.min_history ?? 10;
  }

  get count(): number {
    return this.#win.size;
  }

  update(x: number): number {
    let score = 0;
    if (this.#win.size >= this.#minHistory) {
      const med = this.#win.quantile(0.5);
      const iqr = this.#win.quantile(0.75) - this.#win.quantile(0.25);
      score = Math.abs(x - med) / safeScale(iqr, med);
    }
    this.#win.push(x);
    return score;
  }
}

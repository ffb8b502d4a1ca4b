/**
 * Vigil's univariate streaming scorer for NAB-style evaluation (src/core/rca.ts StreamingScorer): one
 * point at a time, in time order, no look-ahead, score in [0, 1]. Two cheap views of the series:
 *
 *   - novelty of the smoothed state ({@link WindowNovelty}: running mean over 3 and over 12 points, with
 *     its local slope): a state farther than `vigilance` of the running range from every state seen
 *     before, and farther than `noise_factor` times the scale's recent typical distance, scores ≥ 0.5;
 *   - a new extreme: a value beyond the running [min, max] by more than `range_tolerance` of the range
 *     (as Numenta's HTM detector does) scores 1;
 *   - a new volatility extreme ({@link SpreadExtremes}: the mean absolute step over 48 points far above
 *     or below every one seen) scores 1: noise bursts and stuck values inside the usual range;
 *   - a new seasonal-residual extreme ({@link SeasonalResidual}, only on series with a clear period
 *     found causally by autocorrelation) scores 1: a skipped, late or shifted cycle inside the range;
 *   - a level (mean of 12 points) beyond the range of the previous 1000 levels by more than that range's
 *     width ({@link RecentLevelExtremes}) scores 1: a shift to a level the series held long ago.
 *
 * NAB rewards the earliest detection in a label window and charges every extra positive outside it, so
 * after a report (score ≥ 0.5) the scorer stays silent for `refractory` points.
 */
import type { StreamingScorer } from "../../core/rca.ts";
import { RecentLevelExtremes, type RecentLevelExtremesOptions } from "./recent_level_extremes.ts";
import { SeasonalResidual, type SeasonalResidualOptions } from "./seasonal_residual.ts";
import { SpreadExtremes, type SpreadExtremesOptions } from "./spread_extremes.ts";
import { WindowNovelty } from "./window_novelty.ts";

export interface VigilNabScorerOptions {
  /** Novelty threshold, as a share of the running range (both scales). @default 0.07 */
  vigilance?: number;
  /** Block lengths, in points, of the window-novelty scales. @default [3, 12] */
  strides?: readonly number[];
  /** Block means per window. @default 4 */
  dims?: number;
  /** Share of the running range a value must exceed it by to be a new extreme. @default 0.05 */
  range_tolerance?: number;
  /** Points seen before new extremes count. @default 300 */
  range_warmup?: number;
  /** Points a report silences. @default 100 */
  refractory?: number;
  /**
   * A scale reports only when its distance also exceeds this multiple of its own recent mean distance,
   * so that a noisy series, whose windows keep landing a little off every prototype, stays quiet.
   * @default 3
   */
  noise_factor?: number;
  /** Span, in points, of that recent mean (exponential). @default 300 */
  noise_span?: number;
  /** Points between the smoothed values of a vector, per scale. @default [1, 1] */
  spacings?: readonly number[];
  /** Local-volatility extremes ({@link SpreadExtremes}); false turns them off. */
  spread?: SpreadExtremesOptions | false;
  /** Seasonal-residual extremes ({@link SeasonalResidual}); false turns them off. */
  seasonal?: SeasonalResidualOptions | false;
  /** Level extremes against the recent range ({@link RecentLevelExtremes}); false turns them off. */
  recent?: RecentLevelExtremesOptions | false;
}

export class VigilNabScorer implements StreamingScorer {
  readonly #scales: WindowNovelty[];
  readonly #vigilance: number;
  readonly #tolerance: number;
  readonly #warmup: number;
  readonly #refractory: number;
  #min = Infinity;
  #max = -Infinity;
  #n = 0;
  #since = Infinity;
  readonly #noiseFactor: number;
  readonly #alpha: number;
  /** Per scale, the exponential mean of its recent distances. */
  readonly #typical: number[];
  readonly #spread: SpreadExtremes | null;
  readonly #seasonal: SeasonalResidual | null;
  readonly #recent: RecentLevelExtremes | null;

  constructor(options: VigilNabScorerOptions = {}) {
    this.#vigilance = options.vigilance ?? 0.07;
    const dims = options.dims ?? 4;
    this.#scales = (options.strides ?? [3, 12]).map((stride, i) =>
      new WindowNovelty({ dims, stride, vigilance: this.#vigilance, spacing: options.spacings?.[i] ?? 1 })
    );
    this.#tolerance = options.range_tolerance ?? 0.05;
    this.#warmup = options.range_warmup ?? 300;
    this.#refractory = options.refractory ?? 100;
    this.#noiseFactor = options.noise_factor ?? 3;
    this.#alpha = 1 / (options.noise_span ?? 300);
    this.#typical = this.#scales.map(() => 0);
    this.#spread = options.spread === false ? null : new SpreadExtremes(options.spread ?? {});
    this.#seasonal = options.seasonal === false ? null : new SeasonalResidual(options.seasonal ?? {});
    this.#recent = options.recent === false ? null : new RecentLevelExtremes(options.recent ?? {});
    if (!(this.#tolerance >= 0)) {
      throw new RangeError(
        `Cannot create a VigilNabScorer as range_tolerance must be >= 0: current value is ${this.#tolerance}`,
      );
    }
  }

  update(_time_ms: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    let score = 0;
    this.#scales.forEach((s, i) => {
      const d = s.update(value);
      const bar = Math.max(this.#vigilance, this.#noiseFactor * this.#typical[i]);
      score = Math.max(score, d / (d + bar));
      this.#typical[i] += this.#alpha * (d - this.#typical[i]);
    });
    if (this.#spread) score = Math.max(score, this.#spread.update(value));
    if (this.#seasonal) score = Math.max(score, this.#seasonal.update(value));
    if (this.#recent) score = Math.max(score, this.#recent.update(value));
    const range = this.#max - this.#min;
    if (this.#n >= this.#warmup && range > 0) {
      const tol = this.#tolerance * range;
      if (value > this.#max + tol || value < this.#min - tol) score = 1;
    }
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    this.#n++;
    if (++this.#since <= this.#refractory) return 0;
    if (score >= 0.5) this.#since = 0;
    return score;
  }
}

/**
 * The univariate streaming scorer for NAB-style evaluation (src/core/rca.ts StreamingScorer): no
 * look-ahead, one point at a time, score in [0, 1]. It combines three views of the series, each turned
 * into a tail probability against its own recent past:
 *   - the robust score of the value (level shifts, spikes),
 *   - the robust score of the first difference (sudden jumps inside the normal range),
 *   - the spectral-residual saliency (pattern breaks in periodic series),
 * takes the strongest, and then reports only the first point of an excursion (NAB rewards the earliest
 * detection in a window and charges every extra positive as a false one): after a report, scores are
 * damped for `refractory` points.
 */
import type { StreamingScorer } from "../core/rca.ts";
import { RobustScoreModel } from "./robust_score.ts";
import { SpectralResidualModel } from "./spectral_residual.ts";

export interface StreamingAnomalyScorerOptions {
  /** Baseline length for the robust scores. @default 400 */
  window?: number;
  /** Points during which a reported excursion damps further scores. @default 100 */
  refractory?: number;
  /** Robust score mapped to 0.5. @default 6 */
  half_score?: number;
}

export class StreamingAnomalyScorer implements StreamingScorer {
  readonly #level: RobustScoreModel;
  readonly #diff: RobustScoreModel;
  readonly #sr: SpectralResidualModel;
  readonly #srHist: RobustScoreModel;
  readonly #refractory: number;
  readonly #half: number;
  #prev = NaN;
  #since = Infinity;

  constructor(options: StreamingAnomalyScorerOptions = {}) {
    const w = options.window ?? 400;
    this.#level = new RobustScoreModel({ window: w, min_history: 30 });
    this.#diff = new RobustScoreModel({ window: w, min_history: 30 });
    this.#sr = new SpectralResidualModel({ window: 64, min_history: 32 });
    this.#srHist = new RobustScoreModel({ window: w, min_history: 30 });
    this.#refractory = options.refractory ?? 100;
    this.#half = options.half_score ?? 6;
  }

  update(_time_ms: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const level = this.#level.update(value);
    const diff = Number.isFinite(this.#prev) ? this.#diff.update(value - this.#prev) : 0;
    this.#prev = value;
    const sr = this.#srHist.update(this.#sr.update(value));
    const z = Math.max(level, diff, sr);
    // Squash: z = half → 0.5, large z → 1.
    let score = z / (z + this.#half);
    this.#since++;
    if (this.#since < this.#refractory) score *= this.#since / this.#refractory;
    if (score >= 0.5) this.#since = 0;
    return Math.min(1, Math.max(0, score));
  }
}

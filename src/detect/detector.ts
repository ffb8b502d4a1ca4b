/**
 * The Detector extension point: per-service anomaly detection over indicator windows, streaming.
 *
 * A detector sees, for one service at a time, the next window's indicator values (cpu, mem, latency_p99,
 * error_rate, ...) and answers whether the service looks anomalous now, and which indicators moved.
 * Detection is per service; localization (src/localize/) then ranks services against each other.
 */

/** The indicator values of one service for one window (one point of a MetricFrame column). */
export interface ServiceWindow {
  /** Start of the window, epoch ms. */
  readonly time_ms: number;
  /** indicator → value; NaN or a missing key is a gap (skipped, state unchanged for that indicator). */
  readonly values: ReadonlyMap<string, number>;
}

export interface IndicatorScore {
  readonly indicator: string;
  readonly value: number;
  /** The detector's raw score for this point (larger = more anomalous; scale depends on the method). */
  readonly score: number;
  /** The threshold in force for this point (static or dynamic); NaN while warming up. */
  readonly threshold: number;
  readonly anomalous: boolean;
}

export interface DetectionResult {
  readonly service: string;
  readonly time_ms: number;
  /** True when at least one indicator is anomalous. */
  readonly anomalous: boolean;
  /** Largest ratio score/threshold over indicators (>= 1 when anomalous); 0 while warming up. */
  readonly severity: number;
  /** Every indicator scored at this window, most anomalous first (ties by name). */
  readonly indicators: readonly IndicatorScore[];
}

/**
 * Streaming per-service anomaly detector.
 *
 * Contract:
 * - `observe` is called with windows in strictly increasing `time_ms` per service; a window at or before
 *   the last one seen for that service throws RangeError (redelivered windows must be deduplicated
 *   upstream). Different services are independent and may interleave freely.
 * - No look-ahead: the result for a window depends only on that window and earlier ones.
 * - Deterministic: the same sequence of calls gives the same results (seeded randomness only).
 * - Never mutates its input. Gaps (NaN, missing keys) are skipped, not treated as zero.
 * - Needs a warm-up per indicator (`min_history`); until then it scores 0 and reports nothing anomalous.
 * - `forget(service)` drops that service's state; safe for unknown services and safe twice.
 */
export interface Detector {
  readonly name: string;
  observe(service: string, window: ServiceWindow): DetectionResult;
  forget(service: string): void;
}

/** Sorts indicator scores most anomalous first: by score/threshold, then score, then name. */
export function rankIndicators(scores: IndicatorScore[]): IndicatorScore[] {
  const ratio = (
    s: IndicatorScore,
  ) => (Number.isFinite(s.threshold) && s.threshold > 0 ? s.score / s.threshold : 0);
  return scores.sort((a, b) =>
    ratio(b) - ratio(a) || b.score - a.score ||
    (a.indicator < b.indicator ? -1 : a.indicator > b.indicator ? 1 : 0)
  );
}

/** Builds a DetectionResult from per-indicator scores. */
export function toDetectionResult(
  service: string,
  time_ms: number,
  scores: IndicatorScore[],
): DetectionResult {
  const ranked = rankIndicators(scores);
  let severity = 0;
  let anomalous = false;
  for (const s of ranked) {
    if (s.anomalous) anomalous = true;
    if (Number.isFinite(s.threshold) && s.threshold > 0) severity = Math.max(severity, s.score / s.threshold);
  }
  return { service, time_ms, anomalous, severity, indicators: ranked };
}

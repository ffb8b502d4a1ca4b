/**
 * BARO's root-cause ranking (Pham, Ha & Zhang, "BARO: Robust Root Cause Analysis for Microservices via
 * Multivariate Bayesian Online Change Point Detection", FSE 2024): every indicator of every service is
 * scaled by the median and IQR of its own baseline (the windows before the onset); its score is the
 * largest scaled rise (or absolute change, by option) after the onset; a service scores its best indicator.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { robustLocationScale, safeScale } from "../detect/robust_stats.ts";
import { onsetIndex, sortCandidates } from "./onset.ts";

export interface BaroOptions {
  /** Baseline windows before the onset (all of them when 0). @default 0 */
  baseline_windows?: number;
  /** Windows after the onset considered (all of them when 0). @default 0 */
  horizon_windows?: number;
  /** Indicators (exact names) ignored, e.g. load indicators that move for every service. @default [] */
  exclude_indicators?: readonly string[];
  /**
   * Which changes count: "up" (BARO's: only rises above the baseline; faults raise resource use, latency
   * and errors, while falls are mostly downstream symptoms, e.g. a database idling when its caller is
   * stuck) or "both". @default "up"
   */
  direction?: "up" | "both";
}

export interface IndicatorDeviation {
  readonly service: string;
  readonly indicator: string;
  /** max |x - median| / IQR after the onset. */
  readonly score: number;
  /** Signed scaled deviation at the point of the maximum (direction of the change). */
  readonly signed: number;
  readonly median: number;
  readonly peak: number;
  /** Window index of the maximum. */
  readonly at: number;
}

/** Robust deviation of every indicator of every service after the onset (the heart of BARO). */
export function indicatorDeviations(input: LocalizeInput, options: BaroOptions = {}): IndicatorDeviation[] {
  const frame = input.frame;
  const t0 = onsetIndex(frame, input.anomaly_start_ms);
  const n = frame.times_ms.length;
  const from = options.baseline_windows ? Math.max(0, t0 - options.baseline_windows) : 0;
  const to = options.horizon_windows ? Math.min(n, t0 + options.horizon_windows) : n;
  const exclude = new Set(options.exclude_indicators ?? []);
  const both = options.direction === "both";
  const out: IndicatorDeviation[] = [];
  for (const [service, indicators] of frame.series) {
    for (const [indicator, col] of indicators) {
      if (exclude.has(indicator)) continue;
      const { median, iqr, count } = robustLocationScale(col, { from, to: t0 });
      if (count === 0) continue;
      const scale = safeScale(iqr, median);
      let best = -Infinity;
      let signed = 0;
      let peak = NaN;
      let at = -1;
      for (let i = t0; i < to; i++) {
        const v = col[i];
        if (!Number.isFinite(v)) continue;
        const z = (v - median) / scale;
        const m = both ? Math.abs(z) : z;
        if (m > best) {
          best = m;
          signed = z;
          peak = v;
          at = i;
        }
      }
      if (at >= 0) out.push({ service, indicator, score: best, signed, median, peak, at });
    }
  }
  return out;
}

export class BaroLocalizer implements Localizer {
  readonly name = "baro";
  constructor(private readonly options: BaroOptions = {}) {}

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const best = new Map<string, IndicatorDeviation>();
    for (const d of indicatorDeviations(input, this.options)) {
      const cur = best.get(d.service);
      if (!cur || d.score > cur.score || (d.score === cur.score && d.indicator < cur.indicator)) {
        best.set(d.service, d);
      }
    }
    return sortCandidates(
      [...best.values()].map((d) => ({
        service: d.service,
        indicator: d.indicator,
        score: d.score,
        evidence: [
          `${d.indicator} ${d.signed >= 0 ? "rose" : "fell"} to ${fmt(d.peak)} from a median of ${
            fmt(d.median)
          } ` +
          `(${fmt(d.score)} IQRs) after the onset`,
        ],
      })),
    );
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

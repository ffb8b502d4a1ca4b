/**
 * The indicators a service exposes to detectors and localizers, read off one FEATURES record.
 *
 * From spans: `rate` (spans/s), `errors` (error spans in the window, a count) and `error_rate`,
 * `latency_p50/p90/p99` (ms; the span-weighted mean of the operations' quantiles, see
 * {@link operationWeightedLatency}). From logs: `log_errors`
 * (ERROR and FATAL records) and `log_count`. From metrics: each metric by its name, combined over the
 * service's instances: gauges by the mean of their last values (restart counts by their total), sums by
 * the total rate per second,
 * histograms and summaries by the mean observation (sum / count). Gaps are left out, never zero.
 */
import type { FeatureRecord } from "../core/feature_record.ts";
import { indicatorFamily } from "../core/indicator_family.ts";

export function featureIndicators(record: FeatureRecord): Map<string, number> {
  const out = new Map<string, number>();
  if (record.count > 0) {
    out.set("rate", record.rate_per_s);
    out.set("errors", record.error_count);
    out.set("error_rate", record.error_rate);
  }
  const lat = operationWeightedLatency(record) ?? record.latency_ms;
  if (lat) {
    out.set("latency_p50", lat.p50);
    out.set("latency_p90", lat.p90);
    out.set("latency_p99", lat.p99);
  }
  if (record.logs.count > 0) {
    const sev = record.logs.by_severity;
    out.set("log_count", record.logs.count);
    out.set("log_errors", (sev.ERROR ?? 0) + (sev.FATAL ?? 0));
  }
  const acc = new Map<string, { sum: number; n: number; kind: string }>();
  for (const m of record.metrics) {
    let v: number | null;
    if (m.kind === "gauge") v = m.last;
    else if (m.kind === "sum") v = m.rate_per_s;
    else v = m.count && m.sum !== null ? m.sum / m.count : null;
    if (v === null || !Number.isFinite(v)) continue;
    const a = acc.get(m.name) ?? { sum: 0, n: 0, kind: m.kind };
    a.sum += v;
    a.n++;
    acc.set(m.name, a);
  }
  // (restart counts add up over instances: a mean would rise when a replica without restarts goes away)
  for (const [name, a] of acc) {
    out.set(name, a.kind === "sum" || indicatorFamily(name) === "restarts" ? a.sum : a.sum / a.n);
  }
  return out;
}

/**
 * A service's latency quantiles as the span-weighted mean of its operations' quantiles. A service whose
 * operations differ in speed has a mixture for a latency distribution, and the quantile of a mixture
 * jumps from one mode to the other when the mix shifts a little (10 % slow calls put the p90 at the
 * boundary: 11 % moves it to the slow mode), which reads as a latency fault when only the traffic mix
 * changed. The weighted mean moves in proportion to the mix, and with every operation's own latency.
 * Null with fewer than two operations with spans (the service's own quantiles are then the same thing).
 */
function operationWeightedLatency(record: FeatureRecord): { p50: number; p90: number; p99: number } | null {
  let n = 0, ops = 0, p50 = 0, p90 = 0, p99 = 0;
  for (const o of record.operations) {
    if (!o.latency_ms || o.count === 0) continue;
    ops++;
    n += o.count;
    p50 += o.count * o.latency_ms.p50;
    p90 += o.count * o.latency_ms.p90;
    p99 += o.count * o.latency_ms.p99;
  }
  return ops >= 2 && n > 0 ? { p50: p50 / n, p90: p90 / n, p99: p99 / n } : null;
}

/**
 * Indicators the detectors skip: ratios whose noise depends on a count the detector cannot see (one error in
 * five spans is an error rate of 0.2). The count beside them (`errors`) is scored instead; localizers still
 * read the ratios.
 */
export const NOT_DETECTED: ReadonlySet<string> = new Set(["error_rate"]);

/**
 * Records a latency quantile needs above it before detectors score it: q estimated from n spans rests on
 * the n·(1 − q) slowest ones, and with fewer than this it is one or two spans' luck (the p90 of 20 spans
 * is the second slowest). Localizers still read every quantile.
 */
export const MIN_TAIL_SPANS = 5;

const QUANTILES: readonly [string, number][] = [["latency_p50", 0.5], ["latency_p90", 0.9], [
  "latency_p99",
  0.99,
]];

/**
 * The indicators handed to detectors: {@link featureIndicators} without {@link NOT_DETECTED}, without
 * restart counts (a lifetime count whose level says nothing: its rises are flagged by the incident engine
 * as they happen, and a pod replaced by a new one drops it to 0), and without the latency quantiles that
 * `spans` (the record's span count) cannot support ({@link MIN_TAIL_SPANS}).
 */
export function detectionIndicators(
  values: ReadonlyMap<string, number>,
  options: { spans?: number } = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of values) if (!NOT_DETECTED.has(k) && indicatorFamily(k) !== "restarts") out.set(k, v);
  if (options.spans !== undefined) {
    for (const [k, q] of QUANTILES) if (options.spans * (1 - q) < MIN_TAIL_SPANS) out.delete(k);
  }
  return out;
}

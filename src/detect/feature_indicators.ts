/**
 * The indicators a service exposes to detectors and localizers, read off one FEATURES record.
 *
 * From spans: `rate` (spans/s), `errors` (error spans in the window, a count) and `error_rate`,
 * `latency_p50/p90/p99` (ms). From logs: `log_errors`
 * (ERROR and FATAL records) and `log_count`. From metrics: each metric by its name, combined over the
 * service's instances: gauges by the mean of their last values, sums by the total rate per second,
 * histograms and summaries by the mean observation (sum / count). Gaps are left out, never zero.
 */
import type { FeatureRecord } from "../core/feature_record.ts";

export function featureIndicators(record: FeatureRecord): Map<string, number> {
  const out = new Map<string, number>();
  if (record.count > 0) {
    out.set("rate", record.rate_per_s);
    out.set("errors", record.error_count);
    out.set("error_rate", record.error_rate);
  }
  if (record.latency_ms) {
    out.set("latency_p50", record.latency_ms.p50);
    out.set("latency_p90", record.latency_ms.p90);
    out.set("latency_p99", record.latency_ms.p99);
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
  for (const [name, a] of acc) out.set(name, a.kind === "sum" ? a.sum : a.sum / a.n);
  return out;
}

/**
 * Indicators the detectors skip: ratios whose noise depends on a count the detector cannot see (one error in
 * five spans is an error rate of 0.2). The count beside them (`errors`) is scored instead; localizers still
 * read the ratios.
 */
export const NOT_DETECTED: ReadonlySet<string> = new Set(["error_rate"]);

/** The indicators handed to detectors: {@link featureIndicators} without {@link NOT_DETECTED}. */
export function detectionIndicators(values: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of values) if (!NOT_DETECTED.has(k)) out.set(k, v);
  return out;
}

/**
 * FEATURES records: one per (tenant, service, window), published on stream FEATURES, subject
 * `vigil.features.{service}` by the window reducer (src/features/reducer.ts). JSON, schema_version 1.
 * Deterministic: the same input gives byte-identical records whatever the number of workers or the
 * arrival order (within the out-of-orderness and lateness bounds). No I/O here.
 */
import { z } from "zod";

export const FEATURE_SCHEMA_VERSION = 1 as const;

/** Latency quantiles (DDSketch, ≤ 1 % relative error), mean and max in ms; null when there were no spans. */
export const LatencySchema = z.object({
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  mean: z.number(),
  max: z.number(),
}).nullable();
export type Latency = z.infer<typeof LatencySchema>;

export const OperationFeaturesSchema = z.object({
  /** Span name; "__overflow__" holds the operations beyond the per-service cardinality cap. */
  operation: z.string(),
  count: z.number().int().nonnegative(),
  error_count: z.number().int().nonnegative(),
  latency_ms: LatencySchema,
});

export const MetricFeaturesSchema = z.object({
  name: z.string(),
  kind: z.enum(["gauge", "sum", "histogram", "exponential_histogram", "summary"]),
  unit: z.string(),
  /** k8s.pod.name, else service.instance.id, else host.name; "" when none. */
  instance: z.string(),
  /** Data point attributes, canonical `k=v,k=v`. */
  labels: z.string(),
  points: z.number().int().positive(),
  /** Gauges: last value (latest time), min, max, mean. Sums: last cumulative value or delta total. */
  last: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  /** Sums: per-second rate over the window (delta: total / window; cumulative: last − first over their span). */
  rate_per_s: z.number().nullable(),
  /** Histograms and summaries: observations and their sum in the window (delta) or the latest (cumulative). */
  count: z.number().nullable(),
  sum: z.number().nullable(),
});

export const LogFeaturesSchema = z.object({
  count: z.number().int().nonnegative(),
  /** OTLP severity ranges: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24, UNSET 0. */
  by_severity: z.record(z.string(), z.number().int().nonnegative()),
  templates: z.array(z.object({
    template_id: z.string(),
    template: z.string(),
    count: z.number().int().positive(),
    error_count: z.number().int().nonnegative(),
  })),
});

export const FeatureRecordSchema = z.object({
  schema_version: z.literal(FEATURE_SCHEMA_VERSION),
  tenant: z.string(),
  service: z.string(),
  window_start_ms: z.number().int(),
  window_end_ms: z.number().int(),
  /** Spans (all kinds) in the window, by start time. */
  count: z.number().int().nonnegative(),
  error_count: z.number().int().nonnegative(),
  rate_per_s: z.number(),
  error_rate: z.number(),
  latency_ms: LatencySchema,
  operations: z.array(OperationFeaturesSchema),
  /** Distinct operations folded into "__overflow__" by the cardinality cap. */
  operations_overflowed: z.number().int().nonnegative(),
  /** Pods / instances / hosts that reported for this service in the window. */
  instances: z.array(z.string()),
  metrics: z.array(MetricFeaturesSchema),
  logs: LogFeaturesSchema,
});

export type FeatureRecord = z.infer<typeof FeatureRecordSchema>;
export type OperationFeatures = z.infer<typeof OperationFeaturesSchema>;
export type MetricFeatures = z.infer<typeof MetricFeaturesSchema>;

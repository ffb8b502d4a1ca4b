/**
 * FEATURES records: one per (tenant, service, window), published on stream FEATURES, subject
 * `vigil.features.{service}` by the window reducer (src/features/window_reducer.ts). JSON.
 *
 * Versions: 2 (current) reports cumulative metrics per window (a histogram's `count`/`sum`/`mean` are the
 * increase since the previous point, not lifetime totals; a cumulative sum's rate is measured from the
 * previous window's last point), lets a histogram's `mean` be null, adds `metric_series_dropped`, and counts
 * log templates by Drain-style cluster. Version 1 records (still in a FEATURES stream after an upgrade)
 * parse with this schema; their histogram `count`/`sum` are lifetime totals when cumulative.
 * Deterministic: the same input gives byte-identical records whatever the number of workers or the
 * arrival order (within the out-of-orderness and lateness bounds). No I/O here.
 */
import { z } from "zod";

export const FEATURE_SCHEMA_VERSION = 2 as const;

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
  /**
   * `last`, `min`, `max` of the points' values (latest time for `last`): gauges and sums their value,
   * histograms and summaries the mean of each point (for cumulative ones, a lifetime mean). `mean`: gauges
   * and sums the mean of the values; histograms and summaries the mean of the observations made in the
   * window (sum / count below), null when there were none or they cannot be known.
   */
  last: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number().nullable(),
  /**
   * Sums: per-second rate. Delta: total / window. Cumulative: the increase since the series' previous point
   * (the last point of an earlier window; the first point in the window when there is none) over the time
   * between them, resets handled (start time changed or value fell: the new value is the increase since the
   * reset); null when it cannot be known (one point, no earlier one). See src/features/metric_increase.ts.
   */
  rate_per_s: z.number().nullable(),
  /**
   * Histograms and summaries: observations and their sum in the window: delta totals, or for cumulative
   * ones the increase since the previous point (as for rates); null for other kinds or when unknown.
   */
  count: z.number().nullable(),
  sum: z.number().nullable(),
});

export const LogFeaturesSchema = z.object({
  count: z.number().int().nonnegative(),
  /** OTLP severity ranges: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24, UNSET 0. */
  by_severity: z.record(z.string(), z.number().int().nonnegative()),
  /**
   * Counts by template cluster (src/features/log_cluster.ts): `template_id` is stable across windows (the
   * id of the masked template that founded the cluster); `template` is its text as of this window, with
   * `<*>` where its messages vary (it may gain `<*>` in later windows, never lose one).
   */
  templates: z.array(z.object({
    template_id: z.string(),
    template: z.string(),
    count: z.number().int().positive(),
    error_count: z.number().int().nonnegative(),
  })),
});

export const FeatureRecordSchema = z.object({
  schema_version: z.union([z.literal(1), z.literal(FEATURE_SCHEMA_VERSION)]),
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
  /** Metric series left out by the per-service cap (absent in records written before it was counted). */
  metric_series_dropped: z.number().int().nonnegative().optional(),
  /** Pods / instances / hosts that reported for this service in the window. */
  instances: z.array(z.string()),
  metrics: z.array(MetricFeaturesSchema),
  logs: LogFeaturesSchema,
});

export type FeatureRecord = z.infer<typeof FeatureRecordSchema>;
export type OperationFeatures = z.infer<typeof OperationFeaturesSchema>;
export type MetricFeatures = z.infer<typeof MetricFeaturesSchema>;

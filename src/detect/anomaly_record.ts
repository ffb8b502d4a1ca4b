/** The anomaly record published on `vigil.anomalies.{service}` (stream ANOMALIES). JSON, schema_version 1. */
import { z } from "zod";
import type { DetectionResult } from "./detector.ts";

export const anomalyRecordSchema = z.strictObject({
  schema_version: z.literal(1),
  tenant: z.string(),
  service: z.string(),
  window_start_ms: z.number().int(),
  detector: z.string(),
  /** Largest score / threshold over the indicators (>= 1). */
  severity: z.number(),
  /** The indicators that moved, most anomalous first. */
  indicators: z.array(z.strictObject({
    indicator: z.string(),
    value: z.number(),
    score: z.number(),
    threshold: z.number(),
  })),
});

export type AnomalyRecord = z.infer<typeof anomalyRecordSchema>;

export function anomalyRecord(tenant: string, detector: string, d: DetectionResult): AnomalyRecord {
  return {
    schema_version: 1,
    tenant,
    service: d.service,
    window_start_ms: d.time_ms,
    detector,
    severity: d.severity,
    indicators: d.indicators.filter((i) => i.anomalous).map(({ indicator, value, score, threshold }) => ({
      indicator,
      value,
      score,
      threshold,
    })),
  };
}

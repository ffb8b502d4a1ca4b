/**
 * Small builders for OTLP request objects in the OTLP/JSON shape (lowerCamelCase fields, hex ids, enums as
 * numbers, 64-bit integers as decimal strings) that `encodeOtlp` takes. Hot paths share constant
 * attribute objects instead of rebuilding them: the encoder only reads.
 */

export interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
export interface KeyValue {
  key: string;
  value: AnyValue;
}
export interface OtlpResource {
  attributes: KeyValue[];
}
export interface OtlpScope {
  name: string;
  version?: string;
}

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export const Severity = {
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;
export const AggregationTemporality = { DELTA: 1, CUMULATIVE: 2 } as const;

export function str(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}
export function int(key: string, value: number): KeyValue {
  return { key, value: { intValue: value } };
}
export function dbl(key: string, value: number): KeyValue {
  return { key, value: { doubleValue: value } };
}

/** Epoch milliseconds (fractional allowed, microsecond precision kept) as a decimal nanosecond string. */
export function nanos(ms: number): string {
  return `${Math.round(ms * 1000)}000`;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status?: { code: number; message?: string };
  events?: { timeUnixNano: string; name: string; attributes: KeyValue[] }[];
}

export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  traceId?: string;
  spanId?: string;
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
  asDouble: number;
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  count: number;
  sum: number;
  bucketCounts: number[];
  explicitBounds: readonly number[];
}

export interface OtlpMetric {
  name: string;
  unit: string;
  description?: string;
  gauge?: { dataPoints: NumberDataPoint[] };
  sum?: { dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: HistogramDataPoint[]; aggregationTemporality: number };
}

export interface ExportTraceServiceRequest {
  resourceSpans: { resource: OtlpResource; scopeSpans: { scope: OtlpScope; spans: OtlpSpan[] }[] }[];
}
export interface ExportMetricsServiceRequest {
  resourceMetrics: { resource: OtlpResource; scopeMetrics: { scope: OtlpScope; metrics: OtlpMetric[] }[] }[];
}
export interface ExportLogsServiceRequest {
  resourceLogs: { resource: OtlpResource; scopeLogs: { scope: OtlpScope; logRecords: OtlpLogRecord[] }[] }[];
}

export function gauge(name: string, unit: string, points: NumberDataPoint[]): OtlpMetric {
  return { name, unit, gauge: { dataPoints: points } };
}

export function cumulativeSum(name: string, unit: string, points: NumberDataPoint[]): OtlpMetric {
  return {
    name,
    unit,
    sum: { dataPoints: points, aggregationTemporality: AggregationTemporality.CUMULATIVE, isMonotonic: true },
  };
}

/** Reads a string attribute from a KeyValue list (undefined when absent). */
export function attr(attributes: readonly KeyValue[] | undefined, key: string): AnyValue | undefined {
  return attributes?.find((a) => a.key === key)?.value;
}

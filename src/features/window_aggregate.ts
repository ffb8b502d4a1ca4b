/**
 * Mergeable per-(service, window) aggregates and their finalization into a FEATURES record.
 *
 * A {@link ServiceWindow} holds, for one tenant, service and tumbling window: span statistics per
 * operation (count, errors, integer ns sum, max, DDSketch), metric series keyed by name, kind, instance
 * and labels, and log counts by severity and template. Workers build one per (service, window) from each
 * OTLP message; the reducer merges them. Every merge is commutative and associative on the fields that
 * reach the record (integer sums, min/max, last by (time, value), sketch bins, the compacted point sets of
 * cumulative series), and float sums are rounded to 12 significant digits on output, so records do not
 * depend on how the input was split or ordered. Finalization takes what the reducer remembers of the
 * service (each cumulative series' previous point, the log template clusters): see window_reducer.ts.
 * Pure: no I/O, no clock.
 */
import { DDSketch, type DDSketchJson } from "./ddsketch.ts";
import { compactPoints, cumulativeIncrease, type CumulativePoint } from "./metric_increase.ts";
import type { LogClusterer, ServiceNames } from "./log_cluster.ts";
import type { MetricPointView, SpanView } from "./otlp_scan.ts";
import { FEATURE_SCHEMA_VERSION, type FeatureRecord, type MetricFeatures } from "../core/feature_record.ts";

export const OVERFLOW_OPERATION = "__overflow__";

/** Rounds a float to 12 significant digits, so order-dependent float sums compare equal. */
export function stable(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
}

// ------------------------------------------------------------------------------------------- errors

/** gRPC codes that are errors on the server side (semantic conventions, rpc spans). */
const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

/**
 * Whether a span is an error: status ERROR; HTTP ≥ 500 on server spans, ≥ 400 on client spans;
 * gRPC status UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS on server spans,
 * any non-OK code on client spans (OpenTelemetry semantic conventions for HTTP and RPC spans).
 */
export function isErrorSpan(s: SpanView): boolean {
  if (s.status_code === 2) return true;
  if (s.status_code === 1) return false; // explicitly OK overrides
  const server = s.kind === 2;
  if (s.http_status !== 0 && s.http_status >= (server ? 500 : 400)) return true;
  if (s.grpc_status > 0) return server ? GRPC_SERVER_ERRORS.has(s.grpc_status) : true;
  return false;
}

// ------------------------------------------------------------------------------------------- spans

export interface SpanStatsJson {
  n: number;
  e: number;
  ns: number;
  mx: number;
  k: DDSketchJson;
}

export class SpanStats {
  count = 0;
  errors = 0;
  /** Sum of durations in integer ns (exact below 2^53). */
  sum_ns = 0;
  max_ms = -Infinity;
  sketch = new DDSketch();

  add(duration_ms: number, is_error: boolean): void {
    this.count++;
    if (is_error) this.errors++;
    const d = duration_ms < 0 ? 0 : duration_ms;
    this.sum_ns += Math.round(d * 1e6);
    if (d > this.max_ms) this.max_ms = d;
    this.sketch.add(d);
  }
  merge(o: SpanStats): void {
    this.count += o.count;
    this.errors += o.errors;
    this.sum_ns += o.sum_ns;
    if (o.max_ms > this.max_ms) this.max_ms = o.max_ms;
    this.sketch.merge(o.sketch);
  }
  latency(): FeatureRecord["latency_ms"] {
    if (this.count === 0) return null;
    const k = this.sketch;
    return {
      p50: k.quantile(0.5),
      p90: k.quantile(0.9),
      p95: k.quantile(0.95),
      p99: k.quantile(0.99),
      mean: stable(this.sum_ns / this.count / 1e6),
      max: this.max_ms,
    };
  }
  toJSON(): SpanStatsJson {
    return { n: this.count, e: this.errors, ns: this.sum_ns, mx: this.max_ms, k: this.sketch.toJSON() };
  }
  static fromJSON(j: SpanStatsJson): SpanStats {
    const s = new SpanStats();
    s.count = j.n;
    s.errors = j.e;
    s.sum_ns = j.ns;
    s.max_ms = j.mx ?? -Infinity;
    s.sketch = DDSketch.fromJSON(j.k);
    return s;
  }
}

// ------------------------------------------------------------------------------------------- metrics

export interface MetricAggJson {
  name: string;
  kind: MetricFeatures["kind"];
  unit: string;
  instance: string;
  labels: string;
  temporality: number;
  points: number;
  min: number;
  max: number;
  vsum: number;
  lt: number;
  lv: number;
  /** histogram/summary: count and sum totals (delta) */
  hc: number;
  hs: number;
  /** Sums: monotonic (a falling cumulative value is a reset). Absent in older partials: true. */
  mono?: boolean;
  /** Cumulative sums, histograms and summaries: their points, compacted ({@link compactPoints}). */
  pts?: CumulativePoint[];
}

/** Points kept per cumulative series and window (the first and the latest 15). */
export const MAX_CUMULATIVE_POINTS = 16;

/** Cumulative sums, histograms and summaries (OTLP summaries carry no temporality: they are cumulative). */
export function isCumulative(m: Pick<MetricAggJson, "kind" | "temporality">): boolean {
  return m.kind !== "gauge" && m.temporality !== 1;
}

function metricValue(p: MetricPointView): number {
  if (p.kind === "gauge" || p.kind === "sum") return p.value;
  return p.count === 0 ? 0 : p.sum / p.count; // histograms: mean of the point
}

export function newMetricAgg(p: MetricPointView, instance: string): MetricAggJson {
  return {
    name: p.name,
    kind: p.kind,
    unit: p.unit,
    instance,
    labels: p.labels,
    temporality: p.temporality,
    points: 0,
    min: Infinity,
    max: -Infinity,
    vsum: 0,
    lt: -Infinity,
    lv: 0,
    hc: 0,
    hs: 0,
    mono: p.kind !== "sum" || p.monotonic,
    pts: isCumulative(p) ? [] : undefined,
  };
}

export function addMetricPoint(m: MetricAggJson, p: MetricPointView): void {
  const v = metricValue(p);
  if (Number.isNaN(v)) return;
  m.points++;
  if (v < m.min) m.min = v;
  if (v > m.max) m.max = v;
  m.vsum += v;
  const t = p.time_ms;
  if (t > m.lt || (t === m.lt && v > m.lv)) {
    m.lt = t;
    m.lv = v;
  }
  m.hc += p.count;
  m.hs += p.sum;
  if (m.pts !== undefined) {
    const hist = p.kind !== "sum";
    m.pts.push([t, p.start_ms, hist ? p.count : p.value, hist ? p.sum : 0]);
    if (m.pts.length >= 2 * MAX_CUMULATIVE_POINTS) compactPoints(m.pts, MAX_CUMULATIVE_POINTS);
  }
}

export function mergeMetricAgg(a: MetricAggJson, b: MetricAggJson): void {
  a.points += b.points;
  a.min = Math.min(a.min, b.min);
  a.max = Math.max(a.max, b.max);
  a.vsum += b.vsum;
  if (b.lt > a.lt || (b.lt === a.lt && b.lv > a.lv)) {
    a.lt = b.lt;
    a.lv = b.lv;
  }
  a.hc += b.hc;
  a.hs += b.hs;
  if (b.pts !== undefined) {
    a.pts = compactPoints(a.pts === undefined ? [...b.pts] : a.pts.concat(b.pts), MAX_CUMULATIVE_POINTS);
  }
}

/** The latest point of a cumulative series in a window (the baseline of its next window). */
export function lastCumulativePoint(m: MetricAggJson): CumulativePoint | undefined {
  if (m.pts === undefined || m.pts.length === 0) return undefined;
  compactPoints(m.pts, MAX_CUMULATIVE_POINTS);
  return m.pts[m.pts.length - 1];
}

function finalizeMetric(
  m: MetricAggJson,
  window_start_ms: number,
  window_ms: number,
  baseline: CumulativePoint | undefined,
): MetricFeatures {
  const delta = m.temporality === 1;
  const hist = m.kind !== "gauge" && m.kind !== "sum";
  let rate: number | null = null;
  let count: number | null = null, sum: number | null = null;
  let mean: number | null = stable(m.vsum / m.points);
  if (delta) {
    if (m.kind === "sum") rate = stable(m.vsum / (window_ms / 1000));
    if (hist) {
      count = m.hc;
      sum = stable(m.hs);
    }
  } else if (m.pts !== undefined && m.pts.length > 0) {
    const pts = compactPoints(m.pts, MAX_CUMULATIVE_POINTS);
    const inc = cumulativeIncrease(pts, { window_start_ms, baseline, monotonic: m.mono !== false });
    if (m.kind === "sum") {
      // to the µs: epoch times decoded from ns into a double carry ~0.2 µs of noise
      const elapsed = Math.round((pts[pts.length - 1][0] - (inc?.since_ms ?? Infinity)) * 1000) / 1000;
      if (inc !== null && elapsed > 0) rate = stable(inc.value / (elapsed / 1000));
    } else if (inc !== null) {
      count = inc.value;
      sum = stable(inc.sum);
    }
  }
  if (hist) mean = count !== null && count > 0 && sum !== null ? stable(sum / count) : null;
  return {
    name: m.name,
    kind: m.kind,
    unit: m.unit,
    instance: m.instance,
    labels: m.labels,
    points: m.points,
    last: m.lv,
    min: m.min,
    max: m.max,
    mean,
    rate_per_s: rate,
    count,
    sum,
  };
}

// ------------------------------------------------------------------------------------------- logs

export const SEVERITIES = ["UNSET", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

/** Severity bucket index of an OTLP severity number (falls back on the text when the number is 0). */
export function severityIndex(n: number, text: string): number {
  if (n >= 1 && n <= 24) return 1 + ((n - 1) >> 2);
  if (text) {
    const i = SEVERITIES.indexOf(text.toUpperCase().replace("WARNING", "WARN") as typeof SEVERITIES[number]);
    if (i > 0) return i;
  }
  return 0;
}

export interface LogAggJson {
  n: number;
  sev: number[];
  /** template id → [template, count, error count] */
  tpl: Record<string, [string, number, number]>;
}

export function newLogAgg(): LogAggJson {
  return { n: 0, sev: [0, 0, 0, 0, 0, 0, 0], tpl: {} };
}

export function mergeLogAgg(a: LogAggJson, b: LogAggJson): void {
  a.n += b.n;
  for (let i = 0; i < a.sev.length; i++) a.sev[i] += b.sev[i];
  for (const id in b.tpl) {
    const t = a.tpl[id];
    const u = b.tpl[id];
    if (t === undefined) a.tpl[id] = [u[0], u[1], u[2]];
    else {
      t[1] += u[1];
      t[2] += u[2];
    }
  }
}

// ------------------------------------------------------------------------------------------- service window

export interface ServiceWindowJson {
  tenant: string;
  service: string;
  window_start_ms: number;
  ops: [string, SpanStatsJson][];
  metrics: MetricAggJson[];
  logs: LogAggJson;
  instances: string[];
  /** operations already folded into the overflow bucket */
  ovf: string[];
  /** metric series already dropped by the hard cap (keys) */
  mdrop?: string[];
}

export interface FinalizeOptions {
  window_ms: number;
  /** Per-service cap on distinct operations; the rest are folded into "__overflow__". @default 200 */
  max_operations?: number;
  /** Cap on metric series per service; extra series are dropped and counted. @default 2000 */
  max_metric_series?: number;
  /** Cap on log templates per service and window. @default 500 */
  max_templates?: number;
  /**
   * The previous point of each cumulative metric series (by {@link metricKey}) from an earlier window of
   * this service: rates and increases are measured from it. @default none (within-window increases only)
   */
  baselines?: ReadonlyMap<string, CumulativePoint>;
  /** This service's log template clusters; without it masked templates are counted as they are. */
  log_clusters?: LogClusterer;
  /** Known service names: tokens naming them never merge into `<*>` (see log_cluster.ts). */
  services?: ServiceNames;
}

export class ServiceWindow {
  readonly ops = new Map<string, SpanStats>();
  readonly metrics = new Map<string, MetricAggJson>();
  logs: LogAggJson = newLogAgg();
  readonly instances = new Set<string>();
  /** Operations folded into the overflow bucket while accumulating (hard memory cap). */
  readonly overflowed = new Set<string>();
  /** Metric series dropped while accumulating (hard memory cap), by key. */
  readonly dropped_metrics = new Set<string>();
  constructor(readonly tenant: string, readonly service: string, readonly window_start_ms: number) {}

  op(name: string): SpanStats {
    let s = this.ops.get(name);
    if (s === undefined) {
      s = new SpanStats();
      this.ops.set(name, s);
    }
    return s;
  }

  /**
   * Merges another partial of the same (tenant, service, window). `hard_op_cap` and `hard_metric_cap` bound
   * memory: operations beyond the first fold into "__overflow__", metric series beyond it are dropped (and
   * remembered, to be counted).
   */
  merge(o: ServiceWindow, hard_op_cap = Infinity, hard_metric_cap = Infinity): void {
    for (const [name, s] of o.ops) {
      const mine = this.ops.get(name);
      if (mine !== undefined) mine.merge(s);
      else if (this.ops.size < hard_op_cap || name === OVERFLOW_OPERATION) this.ops.set(name, s);
      else {
        this.overflowed.add(name);
        this.op(OVERFLOW_OPERATION).merge(s);
      }
    }
    for (const n of o.overflowed) this.overflowed.add(n);
    for (const [k, m] of o.metrics) {
      const mine = this.metrics.get(k);
      if (mine !== undefined) mergeMetricAgg(mine, m);
      else if (this.metrics.size < hard_metric_cap) this.metrics.set(k, m);
      else this.dropped_metrics.add(k);
    }
    for (const k of o.dropped_metrics) if (!this.metrics.has(k)) this.dropped_metrics.add(k);
    mergeLogAgg(this.logs, o.logs);
    for (const i of o.instances) this.instances.add(i);
  }

  toJSON(): ServiceWindowJson {
    return {
      tenant: this.tenant,
      service: this.service,
      window_start_ms: this.window_start_ms,
      ops: [...this.ops].map(([k, v]) => [k, v.toJSON()]),
      metrics: [...this.metrics.values()],
      logs: this.logs,
      instances: [...this.instances],
      ovf: [...this.overflowed],
      mdrop: this.dropped_metrics.size > 0 ? [...this.dropped_metrics] : undefined,
    };
  }

  static fromJSON(j: ServiceWindowJson): ServiceWindow {
    const w = new ServiceWindow(j.tenant, j.service, j.window_start_ms);
    for (const [k, v] of j.ops) w.ops.set(k, SpanStats.fromJSON(v));
    for (const m of j.metrics) {
      m.min ??= Infinity;
      m.max ??= -Infinity;
      m.lt ??= -Infinity;
      w.metrics.set(metricKey(m.name, m.kind, m.instance, m.labels), m);
    }
    w.logs = j.logs;
    for (const i of j.instances) w.instances.add(i);
    for (const n of j.ovf ?? []) w.overflowed.add(n);
    for (const k of j.mdrop ?? []) w.dropped_metrics.add(k);
    return w;
  }

  /** The FEATURES record of this window. Deterministic in the merged content. */
  finalize(options: FinalizeOptions): FeatureRecord {
    const { window_ms } = options;
    const maxOps = options.max_operations ?? 200;
    const total = new SpanStats();
    const ranked = [...this.ops].filter(([n]) => n !== OVERFLOW_OPERATION)
      .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = ranked.slice(0, maxOps);
    const overflow = new SpanStats();
    const overflowNames = new Set(this.overflowed);
    const pre = this.ops.get(OVERFLOW_OPERATION);
    if (pre) overflow.merge(pre);
    for (const [n, s] of ranked.slice(maxOps)) {
      overflow.merge(s);
      overflowNames.add(n);
    }
    const operations = kept.map(([operation, s]) => ({
      operation,
      count: s.count,
      error_count: s.errors,
      latency_ms: s.latency(),
    })).sort((a, b) => (a.operation < b.operation ? -1 : a.operation > b.operation ? 1 : 0));
    if (overflow.count > 0) {
      operations.push({
        operation: OVERFLOW_OPERATION,
        count: overflow.count,
        error_count: overflow.errors,
        latency_ms: overflow.latency(),
      });
    }
    for (const [, s] of this.ops) total.merge(s);
    const { kept: series, dropped } = this.metricSeries(options.max_metric_series ?? 2000);
    const start = this.window_start_ms;
    const metrics = series.map(([k, m]) => finalizeMetric(m, start, window_ms, options.baselines?.get(k)));
    const maxTpl = options.max_templates ?? 500;
    const tpl = options.log_clusters
      ? options.log_clusters.cluster(this.logs.tpl, { window_start_ms: start, services: options.services })
      : this.logs.tpl;
    const by_severity: Record<string, number> = {};
    this.logs.sev.forEach((c, i) => {
      if (c > 0) by_severity[SEVERITIES[i]] = c;
    });
    const templates = Object.entries(tpl)
      .map(([template_id, [template, count, error_count]]) => ({ template_id, template, count, error_count }))
      .sort((a, b) => b.count - a.count || (a.template_id < b.template_id ? -1 : 1))
      .slice(0, maxTpl);
    return {
      schema_version: FEATURE_SCHEMA_VERSION,
      tenant: this.tenant,
      service: this.service,
      window_start_ms: this.window_start_ms,
      window_end_ms: this.window_start_ms + window_ms,
      count: total.count,
      error_count: total.errors,
      rate_per_s: stable(total.count / (window_ms / 1000)),
      error_rate: total.count === 0 ? 0 : stable(total.errors / total.count),
      latency_ms: total.latency(),
      operations,
      operations_overflowed: overflowNames.size,
      metric_series_dropped: dropped.size,
      instances: [...this.instances].sort(),
      metrics,
      logs: { count: this.logs.n, by_severity, templates },
    };
  }

  /**
   * The metric series a record keeps (the first `max_series` by key, sorted) and the keys of those it drops
   * (beyond the cap here, or already by the hard cap while merging).
   */
  metricSeries(max_series: number): { kept: [string, MetricAggJson][]; dropped: Set<string> } {
    const sorted = [...this.metrics.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const dropped = new Set(this.dropped_metrics);
    for (let i = max_series; i < sorted.length; i++) dropped.add(sorted[i][0]);
    if (sorted.length > max_series) sorted.length = max_series;
    return { kept: sorted, dropped };
  }

  /** Rough heap bytes held (for the per-series budget and RSS accounting). */
  get byte_size(): number {
    let b = 200;
    for (const [n, s] of this.ops) b += 120 + n.length * 2 + s.sketch.byte_size;
    return b + this.metrics.size * 300;
  }
}

export function metricKey(name: string, kind: string, instance: string, labels: string): string {
  return `${name}\u0000${kind}\u0000${instance}\u0000${labels}`;
}

/**
 * Reduces simulation ticks to per-service numbers a person (or a test) can read: span counts, errors,
 * latency percentiles of server spans and of the calls into each service as its callers see them,
 * exception events, log severities, and the mean of each resource gauge. For checks and summaries, not
 * for the pipeline (Vigil's features are computed from the OTLP bytes).
 */
import type { KeyValue } from "./otlp_json.ts";
import { SpanKind, StatusCode } from "./otlp_json.ts";
import type { SimulationTick } from "./simulation.ts";

export interface ServiceSummary {
  /** Server and consumer spans. */
  server_spans: number;
  server_errors: number;
  server_ms: number[];
  /** Client/producer spans whose peer.service is this service (what callers see). */
  inbound_calls: number;
  inbound_errors: number;
  inbound_ms: number[];
  /** Client spans this service made. */
  outbound_errors: number;
  exceptions: number;
  logs: Record<string, number>;
  /** metric name (+ "{attr=value}" for attributed points) → values in time order. */
  metrics: Record<string, number[]>;
}

function serviceOf(attributes: readonly KeyValue[]): string {
  for (const a of attributes) if (a.key === "service.name") return a.value.stringValue ?? "";
  return "";
}

function ms(nanos: string): number {
  return Number(nanos.slice(0, -3)) / 1000;
}

function empty(): ServiceSummary {
  return {
    server_spans: 0,
    server_errors: 0,
    server_ms: [],
    inbound_calls: 0,
    inbound_errors: 0,
    inbound_ms: [],
    outbound_errors: 0,
    exceptions: 0,
    logs: {},
    metrics: {},
  };
}

/** Summarizes ticks (optionally only those whose start lies in [from_ms, to_ms)). */
export function summarizeTicks(
  ticks: Iterable<SimulationTick>,
  options: { from_ms?: number; to_ms?: number } = {},
): Map<string, ServiceSummary> {
  const out = new Map<string, ServiceSummary>();
  const get = (s: string) => {
    let v = out.get(s);
    if (!v) out.set(s, v = empty());
    return v;
  };
  for (const t of ticks) {
    if (options.from_ms !== undefined && t.start_ms < options.from_ms) continue;
    if (options.to_ms !== undefined && t.start_ms >= options.to_ms) continue;
    for (const rs of t.traces?.resourceSpans ?? []) {
      const svc = serviceOf(rs.resource.attributes);
      const me = get(svc);
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const d = ms(s.endTimeUnixNano) - ms(s.startTimeUnixNano);
          const err = s.status?.code === StatusCode.ERROR;
          if (s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER) {
            me.server_spans++;
            if (err) me.server_errors++;
            me.server_ms.push(d);
            if (s.events?.some((e) => e.name === "exception")) me.exceptions++;
          } else {
            if (err) me.outbound_errors++;
            const peer = s.attributes.find((a) => a.key === "peer.service")?.value.stringValue;
            if (peer) {
              const p = get(peer);
              p.inbound_calls++;
              if (err) p.inbound_errors++;
              p.inbound_ms.push(d);
            }
          }
        }
      }
    }
    for (const rl of t.logs?.resourceLogs ?? []) {
      const me = get(serviceOf(rl.resource.attributes));
      for (const sl of rl.scopeLogs) {
        for (const r of sl.logRecords) me.logs[r.severityText] = (me.logs[r.severityText] ?? 0) + 1;
      }
    }
    for (const rm of t.metrics?.resourceMetrics ?? []) {
      const svc = serviceOf(rm.resource.attributes);
      if (!svc) continue;
      const me = get(svc);
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.gauge?.dataPoints ?? m.sum?.dataPoints ?? []) {
            const a = p.attributes?.map((kv) => `${kv.key}=${kv.value.stringValue ?? kv.value.intValue}`)
              .join(",");
            const key = a ? `${m.name}{${a}}` : m.name;
            (me.metrics[key] ??= []).push(p.asDouble);
          }
        }
      }
    }
  }
  return out;
}

/** The q-quantile (0..1) of values (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

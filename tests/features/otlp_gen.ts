/**
 * Deterministic hand-built OTLP for feature tests: spans, metrics and logs with known exact statistics.
 */
import { encodeOtlp } from "../../src/core/otlp/codec.ts";

export interface GenSpan {
  service: string;
  pod?: string;
  name: string;
  kind: number;
  start_ms: number;
  duration_ms: number;
  status?: number;
  http?: number;
  grpc?: number;
  trace?: number;
  span?: number;
  parent?: number;
  attrs?: Record<string, string>;
}

const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, "0");
const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** One ExportTraceServiceRequest holding `spans` (grouped by service + pod into resources). */
export function traceRequest(spans: GenSpan[]): Uint8Array {
  const byRes = new Map<string, GenSpan[]>();
  for (const s of spans) {
    const k = `${s.service}|${s.pod ?? ""}`;
    byRes.set(k, [...(byRes.get(k) ?? []), s]);
  }
  return encodeOtlp("traces", {
    resourceSpans: [...byRes].map(([k, list]) => {
      const [service, pod] = k.split("|");
      const attributes = [{ key: "service.name", value: { stringValue: service } }];
      if (pod) {
        attributes.push({ key: "k8s.pod.name", value: { stringValue: pod } });
        attributes.push({ key: "host.name", value: { stringValue: `node-${pod.length % 2}` } });
      }
      return {
        resource: { attributes },
        scopeSpans: [{
          spans: list.map((s, i) => {
            const attrs = Object.entries(s.attrs ?? {}).map(([key, v]) => ({
              key,
              value: { stringValue: v },
            }));
            if (s.http) {
              attrs.push({ key: "http.response.status_code", value: { intValue: String(s.http) } as never });
            }
            if (s.grpc !== undefined) {
              attrs.push({ key: "rpc.grpc.status_code", value: { intValue: String(s.grpc) } as never });
            }
            return {
              traceId: hex(s.trace ?? i + 1, 16),
              spanId: hex(s.span ?? i + 1, 8),
              parentSpanId: s.parent ? hex(s.parent, 8) : undefined,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: ns(s.start_ms),
              endTimeUnixNano: ns(s.start_ms + s.duration_ms),
              attributes: attrs,
              status: s.status ? { code: s.status } : undefined,
            };
          }),
        }],
      };
    }),
  });
}

import { mulberry32 as rng } from "../../src/core/mulberry32.ts";
export { rng };

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export interface Workload {
  messages: Uint8Array[];
  spans: GenSpan[];
}

/**
 * `n_messages` trace requests of `per_message` spans over services a, b, c and 3 operations each, event
 * times spread over [t0, t0 + span_ms) in arrival order with jitter ≤ jitter_ms.
 */
export function workload(
  options: {
    n_messages: number;
    per_message: number;
    t0?: number;
    span_ms?: number;
    jitter_ms?: number;
    seed?: number;
  },
): Workload {
  const rand = rng(options.seed ?? 1);
  const t0 = options.t0 ?? 1_700_000_000_000;
  const total = options.n_messages * options.per_message;
  const spanMs = options.span_ms ?? 60_000;
  const jitter = options.jitter_ms ?? 2_000;
  const spans: GenSpan[] = [];
  const messages: Uint8Array[] = [];
  let k = 0;
  for (let m = 0; m < options.n_messages; m++) {
    const batch: GenSpan[] = [];
    for (let i = 0; i < options.per_message; i++, k++) {
      const service = ["a", "b", "c"][Math.floor(rand() * 3)];
      const op = Math.floor(rand() * 3);
      const base = t0 + (k / total) * spanMs;
      const s: GenSpan = {
        service,
        pod: `${service}-pod-${op % 2}`,
        name: `${service}.op${op}`,
        kind: 2,
        start_ms: Math.max(t0, base - rand() * jitter),
        duration_ms: Math.round(Math.exp(rand() * 7) * 1000) / 1000,
        http: rand() < 0.05 ? 503 : 200,
        status: rand() < 0.03 ? 2 : 0,
        trace: k + 1,
        span: k + 1,
      };
      batch.push(s);
      spans.push(s);
    }
    messages.push(traceRequest(batch));
  }
  return { messages, spans };
}

/** One telemetry message of a {@link telemetryWorkload}. */
export interface SignalMessage {
  signal: "metrics" | "logs";
  bytes: Uint8Array;
}

/** The truth of a {@link telemetryWorkload}, per pod and export tick (tick k lies in window k). */
export interface TelemetryTruth {
  pods: { service: string; pod: string }[];
  /** pod → per tick: increase of the cumulative `requests` sum (the value since a reset at a reset tick) */
  requests: number[][];
  /** pod → per tick: increase of the cumulative `latency` histogram [count, sum] */
  latency: [number, number][][];
  /** Export time of each pod's points within a window, ms after its start. */
  offset_ms: number[];
  /** pod index → the tick at which that pod restarted (its cumulative series start over), if any. */
  restarts: Map<number, number>;
}

const USERS = ["alice", "bob", "carol", "dave", "erin", "frank"];
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
const msNs = (ms: number) => `${ms}000000`;

/**
 * Services a, b, c with two pods each export every `window_ms` (one point per series per window, the
 * common case of a 10 s export interval and 10 s windows): a cumulative monotonic sum `requests`, a cumulative
 * histogram `latency` and a gauge `cpu` (one metrics message per pod and tick), and logs (one message per pod
 * and tick): `user <name> logged in from <ip>` with random user names, and error lines naming one of the
 * other two services (`call to <svc> failed after <n> ms`). Pod a-1 restarts at tick 3 (new start time, counters
 * from zero). Deterministic in `seed`.
 */
export function telemetryWorkload(
  options: { ticks: number; t0?: number; window_ms?: number; seed?: number },
): { messages: SignalMessage[]; truth: TelemetryTruth } {
  const rand = rng(options.seed ?? 3);
  const t0 = options.t0 ?? 1_700_000_000_000;
  const W = options.window_ms ?? 10_000;
  const services = ["a", "b", "c"];
  const pods = services.flatMap((service) => [0, 1].map((i) => ({ service, pod: `${service}-${i}` })));
  const restarts = new Map([[1, 3]]);
  const offset_ms = pods.map((_, i) => 2_000 + 500 * i);
  const truth: TelemetryTruth = { pods, requests: [], latency: [], offset_ms, restarts };
  const messages: SignalMessage[] = [];
  pods.forEach(({ service, pod }, i) => {
    let start = t0 - 60_000, value = 1_000 * (i + 1), count = 500, sum = 2_500;
    truth.requests.push([]);
    truth.latency.push([]);
    for (let k = 0; k < options.ticks; k++) {
      const t = t0 + k * W + offset_ms[i];
      const dv = 1 + Math.floor(rand() * 100), dc = 1 + Math.floor(rand() * 50);
      const ds = Math.round(dc * (1 + rand() * 20) * 1000) / 1000;
      if (restarts.get(i) === k) {
        start = t0 + k * W + 1_000;
        value = count = sum = 0;
      }
      value += dv;
      count += dc;
      sum += ds;
      truth.requests[i].push(dv);
      truth.latency[i].push([dc, ds]);
      const resource = { attributes: [attr("service.name", service), attr("k8s.pod.name", pod)] };
      messages.push({
        signal: "metrics",
        bytes: encodeOtlp("metrics", {
          resourceMetrics: [{
            resource,
            scopeMetrics: [{
              metrics: [
                {
                  name: "cpu",
                  unit: "1",
                  gauge: { dataPoints: [{ timeUnixNano: msNs(t), asDouble: rand() }] },
                },
                {
                  name: "requests",
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{
                      startTimeUnixNano: msNs(start),
                      timeUnixNano: msNs(t),
                      asInt: String(value),
                    }],
                  },
                },
                {
                  name: "latency",
                  unit: "ms",
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [{
                      startTimeUnixNano: msNs(start),
                      timeUnixNano: msNs(t),
                      count: String(count),
                      sum,
                      bucketCounts: [String(count)],
                      explicitBounds: [],
                    }],
                  },
                },
              ],
            }],
          }],
        }),
      });
      const next = services[(services.indexOf(service) + 1 + Math.floor(rand() * 2)) % services.length];
      const logRecords = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, j) => ({
        timeUnixNano: msNs(t + j),
        severityNumber: 9,
        body: {
          stringValue: `user ${USERS[Math.floor(rand() * USERS.length)]} logged in from 10.0.${i}.${j}`,
        },
      }));
      if (rand() < 0.5) {
        logRecords.push({
          timeUnixNano: msNs(t + 10),
          severityNumber: 17,
          body: { stringValue: `call to ${next} failed after ${Math.floor(rand() * 900)} ms` },
        });
      }
      messages.push({
        signal: "logs",
        bytes: encodeOtlp("logs", { resourceLogs: [{ resource, scopeLogs: [{ logRecords }] }] }),
      });
    }
  });
  return { messages, truth };
}

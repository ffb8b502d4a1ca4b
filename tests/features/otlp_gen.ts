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

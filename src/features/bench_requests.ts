/**
 * The ExportTraceServiceRequests the feature benchmarks decode (bench:features and kernels/bench/otlp_scan.ts):
 * 512 spans each over 20 services × 20 operations, 8 attributes per span (HTTP server semantic conventions),
 * 4 resource attributes per service. Deterministic in the seed.
 *
 * @module
 */
import { encodeOtlp } from "../core/otlp/codec.ts";

export const SPANS_PER_REQUEST = 512;

const hex = (n: number, b: number) => n.toString(16).padStart(2 * b, "0");

/** Request number `seed`, its spans starting at epoch ms t0. */
export function traceRequest(seed: number, t0: number): Uint8Array {
  const byService = new Map<number, unknown[]>();
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const k = seed * SPANS_PER_REQUEST + i;
    const svc = k % 20;
    const op = (k >> 3) % 20;
    const start = BigInt(t0 + Math.floor(i / 50)) * 1_000_000n + BigInt(k % 1000) * 1000n;
    const dur = BigInt(((k * 2654435761) >>> 0) % 50_000_000);
    const list = byService.get(svc) ?? [];
    list.push({
      traceId: hex(k >> 2, 16),
      spanId: hex(k + 1, 8),
      parentSpanId: k % 4 === 0 ? undefined : hex(k, 8),
      name: `GET /api/v1/resource${op}`,
      kind: 1 + (k % 4 === 0 ? 1 : k % 3 === 0 ? 2 : 0),
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + dur).toString(),
      attributes: [
        { key: "http.request.method", value: { stringValue: "GET" } },
        { key: "http.route", value: { stringValue: `/api/v1/resource${op}` } },
        { key: "url.full", value: { stringValue: `http://svc${svc}:8080/api/v1/resource${op}?id=${k}` } },
        { key: "http.response.status_code", value: { intValue: k % 50 === 0 ? 503 : 200 } },
        { key: "server.address", value: { stringValue: `svc${svc}` } },
        { key: "server.port", value: { intValue: 8080 } },
        { key: "network.protocol.version", value: { stringValue: "1.1" } },
        { key: "user_agent.original", value: { stringValue: "Mozilla/5.0 (X11; Linux x86_64)" } },
      ],
      status: { code: k % 97 === 0 ? 2 : 0 },
    });
    byService.set(svc, list);
  }
  return encodeOtlp("traces", {
    resourceSpans: [...byService].map(([svc, spans]) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: `svc${svc}` } },
          { key: "k8s.pod.name", value: { stringValue: `svc${svc}-7d9f8-abcde` } },
          { key: "host.name", value: { stringValue: `node-${svc % 3}` } },
          { key: "telemetry.sdk.language", value: { stringValue: "nodejs" } },
        ],
      },
      scopeSpans: [{ scope: { name: "@opentelemetry/instrumentation-http", version: "0.200.0" }, spans }],
    })),
  });
}

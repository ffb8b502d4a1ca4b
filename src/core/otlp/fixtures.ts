/** Small OTLP request builders (OTLP/JSON object form) for tests and benchmarks. */
import type { OtlpObject } from "./codec.ts";

export function hexId(n: number, bytes: number): string {
  return (n + 1).toString(16).padStart(bytes * 2, "0");
}

export interface TraceRequestOptions {
  services?: number;
  spans_per_service?: number;
  start_ns?: bigint;
  /** attributes per span @default 4 */
  attributes?: number;
}

/** A traces request: `services` resources × `spans_per_service` server spans with a few attributes. */
export function traceRequest(options: TraceRequestOptions = {}): OtlpObject {
  const { services = 2, spans_per_service = 3, start_ns = 1_700_000_000_000_000_000n, attributes = 4 } =
    options;
  let n = 0;
  return {
    resourceSpans: Array.from({ length: services }, (_, si) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: `svc-${si}` } },
          { key: "k8s.pod.name", value: { stringValue: `svc-${si}-7d9f-x${si}` } },
        ],
      },
      scopeSpans: [{
        scope: { name: "vigil-test", version: "1" },
        spans: Array.from({ length: spans_per_service }, () => {
          const i = n++;
          const start = start_ns + BigInt(i) * 1_000_000n;
          return {
            traceId: hexId(i >> 2, 16),
            spanId: hexId(i, 8),
            parentSpanId: i % 4 === 0 ? "" : hexId(i - 1, 8),
            name: `GET /api/${i % 7}`,
            kind: 2,
            startTimeUnixNano: start.toString(),
            endTimeUnixNano: (start + BigInt(1_000_000 + (i % 13) * 100_000)).toString(),
            attributes: Array.from({ length: attributes }, (_, a) => ({
              key: a === 0 ? "http.response.status_code" : `attr.${a}`,
              value: a === 0
                ? { intValue: String(i % 50 === 0 ? 500 : 200) }
                : { stringValue: `v${a}-${i % 5}` },
            })),
            status: { code: i % 50 === 0 ? 2 : 0 },
          };
        }),
      }],
    })),
  };
}

export function metricsRequest(points = 3): OtlpObject {
  return {
    resourceMetrics: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "svc-0" } }] },
      scopeMetrics: [{
        scope: { name: "vigil-test" },
        metrics: [
          {
            name: "process.cpu.utilization",
            unit: "1",
            gauge: {
              dataPoints: Array.from({ length: points }, (_, i) => ({
                timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n),
                asDouble: 0.1 * i,
              })),
            },
          },
          {
            name: "http.server.request.duration",
            unit: "s",
            histogram: {
              aggregationTemporality: 2,
              dataPoints: [{
                timeUnixNano: "1700000000000000000",
                count: "3",
                sum: 0.6,
                bucketCounts: ["1", "1", "1"],
                explicitBounds: [0.1, 0.5],
              }],
            },
          },
        ],
      }],
    }],
  };
}

export function logsRequest(records = 3): OtlpObject {
  return {
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "svc-0" } }] },
      scopeLogs: [{
        scope: { name: "vigil-test" },
        logRecords: Array.from({ length: records }, (_, i) => ({
          timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
          severityNumber: i % 2 ? 17 : 9,
          severityText: i % 2 ? "ERROR" : "INFO",
          body: { stringValue: `request ${i} took ${i * 3} ms` },
          traceId: hexId(i, 16),
          spanId: hexId(i, 8),
        })),
      }],
    }],
  };
}

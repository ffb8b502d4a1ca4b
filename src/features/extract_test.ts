import { deepStrictEqual as assertEquals, throws } from "node:assert";
import { encodeOtlp } from "../core/otlp/codec.ts";
import { Extractor } from "./extract.ts";
import { OtlpScanError } from "./otlp_scan.ts";
import { HalfColumns } from "../graph/half_columns.ts";
import { WindowReducer } from "./window_reducer.ts";
import type { FeatureRecord } from "../core/feature_record.ts";

const T0 = 1_700_000_000_000;
const ns = (ms: number) => `${ms}000000`;
const res = (service: string, pod: string) => ({
  attributes: [
    { key: "service.name", value: { stringValue: service } },
    { key: "k8s.pod.name", value: { stringValue: pod } },
  ],
});

function reduce(...msgs: ["metrics" | "logs" | "traces", Uint8Array][]): FeatureRecord[] {
  const ex = new Extractor({ window_ms: 10_000 });
  const r = new WindowReducer({ window_ms: 10_000 });
  msgs.forEach(([signal, b], i) => {
    const x = ex.extract(signal, "default", b);
    r.accept({
      v: 1,
      tenant: "default",
      src: String(i),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    });
  });
  return r.close({ all: true }).records;
}

Deno.test("metrics become per-instance gauges, sum rates and histogram totals", () => {
  const gauge = (pod: string, t: number, v: number) =>
    encodeOtlp("metrics", {
      resourceMetrics: [{
        resource: res("db", pod),
        scopeMetrics: [{
          metrics: [
            { name: "cpu", unit: "1", gauge: { dataPoints: [{ timeUnixNano: ns(T0 + t), asDouble: v }] } },
            {
              name: "requests",
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [{ timeUnixNano: ns(T0 + t), asInt: String(100 + t / 10) }],
              },
            },
            {
              name: "errors",
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: [{ timeUnixNano: ns(T0 + t), asInt: "5" }],
              },
            },
            {
              name: "latency",
              histogram: {
                aggregationTemporality: 1,
                dataPoints: [{
                  timeUnixNano: ns(T0 + t),
                  count: "4",
                  sum: 10,
                  bucketCounts: ["1", "3"],
                  explicitBounds: [2],
                }],
              },
            },
          ],
        }],
      }],
    });
  // pod-a: points at 1 s and 5 s (any order); pod-b: one point
  const [rec] = reduce(["metrics", gauge("db-a", 5_000, 0.75)], ["metrics", gauge("db-a", 1_000, 0.25)], [
    "metrics",
    gauge("db-b", 2_000, 0.5),
  ]);
  const m = (name: string, instance: string) =>
    rec.metrics.find((x) => x.name === name && x.instance === instance)!;
  assertEquals([
    m("cpu", "db-a").last,
    m("cpu", "db-a").mean,
    m("cpu", "db-a").min,
    m("cpu", "db-a").max,
    m("cpu", "db-a").points,
  ], [0.75, 0.5, 0.25, 0.75, 2]);
  assertEquals(m("requests", "db-a").rate_per_s, 100); // (600 − 200) / 4 s
  assertEquals(m("requests", "db-b").rate_per_s, null); // one cumulative point: no rate
  assertEquals(m("errors", "db-a").rate_per_s, 1); // delta: 10 / 10 s
  assertEquals([m("latency", "db-a").count, m("latency", "db-a").sum], [8, 20]);
  assertEquals(rec.instances, ["db-a", "db-b"]);
  assertEquals(rec.count, 0);
  assertEquals(rec.latency_ms, null);
});

Deno.test("logs are counted by severity and by stable template", () => {
  const logs = encodeOtlp("logs", {
    resourceLogs: [{
      resource: res("api", "api-1"),
      scopeLogs: [{
        logRecords: [
          { timeUnixNano: ns(T0 + 1), severityNumber: 17, body: { stringValue: "db timeout after 30 ms" } },
          { timeUnixNano: ns(T0 + 2), severityNumber: 18, body: { stringValue: "db timeout after 4000 ms" } },
          { timeUnixNano: ns(T0 + 3), severityNumber: 9, body: { stringValue: "GET /users/7 200" } },
          { timeUnixNano: ns(T0 + 4), severityText: "warning", body: { stringValue: "slow" } },
          { observedTimeUnixNano: ns(T0 + 5), body: { stringValue: "GET /users/9 200" } },
        ],
      }],
    }],
  });
  const [rec] = reduce(["logs", logs]);
  assertEquals(rec.logs.count, 5);
  assertEquals(rec.logs.by_severity, { UNSET: 1, INFO: 1, WARN: 1, ERROR: 2 });
  assertEquals(rec.logs.templates.map((t) => [t.template, t.count, t.error_count]), [
    ["db timeout after <*> ms", 2, 2], // by count, then by template id
    ["GET /users/<*> <*>", 2, 0],
    ["slow", 1, 0],
  ]);
});

Deno.test("span errors follow the semantic conventions for HTTP and gRPC", () => {
  const span = (kind: number, attrs: [string, number][], status = 0) => ({
    traceId: "0102030405060708090a0b0c0d0e0f10",
    spanId: "0102030405060708",
    name: "op",
    kind,
    startTimeUnixNano: ns(T0),
    endTimeUnixNano: ns(T0 + 1),
    attributes: attrs.map(([key, v]) => ({ key, value: { intValue: String(v) } })),
    status: status ? { code: status } : undefined,
  });
  const cases: [ReturnType<typeof span>, boolean][] = [
    [span(2, [["http.response.status_code", 500]]), true],
    [span(2, [["http.response.status_code", 404]]), false],
    [span(3, [["http.response.status_code", 404]]), true],
    [span(2, [["rpc.grpc.status_code", 14]]), true],
    [span(2, [["rpc.grpc.status_code", 5]]), false],
    [span(3, [["rpc.grpc.status_code", 5]]), true],
    [span(1, [], 2), true],
    [span(2, [["http.response.status_code", 503]], 1), false], // explicit OK wins
  ];
  for (const [s, want] of cases) {
    const b = encodeOtlp("traces", {
      resourceSpans: [{ resource: res("a", "a-1"), scopeSpans: [{ spans: [s] }] }],
    });
    assertEquals(reduce(["traces", b])[0].error_count, want ? 1 : 0, JSON.stringify(s.attributes));
  }
});

Deno.test("extract() opens no service window for a host-only resource (no service.name, no pod)", () => {
  const host = { attributes: [{ key: "host.name", value: { stringValue: "node-1" } }] };
  const gauge = (resource: object) =>
    encodeOtlp("metrics", {
      resourceMetrics: [{
        resource,
        scopeMetrics: [{
          metrics: [{
            name: "system.cpu.utilization",
            unit: "1",
            gauge: { dataPoints: [{ timeUnixNano: ns(T0), asDouble: 0.5 }] },
          }],
        }],
      }],
    });
  const recs = reduce(["metrics", gauge(host)], ["metrics", gauge(res("web", "web-0"))]);
  assertEquals(recs.map((r) => r.service), ["web"]);
  // a resource without service.name but with a pod is still a (nameless) service
  const pod = { attributes: [{ key: "k8s.pod.name", value: { stringValue: "p-0" } }] };
  assertEquals(reduce(["metrics", gauge(pod)]).map((r) => r.service), ["unknown_service"]);
});

Deno.test("extractInto() leaves the halves as they were when a malformed message throws mid-scan", () => {
  const good = encodeOtlp("traces", {
    resourceSpans: [{
      resource: res("api", "api-1"),
      scopeSpans: [{
        spans: [{
          traceId: "0102030405060708090a0b0c0d0e0f10",
          spanId: "1112131415161718",
          parentSpanId: "2122232425262728",
          name: "GET /x",
          kind: 2,
          startTimeUnixNano: ns(T0),
          endTimeUnixNano: ns(T0 + 3),
        }],
      }],
    }],
  });
  const ex = new Extractor({ window_ms: 10_000 });
  const want = ex.extract("traces", "default", good).halves.toHalves();
  // a server half carries the join key trace id + parent span id
  assertEquals([want[0].tr, want[0].id, want[0].par], [
    "0102030405060708090a0b0c0d0e0f10",
    "",
    "2122232425262728",
  ]);
  // a second ResourceSpans whose resource has the wrong wire type: the first one's span is read (and its
  // half appended) before the error is found
  const bad = new Uint8Array([...good, 0x0a, 0x02, 0x08, 0x01]);
  const into = { tenant: "default", windows: new Map(), halves: new HalfColumns() };
  ex.extractInto("traces", good, into);
  throws(() => ex.extractInto("traces", bad, into), OtlpScanError);
  ex.extractInto("traces", good, into);
  assertEquals(into.halves.toHalves(), [...want, ...want]);
});

import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import fc from "fast-check";
import { encodeOtlp } from "../core/otlp/codec.ts";
import { Extractor } from "./extract.ts";
import { decodePartial, encodePartial, isBinaryPartial } from "./partial_codec.ts";
import { type PartialMessage, WindowReducer } from "./window_reducer.ts";
import { ServiceWindow } from "./window_aggregate.ts";
import type { FeatureRecord } from "../core/feature_record.ts";
import { workload } from "../../tests/features/otlp_gen.ts";

const T0 = 1_700_000_000_000;
const ns = (ms: number) => `${ms}000000`;
const res = (service: string, pod: string) => ({
  attributes: [
    { key: "service.name", value: { stringValue: service } },
    { key: "k8s.pod.name", value: { stringValue: pod } },
  ],
});

/** Traces, metrics (gauge, sum, histogram) and logs, so every section of a window is exercised. */
function mixedMessages(): ["traces" | "metrics" | "logs", Uint8Array][] {
  const traces = workload({ n_messages: 12, per_message: 80, jitter_ms: 1_000 }).messages;
  const metrics = encodeOtlp("metrics", {
    resourceMetrics: [{
      resource: res("a", "a-pod-0"),
      scopeMetrics: [{
        metrics: [
          { name: "cpu", unit: "1", gauge: { dataPoints: [{ timeUnixNano: ns(T0 + 5), asDouble: 0.5 }] } },
          {
            name: "reqs",
            sum: {
              aggregationTemporality: 2,
              isMonotonic: true,
              dataPoints: [
                {
                  timeUnixNano: ns(T0 + 1_000),
                  asInt: "10",
                  attributes: [{ key: "route", value: { stringValue: "/x" } }],
                },
                {
                  timeUnixNano: ns(T0 + 6_000),
                  asInt: "70",
                  attributes: [{ key: "route", value: { stringValue: "/x" } }],
                },
              ],
            },
          },
          {
            name: "lat",
            histogram: {
              aggregationTemporality: 1,
              dataPoints: [{
                timeUnixNano: ns(T0 + 2_000),
                count: "3",
                sum: 12,
                bucketCounts: ["1", "2"],
                explicitBounds: [5],
              }],
            },
          },
        ],
      }],
    }],
  });
  const logs = encodeOtlp("logs", {
    resourceLogs: [{
      resource: res("b", "b-pod-1"),
      scopeLogs: [{
        logRecords: [
          { timeUnixNano: ns(T0 + 1), severityNumber: 17, body: { stringValue: "db timeout after 30 ms" } },
          { timeUnixNano: ns(T0 + 2), severityNumber: 9, body: { stringValue: "GET /users/7 200 ünïcødé" } },
        ],
      }],
    }],
  });
  return [...traces.map((b) => ["traces", b] as ["traces", Uint8Array]), ["metrics", metrics], [
    "logs",
    logs,
  ]];
}

function reduceVia(wire: "json" | "binary"): FeatureRecord[] {
  const ex = new Extractor({ window_ms: 10_000 });
  const r = new WindowReducer({ window_ms: 10_000, max_out_of_order_ms: 600_000 });
  mixedMessages().forEach(([signal, b], i) => {
    const x = ex.extract(signal, "default", b);
    const msg = { v: 1 as const, tenant: "default", src: String(i), max_event_ms: x.max_event_ms };
    const p: PartialMessage = wire === "json"
      ? JSON.parse(JSON.stringify({ ...msg, windows: x.windows.map((w) => w.toJSON()) }))
      : decodePartial(encodePartial({ ...msg, windows: x.windows }));
    r.accept(p);
  });
  return r.close({ all: true }).records;
}

Deno.test("decodePartial(encodePartial()) yields the same records as the JSON form, every section", () => {
  const viaJson = reduceVia("json");
  const viaBinary = reduceVia("binary");
  ok(viaJson.some((r) => r.metrics.length >= 3) && viaJson.some((r) => r.logs.count === 2));
  ok(viaJson.reduce((n, r) => n + r.count, 0) === 12 * 80);
  assertEquals(viaBinary, viaJson);
});

Deno.test("decodePartial(encodePartial()) round-trips any span window exactly (property)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          op: fc.constantFrom("GET /a", "POST /b", "ü/c", ""),
          d: fc.oneof(fc.double({ min: -1, max: 1e9, noNaN: true }), fc.constant(0)),
          e: fc.boolean(),
        }),
        { minLength: 1, maxLength: 200 },
      ),
      fc.integer({ min: -1e12, max: 1e13 }),
      (spans, start) => {
        const w = new ServiceWindow("t", "svc", start);
        for (const s of spans) w.op(s.op).add(s.d, s.e);
        w.instances.add("pod-1");
        w.overflowed.add("gone");
        const src = { v: 1 as const, tenant: "t", src: "9/0", max_event_ms: start + 1, windows: [w] };
        const back = decodePartial(encodePartial(src));
        assertEquals({ ...back, windows: back.windows.map((x) => x.toJSON()) }, {
          ...src,
          windows: [w.toJSON()],
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("decodePartial() throws RangeError for truncation, trailing bytes, bad magic and version", () => {
  const ex = new Extractor({ window_ms: 10_000 });
  const x = ex.extract("traces", "default", workload({ n_messages: 1, per_message: 20 }).messages[0]);
  const bytes = encodePartial({ v: 1, tenant: "default", src: "1/0", max_event_ms: 0, windows: x.windows });
  ok(isBinaryPartial(bytes) && !isBinaryPartial(new TextEncoder().encode("{}")));
  for (let n = 0; n < bytes.length; n++) throws(() => decodePartial(bytes.subarray(0, n)), RangeError);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  throws(() => decodePartial(longer), /1 trailing bytes/);
  const v9 = bytes.slice();
  v9[2] = 9;
  throws(() => decodePartial(v9), /version 9 is not supported/);
});

Deno.test("decodePartial(encodePartial()) keeps a batch partial's covers, and reads version 1 partials", () => {
  const ex = new Extractor({ window_ms: 10_000 });
  const x = ex.extract("traces", "default", workload({ n_messages: 1, per_message: 20 }).messages[0]);
  const msg = { v: 1 as const, tenant: "default", src: "b/7/3/x", max_event_ms: 5, windows: x.windows };
  const batch = decodePartial(encodePartial({ ...msg, covers: [7, 9, 300, 70_000], partition: 3 }));
  assertEquals([batch.covers, batch.partition, batch.src], [[7, 9, 300, 70_000], 3, "b/7/3/x"]);
  throws(
    () => encodePartial({ ...msg, covers: [9, 7], partition: 0 }),
    /ascending sequences: current value is 9,7/,
  );
  // version 1: the same frame without the covers section (one varint 0 after max_event_ms)
  const v2 = encodePartial({ ...msg, src: "1/0" });
  const at = 3 + 1 + "default".length + 1 + "1/0".length + 8;
  assertEquals(v2[at], 0);
  const v1 = new Uint8Array([...v2.subarray(0, at), ...v2.subarray(at + 1)]);
  v1[2] = 1;
  const old = decodePartial(v1);
  assertEquals([old.covers, old.src, old.windows.length], [undefined, "1/0", x.windows.length]);
  assertEquals(old.windows.map((w) => w.toJSON()), decodePartial(v2).windows.map((w) => w.toJSON()));
});

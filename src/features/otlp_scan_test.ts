import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import fc from "fast-check";
import { decodeOtlp, encodeOtlp } from "../core/otlp/codec.ts";
import { exportWithSdk } from "../../tests/features/otel_sdk_fixture.ts";
import {
  idHex,
  type MetricPointView,
  nanosToMs,
  OtlpScanError,
  scanLogs,
  scanMetrics,
  scanTraces,
  type SpanView,
  validateOtlp,
} from "./otlp_scan.ts";

function b64ToHex(s: string | undefined): string {
  if (!s) return "";
  if (/^[0-9a-f]*$/.test(s) && s.length % 2 === 0) return s;
  return Array.from(atob(s), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

function flat(span: SpanView) {
  return {
    service: span.resource.service,
    pod: span.resource.pod,
    trace_id: idHex(span.trace_id),
    span_id: idHex(span.span_id),
    parent: idHex(span.parent_span_id),
    name: span.name,
    kind: span.kind,
    start_ms: span.start_ms,
    duration_ms: Math.round(span.duration_ms * 1e6),
    status: span.status_code,
    http: span.http_status,
    grpc: span.grpc_status,
    db: span.db_system,
    peer: span.peer_service,
    messaging: span.messaging_system,
  };
}

// deno-lint-ignore no-explicit-any
function attr(attrs: any[] | undefined, ...keys: string[]): any {
  for (const k of keys) {
    const a = attrs?.find((x) => x.key === k);
    if (a) return a.value.stringValue ?? Number(a.value.intValue ?? a.value.doubleValue);
  }
  return undefined;
}

/** The same fields through a full protobufjs decode. */
// deno-lint-ignore no-explicit-any
function viaProtobufjs(bytes: Uint8Array): any[] {
  const out = [];
  const req = decodeOtlp("traces", bytes);
  for (const rs of req.resourceSpans ?? []) {
    const service = attr(rs.resource?.attributes, "service.name") ?? "unknown_service";
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const start = BigInt(s.startTimeUnixNano), end = BigInt(s.endTimeUnixNano);
        out.push({
          service,
          pod: attr(rs.resource?.attributes, "k8s.pod.name") ?? "",
          trace_id: b64ToHex(s.traceId),
          span_id: b64ToHex(s.spanId),
          parent: b64ToHex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          start_ms: Number(start / 1_000_000n) + Number(start % 1_000_000n) / 1e6,
          duration_ms: Number(end - start),
          status: s.status?.code ?? 0,
          http: attr(s.attributes, "http.response.status_code", "http.status_code") ?? 0,
          grpc: attr(s.attributes, "rpc.grpc.status_code") ?? -1,
          db: attr(s.attributes, "db.system", "db.system.name") ?? "",
          peer: attr(s.attributes, "peer.service") ?? "",
          messaging: attr(s.attributes, "messaging.system") ?? "",
        });
      }
    }
  }
  return out;
}

Deno.test("scanTraces() matches a full protobufjs decode of OpenTelemetry JS SDK exports", async () => {
  const bodies = await exportWithSdk(({ tracer, start }) => {
    const fe = tracer("frontend", { "k8s.pod.name": "frontend-7d9f-abc" });
    const api = tracer("api");
    for (let i = 0; i < 150; i++) {
      const root = start(fe, "GET /checkout", {
        kind: SpanKind.SERVER,
        attributes: { "http.response.status_code": i % 10 === 0 ? 503 : 200 },
      });
      const call = start(fe, "POST", { kind: SpanKind.CLIENT, attributes: { "peer.service": "api" } }, root);
      const srv = start(api, "POST /orders", {
        kind: SpanKind.SERVER,
        attributes: { "rpc.grpc.status_code": i % 7 },
      }, call);
      const db = start(api, "SELECT orders", {
        kind: SpanKind.CLIENT,
        attributes: { "db.system": "postgresql" },
      }, srv);
      if (i % 5 === 0) db.setStatus({ code: SpanStatusCode.ERROR });
      const q = start(api, "orders publish", {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": "kafka" },
      }, srv);
      for (const s of [q, db, srv, call, root]) s.end();
    }
  });
  assertEquals(bodies.length > 1, true);
  let n = 0;
  for (const b of bodies) {
    const mine: ReturnType<typeof flat>[] = [];
    scanTraces(b, (s) => mine.push(flat(s)));
    const theirs = viaProtobufjs(b);
    // start_ms is a float (ns → ms): near 1.7e12 ms one float64 ULP is 2.4e-4 ms, so the two conversions
    // agree to a few ULPs (1 µs), not to the last bit
    for (let i = 0; i < mine.length; i++) {
      if (Math.abs(mine[i].start_ms - theirs[i].start_ms) > 1e-3) {
        throw new Error(`start_ms differs at ${i}: ${mine[i].start_ms} vs ${theirs[i].start_ms}`);
      }
      mine[i].start_ms = theirs[i].start_ms = 0;
    }
    assertEquals(mine, theirs);
    n += mine.length;
  }
  assertEquals(n, 750);
});

Deno.test("scanTraces() reads every branch of hand-built OTLP, whatever the field order", () => {
  const req = {
    resourceSpans: [{
      scopeSpans: [{
        spans: [{
          traceId: "0102030405060708090a0b0c0d0e0f10",
          spanId: "1112131415161718",
          parentSpanId: "2122232425262728",
          name: "GET /é",
          kind: 3,
          startTimeUnixNano: "1700000000123456789",
          endTimeUnixNano: "1700000000200000000",
          attributes: [
            { key: "http.status_code", value: { stringValue: "502" } },
            { key: "rpc.grpc.status_code", value: { intValue: "14" } },
            { key: "db.system.name", value: { stringValue: "redis" } },
            { key: "db.namespace", value: { stringValue: "0" } },
            { key: "server.address", value: { stringValue: "cache.local" } },
            { key: "messaging.destination.name", value: { stringValue: "orders" } },
            { key: "other", value: { arrayValue: { values: [{ intValue: 1 }] } } },
          ],
          events: [{ name: "e", timeUnixNano: "1" }],
          status: { code: 2, message: "boom" },
        }],
      }],
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: "cart" } },
          { key: "k8s.pod.name", value: { stringValue: "cart-1" } },
          { key: "host.name", value: { stringValue: "node-a" } },
          { key: "service.instance.id", value: { stringValue: "i-1" } },
        ],
      },
    }, { scopeSpans: [{ spans: [{ name: "x", startTimeUnixNano: "0", endTimeUnixNano: "0" }] }] }],
  };
  const bytes = encodeOtlp("traces", req);
  const seen: ReturnType<typeof flat>[] = [];
  const extra: unknown[] = [];
  scanTraces(bytes, (s) => {
    seen.push(flat(s));
    extra.push([s.resource.host, s.resource.instance, s.db_name, s.server_address, s.messaging_destination]);
  });
  assertEquals(seen[0], {
    service: "cart",
    pod: "cart-1",
    trace_id: "0102030405060708090a0b0c0d0e0f10",
    span_id: "1112131415161718",
    parent: "2122232425262728",
    name: "GET /é",
    kind: 3,
    start_ms: 1700000000123.4568,
    duration_ms: 76543211,
    status: 2,
    http: 502,
    grpc: 14,
    db: "redis",
    peer: "",
    messaging: "",
  });
  assertEquals(extra[0], ["node-a", "i-1", "0", "cache.local", "orders"]);
  assertEquals(seen[1].service, "unknown_service");
  assertEquals(seen[1].trace_id, "");
});

Deno.test("scanMetrics() reads gauges, sums, histograms, summaries and labels", () => {
  const res = { attributes: [{ key: "service.name", value: { stringValue: "db" } }] };
  const pt = (v: number, extra = {}) => ({ timeUnixNano: "1700000010000000000", asDouble: v, ...extra });
  const bytes = encodeOtlp("metrics", {
    resourceMetrics: [{
      resource: res,
      scopeMetrics: [{
        metrics: [
          {
            name: "cpu",
            unit: "1",
            gauge: {
              dataPoints: [
                pt(0.5, {
                  attributes: [{ key: "state", value: { stringValue: "user" } }, {
                    key: "cpu",
                    value: { intValue: 1 },
                  }],
                }),
              ],
            },
          },
          {
            name: "req",
            sum: {
              dataPoints: [{ timeUnixNano: "1700000010000000000", asInt: "-42" }],
              aggregationTemporality: 2,
              isMonotonic: true,
            },
          },
          {
            name: "lat",
            histogram: {
              dataPoints: [{
                timeUnixNano: "1700000010000000000",
                count: "6",
                sum: 12.5,
                bucketCounts: ["1", "2", "3"],
                explicitBounds: [1, 5],
                min: 0.5,
                max: 9,
              }],
              aggregationTemporality: 1,
            },
          },
          {
            name: "q",
            summary: { dataPoints: [{ timeUnixNano: "1700000010000000000", count: "4", sum: 8 }] },
          },
        ],
      }],
    }],
  });
  const got: Partial<MetricPointView>[] = [];
  scanMetrics(bytes, (p) =>
    got.push({
      name: p.name,
      kind: p.kind,
      temporality: p.temporality,
      monotonic: p.monotonic,
      value: p.value,
      count: p.count,
      sum: p.sum,
      bucket_counts: p.bucket_counts,
      explicit_bounds: p.explicit_bounds,
      min: p.min,
      max: p.max,
      labels: p.labels,
      time_ms: p.time_ms,
    }));
  const base = {
    temporality: 0,
    monotonic: false,
    count: 0,
    sum: 0,
    bucket_counts: null,
    explicit_bounds: null,
    min: NaN,
    max: NaN,
    labels: "",
    time_ms: 1700000010000,
  };
  assertEquals(got, [
    { ...base, name: "cpu", kind: "gauge", value: 0.5, labels: "cpu=1,state=user" },
    { ...base, name: "req", kind: "sum", value: -42, temporality: 2, monotonic: true },
    {
      ...base,
      name: "lat",
      kind: "histogram",
      value: NaN,
      temporality: 1,
      count: 6,
      sum: 12.5,
      bucket_counts: [1, 2, 3],
      explicit_bounds: [1, 5],
      min: 0.5,
      max: 9,
    },
    { ...base, name: "q", kind: "summary", value: NaN, count: 4, sum: 8 },
  ]);
});

Deno.test("scanLogs() reads severity, body, ids and falls back to observed time", () => {
  const bytes = encodeOtlp("logs", {
    resourceLogs: [{
      resource: { attributes: [{ key: "service.name", value: { stringValue: "api" } }] },
      scopeLogs: [{
        logRecords: [
          {
            timeUnixNano: "1700000000000000000",
            severityNumber: 17,
            severityText: "ERROR",
            body: { stringValue: "db timeout after 30 ms" },
            traceId: "0102030405060708090a0b0c0d0e0f10",
            spanId: "0102030405060708",
          },
          {
            observedTimeUnixNano: "1700000001000000000",
            severityNumber: 9,
            body: { kvlistValue: { values: [] } },
          },
        ],
      }],
    }],
  });
  const got: unknown[] = [];
  scanLogs(
    bytes,
    (l) =>
      got.push([
        l.resource.service,
        l.time_ms,
        l.severity_number,
        l.severity_text,
        l.body,
        idHex(l.trace_id),
      ]),
  );
  assertEquals(got, [
    ["api", 1700000000000, 17, "ERROR", "db timeout after 30 ms", "0102030405060708090a0b0c0d0e0f10"],
    ["api", 1700000001000, 9, "", "", ""],
  ]);
});

Deno.test("validateOtlp() rejects malformed input with OtlpScanError", () => {
  const good = encodeOtlp("traces", {
    resourceSpans: [{
      scopeSpans: [{ spans: [{ name: "a", traceId: "0102030405060708090a0b0c0d0e0f10" }] }],
    }],
  });
  assertEquals(validateOtlp("traces", good), 1);
  for (let cut = 1; cut < good.length; cut++) {
    assertThrows(() => validateOtlp("traces", good.subarray(0, cut)), OtlpScanError);
  }
  assertThrows(() => validateOtlp("traces", new Uint8Array([0x0b])), OtlpScanError); // wire type 3
  assertThrows(() => validateOtlp("traces", new Uint8Array([0x00, 0x00])), OtlpScanError); // field 0
  assertThrows(() => validateOtlp("traces", new Uint8Array([0x08, 0x01])), OtlpScanError); // resource_spans as varint
  assertThrows(
    () => validateOtlp("logs", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    OtlpScanError,
  );
  assertThrows(
    () =>
      validateOtlp(
        "metrics",
        new Uint8Array([0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
      ),
    OtlpScanError,
  );
});

Deno.test("scanners never hang or throw anything but OtlpScanError on arbitrary bytes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom("traces", "metrics", "logs"),
      (bytes, signal) => {
        try {
          validateOtlp(signal as "traces", bytes);
        } catch (e) {
          if (!(e instanceof OtlpScanError)) throw e;
        }
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("timestamps on whole milliseconds come out exact, so a point on a window boundary stays in that window", () => {
  // One whole-second timestamp in about thirty used to come out a hair below itself and fall into the
  // previous window (hi · 4294.967296 rounds); check an hour of 22 August 2022 second by second through the
  // scanners, and random whole-millisecond timestamps through nanosToMs.
  const day = Date.UTC(2022, 7, 22);
  const res = { attributes: [{ key: "service.name", value: { stringValue: "api" } }] };
  const seconds = Array.from({ length: 3600 }, (_, k) => day + k * 1000);
  const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
  const metrics = encodeOtlp("metrics", {
    resourceMetrics: [{
      resource: res,
      scopeMetrics: [{
        metrics: [{
          name: "g",
          gauge: { dataPoints: seconds.map((t) => ({ timeUnixNano: nanos(t), asDouble: 1 })) },
        }],
      }],
    }],
  });
  const times: number[] = [];
  scanMetrics(metrics, (p: MetricPointView) => void times.push(p.time_ms));
  assertEquals(times, seconds);
  const traces = encodeOtlp("traces", {
    resourceSpans: [{
      resource: res,
      scopeSpans: [{
        spans: seconds.map((t, k) => ({
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: (k + 1).toString(16).padStart(16, "0"),
          name: "op",
          kind: 2,
          startTimeUnixNano: nanos(t),
          endTimeUnixNano: nanos(t + 5),
        })),
      }],
    }],
  });
  const starts: number[] = [];
  scanTraces(traces, (s: SpanView) => void starts.push(s.start_ms));
  assertEquals(starts, seconds);
  fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
    const ns = BigInt(ms) * 1_000_000n;
    return nanosToMs(Number(ns >> 32n), Number(ns & 0xffff_ffffn)) === ms;
  }));
});

/**
 * Re-encodes a protobuf message with every tag and length of the messages `shape` marks as padded written
 * one byte longer than needed (a valid, non-minimal varint). The scanner's fast path reads only minimal
 * one-byte tags, so a padded span goes field by field through its general path.
 */
interface Shape {
  pad: boolean;
  into: Record<number, Shape>;
}
const ANY_VALUE: Shape = { pad: true, into: {} };
const KEY_VALUE: Shape = { pad: true, into: { 2: ANY_VALUE } };
const SPAN: Shape = { pad: true, into: { 9: KEY_VALUE, 15: { pad: true, into: {} } } };
const TRACE_REQUEST: Shape = {
  pad: false,
  into: { 1: { pad: false, into: { 2: { pad: false, into: { 2: SPAN } } } } },
};

function varintBytes(v: number, pad: boolean): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  if (pad) {
    out[out.length - 1] |= 0x80;
    out.push(0);
  }
  return out;
}

function repad(b: Uint8Array, shape: Shape): Uint8Array {
  const out: number[] = [];
  let p = 0;
  const varint = () => {
    let v = 0, m = 1, x;
    do {
      x = b[p++];
      v += (x & 0x7f) * m;
      m *= 128;
    } while (x >= 0x80);
    return v;
  };
  while (p < b.length) {
    const t = varint();
    out.push(...varintBytes(t, shape.pad));
    const wt = t & 7, start = p;
    if (wt === 0) {
      varint();
      out.push(...b.subarray(start, p));
    } else if (wt === 1 || wt === 5) {
      p += wt === 1 ? 8 : 4;
      out.push(...b.subarray(start, p));
    } else {
      const n = varint();
      const body = b.subarray(p, p + n);
      p += n;
      const sub = shape.into[Math.floor(t / 8)];
      const content = sub ? repad(body, sub) : body;
      out.push(...varintBytes(content.length, shape.pad), ...content);
    }
  }
  return new Uint8Array(out);
}

Deno.test("scanTraces(): padded (non-minimal) tags and lengths read the same as minimal ones", () => {
  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => idHex(a));
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: "grapheme", minLength: 100, maxLength: 300 }),
  );
  const key = fc.oneof(
    fc.constantFrom(
      "http.response.status_code",
      "http.status_code",
      "rpc.grpc.status_code",
      "db.system",
      "db.system.name",
      "db.name",
      "db.namespace",
      "peer.service",
      "server.address",
      "net.peer.name",
      "messaging.system",
      "messaging.destination.name",
      "messaging.destination",
      // keys in the slot of a key Vigil reads (same length, first and last byte), read in full and refused
      "http.respXnse.status_code",
      "server.addrXss",
      "db.sYstem.name",
      "peer.sXrvice",
    ),
    fc.string({ maxLength: 30 }),
  );
  const value = fc.oneof(
    text.map((stringValue) => ({ stringValue })),
    fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: -1e9, max: 1e9 })).map((intValue) => ({
      intValue,
    })),
    fc.double({ noNaN: true }).map((doubleValue) => ({ doubleValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
    fc.constant({ arrayValue: { values: [{ intValue: 1 }] } }),
  );
  const span = fc.record({
    traceId: hex(16),
    spanId: hex(8),
    parentSpanId: fc.oneof(fc.constant(""), hex(8)),
    name: text,
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
    endTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
    attributes: fc.array(fc.record({ key, value }), { maxLength: 12 }),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 200 }) }),
  });
  fc.assert(
    fc.property(fc.array(span, { minLength: 1, maxLength: 6 }), (spans) => {
      const bytes = encodeOtlp("traces", {
        resourceSpans: [{
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
          scopeSpans: [{ spans }],
        }],
      });
      const padded = repad(bytes, TRACE_REQUEST);
      assertEquals(decodeOtlp("traces", padded), decodeOtlp("traces", bytes));
      const read = (b: Uint8Array) => {
        const out: unknown[] = [];
        scanTraces(b, (s) =>
          out.push({
            ...flat(s),
            duration_ms: s.duration_ms,
            db_name: s.db_name,
            server_address: s.server_address,
            destination: s.messaging_destination,
          }));
        return out;
      };
      const fast = read(bytes);
      assertEquals(fast.length, spans.length);
      assertEquals(read(padded), fast);
    }),
    { numRuns: 300 },
  );
});

/** Everything scanTraces() says of `b`: the spans, and its stats or its error. */
function readBoth(b: Uint8Array, general_only: boolean) {
  const out: unknown[] = [];
  try {
    const stats = scanTraces(b, (s) => out.push({ ...flat(s), d: s.duration_ms, a: s.server_address }), {
      general_only,
    });
    return { out, stats };
  } catch (e) {
    if (!(e instanceof OtlpScanError)) throw e;
    return { out, error: e.message };
  }
}

Deno.test("scanTraces(): the fast path and general_only give the same spans, stats and errors on mangled input", () => {
  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => idHex(a));
  const key = fc.constantFrom(
    "http.status_code",
    "rpc.grpc.status_code",
    "server.address",
    "db.system",
    "x",
    "",
  );
  const value = fc.oneof(
    fc.string({ maxLength: 140 }).map((stringValue) => ({ stringValue })),
    fc.integer({ min: 0, max: 20_000 }).map((intValue) => ({ intValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
  );
  const span = fc.record({
    traceId: hex(16),
    spanId: hex(8),
    name: fc.string({ maxLength: 140 }),
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String),
    endTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String),
    attributes: fc.array(fc.record({ key, value }), { maxLength: 6 }),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 8 }) }),
  });
  // byte edits: [position (fraction of the length), kind, byte]
  const edit = fc.tuple(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.constantFrom("set", "cut", "insert", "drop"),
    fc.nat(255),
  );
  const mangle = (b: Uint8Array, edits: [number, string, number][]) => {
    let out = [...b];
    for (const [f, kind, byte] of edits) {
      const i = Math.min(out.length - 1, Math.floor(f * out.length));
      if (i < 0) break;
      if (kind === "set") out[i] = byte;
      else if (kind === "cut") out = out.slice(0, i);
      else if (kind === "insert") out.splice(i, 0, byte);
      else out.splice(i, 1);
    }
    return new Uint8Array(out);
  };
  fc.assert(
    fc.property(
      fc.array(span, { minLength: 1, maxLength: 4 }),
      fc.array(edit, { maxLength: 3 }),
      (spans, edits) => {
        const bytes = mangle(
          encodeOtlp("traces", {
            resourceSpans: [{
              resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
              scopeSpans: [{ spans }],
            }],
          }),
          edits,
        );
        assertEquals(readBoth(bytes, false), readBoth(bytes, true));
      },
    ),
    { numRuns: 1500 },
  );
});

Deno.test("scanTraces(): the fast path and general_only agree on spans built from fields with wrong lengths", () => {
  const enc = new TextEncoder();
  /** A length prefix off by `d` (at least 0), minimal or padded. */
  const lenOf = (n: number, d: number, pad: boolean) => varintBytes(Math.max(0, n + d), pad);
  const off = fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: -2, max: 2 }) },
    { weight: 1, arbitrary: fc.integer({ min: -20, max: 40 }) },
  );
  /**
   * A length-delimited field whose length is off by d: either the prefix lies (the bytes are all there),
   * or, for d < 0, the body is cut to match (a well-nested field whose content ends early).
   */
  const field = (tag: number, body: number[]) =>
    fc.tuple(off, fc.boolean(), fc.boolean()).map(([d, pad, cut]) =>
      cut && d < 0
        ? [
          tag,
          ...lenOf(Math.max(0, body.length + d), 0, pad),
          ...body.slice(0, Math.max(0, body.length + d)),
        ]
        : [tag, ...lenOf(body.length, d, pad), ...body]
    );
  const varint = fc.oneof(
    fc.nat(127),
    fc.nat(20_000),
    fc.integer({ min: 16_384, max: 2 ** 21 }),
    fc.constant(2 ** 40),
  )
    .map((v) => varintBytes(v, false));
  const attribute = fc.tuple(
    fc.constantFrom("http.status_code", "server.address", "server.addrXss", "db.system", "x", ""),
    fc.oneof(
      fc.string({ maxLength: 20 }).map((
        v,
      ) => [0x0a, ...varintBytes(enc.encode(v).length, false), ...enc.encode(v)]),
      varint.map((v) => [0x18, ...v]),
      fc.constant([0x10, 1]).map((b) => [...b]), // bool
    ),
  ).chain(([k, v]) =>
    fc.tuple(field(0x0a, [...enc.encode(k)]), field(0x12, v)).chain(([kf, vf]) => field(0x4a, [...kf, ...vf]))
  );
  const token = fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }).chain((id) => field(0x0a, [...id])),
    fc.uint8Array({ minLength: 8, maxLength: 8 }).chain((id) => field(0x12, [...id])),
    fc.uint8Array({ minLength: 8, maxLength: 8 }).chain((id) => field(0x22, [...id])),
    fc.string({ maxLength: 20 }).chain((n) => field(0x2a, [...enc.encode(n)])),
    varint.map((v) => [0x30, ...v]),
    fc.tuple(fc.constantFrom(0x39, 0x41), fc.uint8Array({ minLength: 8, maxLength: 8 })).map((
      [t, b],
    ) => [t, ...b]),
    attribute,
    attribute,
    attribute,
    attribute,
    fc.tuple(varint, fc.string({ maxLength: 6 })).chain(([c, m]) =>
      field(0x7a, [0x18, ...c, 0x12, ...varintBytes(enc.encode(m).length, false), ...enc.encode(m)])
    ),
    fc.uint8Array({ maxLength: 3 }).map((b) => [...b]), // stray bytes
    // a tag Vigil reads with a three-byte (or longer) length prefix
    fc.tuple(fc.constantFrom(0x0a, 0x2a, 0x4a, 0x7a), fc.integer({ min: 0x80, max: 0xff }), fc.nat(255))
      .map(([t, a, b]) => [t, a, b, 0x01, ...new Array(140).fill(0x30)]),
  );
  const spanBody = fc.tuple(fc.array(token, { maxLength: 8 }), fc.option(fc.nat(200))).map(([ts, cut]) => {
    const b = ts.flat();
    return cut === null ? b : b.slice(0, cut);
  });
  // the span, then a well-formed one after it in the same scope (a read past the first must not matter)
  const next = [0x2a, 1, 0x6e];
  const wrap = (span: number[]) => {
    const scope = [0x12, ...varintBytes(span.length, false), ...span, 0x12, next.length, ...next];
    const rs = [0x12, ...varintBytes(scope.length, false), ...scope];
    return new Uint8Array([0x0a, ...varintBytes(rs.length, false), ...rs]);
  };
  fc.assert(
    fc.property(spanBody, (span) => {
      const bytes = wrap(span);
      assertEquals(readBoth(bytes, false), readBoth(bytes, true));
    }),
    { numRuns: 10_000 },
  );
});

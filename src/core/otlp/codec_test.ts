import { assert, assertEquals, assertThrows } from "../../../tests/helpers/assert.ts";
import fc from "fast-check";
import protobuf from "protobufjs";
import { decodeOtlp, decodeRpcStatus, encodeOtlp, encodeRpcStatus, otlpType } from "./codec.ts";
import { logsRequest, metricsRequest, traceRequest } from "./fixtures.ts";
import { OtlpWireError, scanOtlp, WIRE_SPECS } from "./wire.ts";
import { countItems, dropInvalidItems, splitRequest } from "./items.ts";
import { decodeOtlpMessage } from "./codec.ts";

Deno.test("encodeOtlp() and decodeOtlp() round-trip OTLP/JSON, ids as hex", () => {
  const req = traceRequest({ services: 2, spans_per_service: 3 });
  const back = decodeOtlp("traces", encodeOtlp("traces", req));
  const span = back.resourceSpans[1].scopeSpans[0].spans[2];
  const orig = req.resourceSpans[1].scopeSpans[0].spans[2];
  assertEquals(span.traceId, orig.traceId);
  assertEquals(span.spanId, orig.spanId);
  assertEquals(span.startTimeUnixNano, orig.startTimeUnixNano);
  assertEquals(span.name, orig.name);
});

Deno.test("encodeOtlp() accepts snake_case keys and numbers for 64-bit fields", () => {
  const bytes = encodeOtlp("logs", {
    resource_logs: [{ scope_logs: [{ log_records: [{ time_unix_nano: 5, severity_number: 9 }] }] }],
  });
  const back = decodeOtlp("logs", bytes);
  assertEquals(back.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano, "5");
});

Deno.test("encodeOtlp() throws a TypeError naming the field when a value has the wrong type", () => {
  const err = assertThrows(
    () => encodeOtlp("traces", { resourceSpans: [{ scopeSpans: "nope" }] }),
    TypeError,
  );
  assert(String(err).includes("scopeSpans"), String(err));
});

Deno.test("scanOtlp() counts spans, data points and log records", () => {
  assertEquals(
    scanOtlp("traces", encodeOtlp("traces", traceRequest({ services: 3, spans_per_service: 5 }))).items,
    15,
  );
  assertEquals(scanOtlp("metrics", encodeOtlp("metrics", metricsRequest(4))).items, 5);
  assertEquals(scanOtlp("logs", encodeOtlp("logs", logsRequest(7))).items, 7);
  assertEquals(scanOtlp("traces", new Uint8Array()).items, 0);
});

Deno.test("scanOtlp() reports spans with invalid ids and dropInvalidItems() removes exactly those", () => {
  const req = traceRequest({ services: 1, spans_per_service: 4 });
  const spans = req.resourceSpans[0].scopeSpans[0].spans;
  spans[0].traceId = "abcd"; // too short
  spans[1].spanId = "0000000000000000"; // all zero
  spans[2].parentSpanId = "zz"; // not hex
  const bytes = encodeOtlp("traces", req);
  const scan = scanOtlp("traces", bytes);
  assertEquals(scan.items, 4);
  assertEquals(scan.invalid, 3);
  assert(scan.first_problem.includes("trace_id must be 16 bytes"), scan.first_problem);
  const msg = decodeOtlpMessage("traces", bytes);
  assertEquals(dropInvalidItems("traces", msg), 3);
  assertEquals(countItems("traces", msg), 1);
});

Deno.test("scanOtlp() throws OtlpWireError for truncated and mistyped input", () => {
  const bytes = encodeOtlp("traces", traceRequest());
  assertThrows(() => scanOtlp("traces", bytes.subarray(0, bytes.length - 3)), OtlpWireError);
  assertThrows(() => scanOtlp("traces", new Uint8Array([0x0d, 1, 2, 3, 4])), OtlpWireError); // field 1 as fixed32
  assertThrows(() => scanOtlp("traces", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), OtlpWireError);
});

Deno.test("scanOtlp() never throws anything but OtlpWireError on random bytes (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom("traces", "metrics", "logs"), (b, sig) => {
      try {
        scanOtlp(sig as "traces", b);
      } catch (e) {
        if (!(e instanceof OtlpWireError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("scanOtlp() accepts whatever protobufjs accepts on mutated valid requests (property)", () => {
  const base = encodeOtlp("traces", traceRequest({ services: 2, spans_per_service: 2 }));
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.nat(255), (at, v) => {
      const b = base.slice();
      b[at] = v;
      let ours = true;
      try {
        scanOtlp("traces", b);
      } catch {
        ours = false;
      }
      if (ours) decodeOtlpMessage("traces", b); // what we accept must decode
    }),
    { numRuns: 2000 },
  );
});

Deno.test("WIRE_SPECS agree with the protobuf schema's field numbers", () => {
  for (const [name, spec] of Object.entries(WIRE_SPECS)) {
    const type = otlpType(name);
    for (const f of type.fieldsArray) {
      assert(spec.wire[f.id] !== undefined, `${name}.${f.name} (field ${f.id}) missing from the wire layout`);
      const nested = f.resolvedType instanceof protobuf.Type
        ? f.resolvedType.fullName.replace(".otlp.", "")
        : undefined;
      assertEquals(spec.child[f.id]?.name, nested, `${name}.${f.name}`);
    }
    assertEquals(spec.wire.filter((w) => w !== undefined).length, type.fieldsArray.length, name);
  }
});

Deno.test("splitRequest() keeps every span once, in chunks under the cap", () => {
  const bytes = encodeOtlp("traces", traceRequest({ services: 8, spans_per_service: 50 }));
  const scan = scanOtlp("traces", bytes);
  const chunks = splitRequest("traces", bytes, { max_bytes: 6000, resource_ranges: scan.resource_ranges });
  assert(chunks.length > 1);
  let total = 0;
  const ids = new Set<string>();
  for (const c of chunks) {
    assert(c.length <= 6000, `chunk of ${c.length} bytes`);
    total += scanOtlp("traces", c).items;
    for (const rs of decodeOtlp("traces", c).resourceSpans) {
      for (const ss of rs.scopeSpans) for (const s of ss.spans) ids.add(s.spanId);
    }
  }
  assertEquals(total, 400);
  assertEquals(ids.size, 400);
  // a single oversized resource is split by items and keeps its resource attributes
  const one = encodeOtlp("traces", traceRequest({ services: 1, spans_per_service: 200 }));
  const parts = splitRequest("traces", one, {
    max_bytes: 5000,
    resource_ranges: scanOtlp("traces", one).resource_ranges,
  });
  assert(parts.length > 1);
  assertEquals(parts.reduce((n, p) => n + scanOtlp("traces", p).items, 0), 200);
  for (const p of parts) {
    assertEquals(decodeOtlp("traces", p).resourceSpans[0].resource.attributes[0].value.stringValue, "svc-0");
  }
});

Deno.test("encodeRpcStatus() round-trips a google.rpc.Status", () => {
  assertEquals(decodeRpcStatus(encodeRpcStatus(3, "bad")), { code: 3, message: "bad" });
});

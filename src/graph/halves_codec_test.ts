import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import fc from "fast-check";
import { decodeHalves, encodeHalves, isBinaryHalves } from "./halves_codec.ts";
import type { SpanHalvesMessage } from "./graph_assembler.ts";
import { Extractor } from "../features/extract.ts";
import { workload } from "../../tests/features/otlp_gen.ts";

const hexId = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) =>
    [...b].map((x) => x.toString(16).padStart(2, "0")).join("")
  );

const half = fc.record({
  tr: fc.oneof(hexId(16), fc.constant(""), fc.string()), // odd or non-hex ids still round-trip
  id: fc.oneof(hexId(8), fc.string()),
  par: fc.oneof(hexId(8), fc.constant("")),
  svc: fc.constantFrom("api", "db-client", "ünï"),
  k: fc.constantFrom(2, 3, 4, 5),
  st: fc.double({ noNaN: true }),
  d: fc.double({ noNaN: true }),
  e: fc.constantFrom(0 as const, 1 as const),
  peer: fc.constantFrom("", "postgresql/orders", "kafka/q"),
  pk: fc.constantFrom("", "database", "messaging_system", "peer"),
}).map((h) => ({ ...h })); // plain objects (fast-check's records have a null prototype)

Deno.test("decodeHalves(encodeHalves()) round-trips any span halves message (property)", () => {
  fc.assert(
    fc.property(
      fc.array(half, { maxLength: 60 }),
      fc.array(
        fc.record({ svc: fc.string(), pod: fc.string(), host: fc.string(), t: fc.double({ noNaN: true }) })
          .map((r) => ({ ...r })),
        { maxLength: 5 },
      ),
      fc.string(),
      (halves, resources, tenant) => {
        const m: SpanHalvesMessage = { v: 1, tenant, src: "7/0", max_event_ms: 1.5, halves, resources };
        assertEquals(decodeHalves(encodeHalves(m)), m);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("encodeHalves() carries the extractor's halves exactly and smaller than JSON", () => {
  const ex = new Extractor({ window_ms: 10_000 });
  const x = ex.extract("traces", "default", workload({ n_messages: 1, per_message: 200 }).messages[0]);
  ok(x.halves.length > 100);
  const m: SpanHalvesMessage = {
    v: 1,
    tenant: "default",
    src: "1/0",
    max_event_ms: x.max_event_ms,
    halves: x.halves,
    resources: x.resources,
  };
  const bytes = encodeHalves(m);
  ok(isBinaryHalves(bytes) && !isBinaryHalves(new TextEncoder().encode(JSON.stringify(m))));
  ok(bytes.length < JSON.stringify(m).length / 2);
  assertEquals(decodeHalves(bytes), m);
});

Deno.test("decodeHalves() throws RangeError for truncation, trailing bytes, bad version and indexes", () => {
  const m: SpanHalvesMessage = {
    v: 1,
    tenant: "t",
    src: "1/0",
    max_event_ms: 0,
    halves: [{
      tr: "0a".repeat(16),
      id: "0b".repeat(8),
      par: "",
      svc: "a",
      k: 2,
      st: 1,
      d: 2,
      e: 0,
      peer: "",
      pk: "",
    }],
    resources: [{ svc: "a", pod: "a-1", host: "n1", t: 1 }],
  };
  const bytes = encodeHalves(m);
  for (let n = 0; n < bytes.length; n++) throws(() => decodeHalves(bytes.subarray(0, n)), RangeError);
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  throws(() => decodeHalves(longer), /1 trailing bytes/);
  const v3 = bytes.slice();
  v3[2] = 3;
  throws(() => decodeHalves(v3), /version 3 is not supported/);
});

Deno.test("decodeHalves() reads the covers of a batch message back, and version 1 messages (no covers)", () => {
  const half = {
    tr: "0a".repeat(16),
    id: "0b".repeat(8),
    par: "0c".repeat(8),
    svc: "a",
    k: 3,
    st: 5,
    d: 2.5,
    e: 1 as const,
    peer: "db",
    pk: "database",
  };
  const batch: SpanHalvesMessage = {
    v: 1,
    tenant: "t",
    src: "b/7/3/x1",
    covers: [7, 9, 300, 301],
    partition: 3,
    max_event_ms: 12,
    halves: [half],
    resources: [],
  };
  assertEquals(decodeHalves(encodeHalves(batch)), batch);
  // version 1: the same bytes without the covers section (one 0 byte after max_event_ms)
  const one: SpanHalvesMessage = { ...batch, src: "7/3", covers: undefined, partition: undefined };
  delete one.covers;
  delete one.partition;
  const v2 = encodeHalves(one);
  const at = 3 + 1 + 1 + 1 + 3 + 8; // magic+version, tenant "t", src "7/3", max_event_ms
  assertEquals(v2[at], 0);
  const v1 = new Uint8Array(v2.length - 1);
  v1.set(v2.subarray(0, at));
  v1.set(v2.subarray(at + 1), at);
  v1[2] = 1;
  assertEquals(decodeHalves(v1), one);
});

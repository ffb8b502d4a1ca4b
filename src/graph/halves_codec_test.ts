import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import fc from "fast-check";
import { decodeHalfColumns, decodeHalves, encodeHalves, isBinaryHalves } from "./halves_codec.ts";
import type { SpanHalvesMessage } from "./graph_assembler.ts";
import type { EdgeHalf } from "./edge_half.ts";
import { isCaller } from "./half_columns.ts";
import { ByteWriter } from "../core/binary/byte_writer.ts";
import { writeCovers } from "../features/input_units.ts";
import { Extractor } from "../features/extract.ts";
import { type GenSpan, traceRequest } from "../../tests/features/otlp_gen.ts";

const T0 = 1_700_000_000_000;

const hexId = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) =>
    [...b].map((x) => x.toString(16).padStart(2, "0")).join("")
  );

const half = fc.record({
  tr: fc.oneof(hexId(16), fc.constant(""), hexId(3)),
  id: fc.oneof(hexId(8), fc.constant("")),
  par: fc.oneof(hexId(8), fc.constant("")),
  svc: fc.constantFrom("api", "db-client", "ünï"),
  k: fc.constantFrom(2, 3, 4, 5),
  st: fc.double({ noNaN: true }),
  d: fc.double({ noNaN: true }),
  e: fc.constantFrom(0 as const, 1 as const),
  peer: fc.constantFrom("", "postgresql/orders", "kafka/q"),
  pk: fc.constantFrom("", "database", "messaging_system", "peer"),
}).map((h) => ({ ...h })); // plain objects (fast-check's records have a null prototype)

/** What a half carries on the wire: its join key (own span id for callers, parent's for callees). */
const joinOnly = (h: EdgeHalf): EdgeHalf => ({
  ...h,
  id: isCaller(h.k) ? h.id : "",
  par: isCaller(h.k) ? "" : h.par,
});

Deno.test("decodeHalves(encodeHalves()) round-trips any span halves message's join keys (property)", () => {
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
        assertEquals(decodeHalves(encodeHalves(m)), { ...m, halves: halves.map(joinOnly) });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("encodeHalves() carries the extractor's halves exactly and smaller than JSON", () => {
  const ex = new Extractor({ window_ms: 10_000 });
  // 100 calls fe → api → orders (client and server spans), and 100 root server spans
  const spans: GenSpan[] = [];
  for (let i = 0; i < 100; i++) {
    const base = { name: "GET /", start_ms: T0 + i * 100, duration_ms: 5 + i, trace: i + 1 };
    spans.push(
      { ...base, service: "fe", kind: 2, span: 4 * i + 1 },
      { ...base, service: "fe", kind: 3, span: 4 * i + 2, parent: 4 * i + 1, http: 503 },
      { ...base, service: "api", pod: "api-1", kind: 2, span: 4 * i + 3, parent: 4 * i + 2 },
      {
        ...base,
        service: "api",
        pod: "api-1",
        kind: 3,
        span: 4 * i + 4,
        parent: 4 * i + 3,
        attrs: { "peer.service": "orders" },
      },
    );
  }
  const x = ex.extract("traces", "default", traceRequest(spans));
  assertEquals(x.halves.length, 300); // the root server spans are resource links
  // fe has no pod or host: its root spans become one link for the window
  assertEquals(x.resources, [
    { svc: "fe", pod: "", host: "", t: T0 },
    { svc: "api", pod: "api-1", host: "node-1", t: T0 },
  ]);
  const m = {
    v: 1 as const,
    tenant: "default",
    src: "1/0",
    max_event_ms: x.max_event_ms,
    resources: x.resources,
  };
  const bytes = encodeHalves({ ...m, halves: x.halves });
  const json: SpanHalvesMessage = { ...m, halves: x.halves.toHalves() };
  ok(isBinaryHalves(bytes) && !isBinaryHalves(new TextEncoder().encode(JSON.stringify(json))));
  ok(bytes.length < JSON.stringify(json).length / 3);
  assertEquals(decodeHalves(bytes), json);
  // the assembler's columns: the same keys, read in place
  const cols = decodeHalfColumns(bytes).halves;
  assertEquals(cols.keys.subarray(0, cols.keyBytes), x.halves.keys.subarray(0, x.halves.keyBytes));
  assertEquals(cols.keyEnd, x.halves.keyEnd.subarray(0, x.halves.length));
  assertEquals(encodeHalves(json), bytes);
});

Deno.test("encodeHalves() throws RangeError naming an id that is not hex", () => {
  const h: EdgeHalf = { tr: "xyz", id: "01", par: "", svc: "a", k: 3, st: 1, d: 1, e: 0, peer: "", pk: "" };
  throws(
    () => encodeHalves({ v: 1, tenant: "t", src: "1/0", max_event_ms: 0, halves: [h], resources: [] }),
    /"xyz"/,
  );
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
  const v4 = bytes.slice();
  v4[2] = 4;
  throws(() => decodeHalves(v4), /version 4 is not supported/);
  // a key shorter than the trace id length it states
  const short = encodeHalves({ ...m, halves: [{ ...m.halves[0], tr: "0a", par: "" }] });
  const keyAt = short.length - 2; // uv |keys| = 2, then [|tr| = 1, 0x0a]
  assertEquals([short[keyAt - 1], short[keyAt]], [2, 1]);
  short[keyAt] = 2;
  throws(() => decodeHalves(short), /key 0 is shorter than its trace id/);
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
  assertEquals(decodeHalves(encodeHalves(batch)), { ...batch, halves: [{ ...half, par: "" }] });
  // version 2 (hex ids, both span ids), and version 1: the same without the covers section
  assertEquals(decodeHalves(legacy(batch, 2)), { ...batch, halves: [{ ...half, par: "" }] });
  const one: SpanHalvesMessage = { ...batch, src: "7/3", covers: undefined, partition: undefined };
  delete one.covers;
  delete one.partition;
  assertEquals(decodeHalves(legacy(one, 1)), { ...one, halves: [{ ...half, par: "" }] });
});

/** A message in the version 1 or 2 layout (what workers before version 3 sent). */
function legacy(m: SpanHalvesMessage, version: 1 | 2): Uint8Array {
  const w = new ByteWriter().begin([0x56, 0x48, version]);
  w.str(m.tenant);
  w.str(m.src);
  w.f64(m.max_event_ms);
  if (version === 2) writeCovers(w, m);
  const table = [...new Set(m.halves.flatMap((h) => [h.svc, h.peer, h.pk]))];
  w.uv(table.length);
  for (const s of table) w.str(s);
  w.uv(m.halves.length);
  for (const h of m.halves) {
    for (const x of [table.indexOf(h.svc), h.k, h.e, table.indexOf(h.peer), table.indexOf(h.pk)]) w.uv(x);
    w.f64(h.st);
    w.f64(h.d);
    for (const x of [h.tr, h.id, h.par]) w.uv(x.length);
  }
  w.uv(0);
  w.str(m.halves.map((h) => h.tr + h.id + h.par).join(""));
  return w.finish();
}

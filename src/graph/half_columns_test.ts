import { deepStrictEqual as assertEquals, throws } from "node:assert";
import fc from "fast-check";
import { HalfColumns } from "./half_columns.ts";
import { decodeHalves } from "./halves_codec.ts";
import { Extractor } from "../features/extract.ts";
import { batchPartialsFor, hash32 } from "../features/feature_worker.ts";
import { type GenSpan, traceRequest } from "../../tests/features/otlp_gen.ts";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("HalfColumns.partitionOf() is hash32() of the hex trace id, as span partitions were before (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1 }),
      fc.integer({ min: 1, max: 9 }),
      (ids, P) => {
        const c = new HalfColumns();
        for (const tr of ids) c.push("a", 2, 0, "", "", 0, 0, tr, new Uint8Array(8));
        ids.forEach((tr, i) => assertEquals(c.partitionOf(i, P), hash32(hex(tr)) % P));
      },
    ),
  );
});

Deno.test("HalfColumns grows, truncates and copies halves exactly", () => {
  const c = new HalfColumns();
  for (let i = 0; i < 1_000; i++) {
    c.push(
      `s${i % 7}`,
      2 + (i % 4),
      i % 2,
      "p",
      "peer",
      i,
      i / 3,
      new Uint8Array([i & 255, 1]),
      new Uint8Array([i >> 8]),
    );
  }
  const all = c.toHalves();
  assertEquals(all.length, 1_000);
  assertEquals(all[999], {
    tr: "e701",
    id: "",
    par: "03",
    svc: "s5",
    k: 5,
    st: 999,
    d: 333,
    e: 1,
    peer: "p",
    pk: "peer",
  });
  const copy = new HalfColumns();
  for (let i = 0; i < c.length; i += 2) copy.pushFrom(c, i);
  assertEquals(copy.toHalves(), all.filter((_, i) => i % 2 === 0));
  c.truncate(10);
  assertEquals(c.toHalves(), all.slice(0, 10));
  throws(
    () => c.push("a", 256, 0, "", "", 0, 0, new Uint8Array(16), new Uint8Array(8)),
    /kind must be 0 to 255/,
  );
});

Deno.test("batchPartialsFor() puts each half in the span partition of its trace id, none lost or doubled", () => {
  const spans: GenSpan[] = [];
  for (let i = 0; i < 300; i++) {
    const base = { name: "GET /", start_ms: 1_700_000_000_000 + i, duration_ms: 3, trace: i + 1 };
    spans.push(
      { ...base, service: "fe", pod: "fe-1", kind: 3, span: 2 * i + 1 },
      { ...base, service: "api", pod: "api-1", kind: 2, span: 2 * i + 2, parent: 2 * i + 1 },
    );
  }
  const msgs = [0, 1].map((j) => ({
    subject: "otlp.v1.traces.default",
    data: traceRequest(spans.slice(300 * j, 300 * (j + 1))),
    stream_seq: j + 1,
  }));
  const halvesBy = (P: number) => {
    const out = batchPartialsFor(new Extractor(), msgs, { feature_partitions: 1, span_partitions: P }).out;
    return out.filter(([s]) => s.startsWith("vigil.spans.")).map(([s, , body]) => ({
      p: Number(s.split(".").at(-1)),
      halves: decodeHalves(body).halves,
    }));
  };
  const one = halvesBy(1).flatMap((m) => m.halves);
  assertEquals(one.length, 600);
  const three = halvesBy(3);
  assertEquals(three.length, 3);
  for (const m of three) for (const h of m.halves) assertEquals(hash32(h.tr) % 3, m.p);
  const key = (h: { tr: string; id: string; par: string; k: number }) => `${h.tr}/${h.id}/${h.par}/${h.k}`;
  assertEquals(three.flatMap((m) => m.halves).map(key).sort(), one.map(key).sort());
});

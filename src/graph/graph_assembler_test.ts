import { deepStrictEqual as assertEquals } from "node:assert";
import { GraphAssembler, type HalfColumnsMessage, type SpanHalvesMessage } from "./graph_assembler.ts";
import { decodeHalfColumns, encodeHalves } from "./halves_codec.ts";
import type { EdgeHalf } from "./edge_half.ts";
import { rng, shuffle } from "../../tests/features/otlp_gen.ts";

const T0 = 1_700_000_000_000;
const half = (h: Partial<EdgeHalf>): EdgeHalf => ({
  tr: "t",
  id: "",
  par: "",
  svc: "",
  k: 2,
  st: T0,
  d: 1,
  e: 0,
  peer: "",
  pk: "",
  ...h,
});

function messages(): SpanHalvesMessage[] {
  const out: SpanHalvesMessage[] = [];
  for (let i = 0; i < 30; i++) {
    const tr = `t${i}`, st = T0 + i * 500;
    const hs = [
      half({
        tr,
        id: "c1",
        svc: "fe",
        k: 3,
        st,
        d: 10 + i,
        e: i % 10 === 0 ? 1 : 0,
        peer: "api",
        pk: "peer",
      }),
      half({ tr, id: "s1", par: "c1", svc: "api", k: 2, st: st + 1 }),
      half({
        tr,
        id: "p1",
        par: "s1",
        svc: "api",
        k: 4,
        st: st + 2,
        peer: "kafka/q",
        pk: "messaging_system",
      }),
      half({ tr, id: "q1", par: "p1", svc: "worker", k: 5, st: st + 7 }),
      half({ tr, id: "d1", par: "s1", svc: "api", k: 3, st: st + 3, d: 2, peer: "redis", pk: "database" }),
    ];
    if (i % 3 === 0) {
      hs.push(half({ tr, id: "x1", par: "s1", svc: "api", k: 3, st: st + 4, peer: "legacy", pk: "peer" }));
    }
    if (i % 5 === 0) hs.push(half({ tr, id: "o1", par: "gone", svc: "worker", k: 2, st: st + 5 }));
    // halves of one trace arrive in different messages
    for (const h of hs) {
      out.push({
        v: 1,
        tenant: "default",
        src: `${i}/${h.id}`,
        max_event_ms: h.st,
        halves: [h],
        resources: [],
      });
    }
  }
  return out;
}

function run(ms: (SpanHalvesMessage | HalfColumnsMessage)[]) {
  const g = new GraphAssembler({ window_ms: 10_000, ttl_ms: 60_000, max_out_of_order_ms: 60_000 });
  const windows = [];
  for (const m of ms) {
    g.accept(m);
    windows.push(...g.close().windows);
  }
  windows.push(...g.close({ all: true }).windows);
  return { windows, counters: g.counters };
}

Deno.test("GraphAssembler pairs halves exactly whatever the arrival order", () => {
  const a = run(messages());
  const b = run(shuffle(messages(), rng(5)));
  assertEquals(b.windows, a.windows);
  const edges = a.windows.flatMap((w) =>
    w.edges.map((e) => [w.window_start_ms - T0, e.caller, e.callee, e.type, e.calls, e.errors])
  );
  assertEquals(edges, [
    [0, "api", "legacy", "virtual_node", 7, 0],
    [0, "api", "redis", "database", 20, 0],
    [0, "api", "worker", "messaging_system", 20, 0],
    [0, "fe", "api", "request", 20, 2],
    [10_000, "api", "legacy", "virtual_node", 3, 0],
    [10_000, "api", "redis", "database", 10, 0],
    [10_000, "api", "worker", "messaging_system", 10, 0],
    [10_000, "fe", "api", "request", 10, 1],
  ]);
  assertEquals(a.counters.paired, 60);
  assertEquals(a.counters.expired, 10 + 6); // unpaired client calls to "legacy" and servers with a lost parent
  assertEquals(a.counters.virtual_edges, 10);
});

Deno.test("GraphAssembler ignores duplicate sources and counts halves for closed windows as too late", () => {
  const g = new GraphAssembler({
    window_ms: 10_000,
    ttl_ms: 0,
    max_out_of_order_ms: 0,
    allowed_lateness_ms: 0,
  });
  const m = (src: string, st: number): SpanHalvesMessage => ({
    v: 1,
    tenant: "default",
    src,
    max_event_ms: st,
    halves: [half({ id: src, svc: "a", k: 3, st, peer: "pg", pk: "database" })],
    resources: [],
  });
  g.accept(m("1", T0));
  g.accept(m("1", T0));
  g.accept(m("2", T0 + 25_000));
  assertEquals(g.close().windows.map((w) => w.edges[0].calls), [1]);
  g.accept(m("3", T0 + 1));
  assertEquals(g.counters.duplicates, 1);
  assertEquals(g.counters.too_late, 1);
});

Deno.test("GraphAssembler accepts each unit once however redelivery regroups batches and single messages", () => {
  // units: one OTLP message (stream seq i + 1) each; batches of 5 consecutive units
  const singles = messages().map((m, i): SpanHalvesMessage => ({ ...m, src: `${i + 1}/0` }));
  const batches: SpanHalvesMessage[] = [];
  for (let i = 0; i < singles.length; i += 5) {
    const part = singles.slice(i, i + 5);
    batches.push({
      v: 1,
      tenant: "default",
      src: `b/${i + 1}/0/x`,
      covers: part.map((_, j) => i + 1 + j),
      partition: 0,
      max_event_ms: Math.max(...part.map((m) => m.max_event_ms)),
      halves: part.flatMap((m) => m.halves),
      resources: [],
    });
  }
  const want = run(singles).windows;
  const r = rng(9);
  for (let trial = 0; trial < 20; trial++) {
    // each batch is either stored before any redelivery of its messages (then some come again, as
    // duplicates), or after one of them (it overlaps: the worker sent all of them again one by one)
    const stream: SpanHalvesMessage[] = [];
    let overlaps = 0, dups = 0;
    batches.forEach((b, k) => {
      const own = singles.slice(5 * k, 5 * k + 5);
      if (r() < 0.5) {
        stream.push(b);
        const again = own.filter(() => r() < 0.5);
        stream.push(...again);
        dups += again.length;
      } else {
        const [first, ...rest] = shuffle(own, r);
        stream.push(first, b, ...rest);
        if (rest.length > 0) overlaps++;
        else dups++; // a batch of one message is all seen
      }
    });
    const got = run(stream);
    assertEquals(got.windows, want);
    assertEquals(got.counters.overlapping, overlaps);
    assertEquals(got.counters.duplicates, dups);
  }
});

const hexOf = (s: string, bytes: number) =>
  [...new TextEncoder().encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("").padStart(
    2 * bytes,
    "0",
  );

/** messages() with hex ids, as workers send them */
function hexMessages(): SpanHalvesMessage[] {
  return messages().map((m) => ({
    ...m,
    halves: m.halves.map((h) => ({
      ...h,
      tr: hexOf(h.tr, 16),
      id: h.id && hexOf(h.id, 8),
      par: h.par && hexOf(h.par, 8),
    })),
  }));
}

Deno.test("GraphAssembler gives the same graph from binary columns, JSON halves, or a mix of both", () => {
  const json = hexMessages();
  const binary = json.map((m) => decodeHalfColumns(encodeHalves(m)));
  const want = run(json);
  assertEquals(want.counters.paired, 60);
  assertEquals(run(binary), want);
  const r = rng(3);
  const mixed = shuffle(json.map((m, i) => (r() < 0.5 ? m : binary[i])), r);
  assertEquals(run(mixed).windows, want.windows);
});

Deno.test("GraphAssembler puts a root span's service in the window, as a half or as a resource link", () => {
  const g = (m: SpanHalvesMessage) => {
    const a = new GraphAssembler({ window_ms: 10_000 });
    a.accept(m);
    return { windows: a.close({ all: true }).windows, pending: a.pending_halves };
  };
  const base = { v: 1 as const, tenant: "default", src: "1/0", max_event_ms: T0 + 12_000 };
  const asHalf = g({ ...base, halves: [half({ tr: "0a", svc: "fe", st: T0 + 12_000 })], resources: [] });
  const asLink = g({ ...base, halves: [], resources: [{ svc: "fe", pod: "", host: "", t: T0 + 10_000 }] });
  assertEquals(asLink, asHalf);
  assertEquals(asHalf.windows[0].nodes, [{ id: "fe", kind: "service" }]);
  assertEquals(asHalf.pending, 0);
});

Deno.test("GraphAssembler close() expires exactly the unpaired halves older than the TTL, close after close", () => {
  // 2 s windows: a window's halves expire one second apart (the expiry buckets are split)
  const g = new GraphAssembler({ window_ms: 2_000, ttl_ms: 5_000, max_out_of_order_ms: 0 });
  const caller = (j: number): EdgeHalf =>
    half({ tr: hexOf(`t${j}`, 16), id: hexOf("c", 8), svc: "fe", k: 3, st: T0 + j * 1_000, peer: "api" });
  const callee = (j: number): EdgeHalf =>
    half({ tr: hexOf(`t${j}`, 16), par: hexOf("c", 8), svc: "api", k: 2, st: T0 + j * 1_000 + 1 });
  let calls = 0, virtual = 0;
  for (let i = 0; i < 200; i++) {
    // caller i; the callee of every even caller three seconds later (before its TTL); odd callers expire
    const halves = [caller(i)];
    if (i >= 3 && (i - 3) % 2 === 0) halves.push(callee(i - 3));
    const m = { v: 1 as const, tenant: "default", src: `${i}/0`, max_event_ms: T0 + i * 1_000 };
    g.accept(
      i % 3 === 0
        ? { ...m, halves, resources: [] }
        : decodeHalfColumns(encodeHalves({ ...m, halves, resources: [] })),
    );
    for (const w of g.close().windows) {
      for (const e of w.edges) {
        if (e.type === "request") calls += e.calls;
        else virtual += e.calls;
      }
    }
    // paired: even callers j <= i - 3; expired: odd callers with j + 5 s <= the watermark (i s)
    const even = (n: number) => (n < 0 ? 0 : Math.floor(n / 2) + 1),
      odd = (n: number) => (n < 0 ? 0 : Math.floor((n + 1) / 2));
    assertEquals(g.counters.paired, even(i - 3));
    assertEquals(g.counters.expired, odd(i - 5));
    assertEquals(g.pending_halves, i + 1 - g.counters.paired - g.counters.expired);
  }
  assertEquals(g.counters.too_late, 0);
  const rest = g.close({ all: true }).windows.flatMap((w) => w.edges);
  for (const e of rest) e.type === "request" ? (calls += e.calls) : (virtual += e.calls);
  assertEquals([calls, virtual], [g.counters.paired, g.counters.expired]);
  assertEquals(g.counters.paired + g.counters.expired, 200);
});

Deno.test("GraphAssembler expires the oldest unpaired halves early beyond max_pending, counted", () => {
  const g = new GraphAssembler({ window_ms: 1_000, max_pending: 10, max_out_of_order_ms: 60_000 });
  for (let j = 0; j < 25; j++) {
    const h = half({
      tr: hexOf(`t${j}`, 16),
      id: hexOf("c", 8),
      svc: "fe",
      k: 3,
      st: T0 + j * 1_000,
      peer: "api",
    });
    g.accept({ v: 1, tenant: "default", src: `${j}/0`, max_event_ms: h.st, halves: [h], resources: [] });
  }
  assertEquals([g.pending_halves, g.counters.expired], [10, 15]);
  // the oldest went: a callee of caller 20 still pairs, one of caller 3 finds none
  const callees = [3, 20].map((j) =>
    half({ tr: hexOf(`t${j}`, 16), par: hexOf("c", 8), svc: "api", k: 2, st: T0 + j * 1_000 + 1 })
  );
  g.accept({ v: 1, tenant: "default", src: "callees", max_event_ms: T0, halves: callees, resources: [] });
  assertEquals([g.counters.paired, g.pending_halves, g.counters.expired], [1, 10, 15]);
  const windows = g.close({ all: true }).windows;
  assertEquals(windows.map((w) => (w.window_start_ms - T0) / 1_000), [...Array(25).keys()]);
  assertEquals(g.counters.expired, 15 + 9 + 1);
});

Deno.test("GraphAssembler pairs exactly across join table compactions of expired halves", () => {
  const g = new GraphAssembler({ window_ms: 10_000, ttl_ms: 30_000, max_out_of_order_ms: 0 });
  const halves = (from: number, to: number, k: number, st: number) =>
    Array.from({ length: to - from }, (_, j) =>
      half({
        tr: hexOf(`t${from + j}`, 16),
        id: k === 3 ? hexOf("c", 8) : "",
        par: k === 2 ? hexOf("c", 8) : "",
        svc: k === 3 ? "fe" : "api",
        k,
        st,
      }));
  const msg = (src: string, hs: EdgeHalf[]): HalfColumnsMessage =>
    decodeHalfColumns(
      encodeHalves({ v: 1, tenant: "default", src, max_event_ms: hs[0].st, halves: hs, resources: [] }),
    );
  g.accept(msg("1", halves(0, 10_000, 3, T0))); // they expire unpaired
  g.accept(msg("2", halves(10_000, 10_100, 3, T0 + 100_000)));
  g.close();
  assertEquals([g.counters.expired, g.pending_halves], [10_000, 100]);
  // callees of both: the live callers pair, the expired ones' callees wait for callers that are gone
  g.accept(msg("3", halves(0, 10_100, 2, T0 + 100_001)));
  assertEquals([g.counters.paired, g.pending_halves], [100, 10_000]);
  const edges = g.close({ all: true }).windows.flatMap((w) =>
    w.edges.map((e) => [e.caller, e.callee, e.calls])
  );
  assertEquals(edges, [["fe", "api", 100]]);
  assertEquals(g.counters.expired, 20_000);
});

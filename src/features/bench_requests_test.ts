import { deepStrictEqual as assertEquals, ok } from "node:assert";
import { SPANS_PER_REQUEST, traceRequest } from "./bench_requests.ts";
import { Extractor } from "./extract.ts";
import { batchPartialsFor } from "./feature_worker.ts";
import { scanTraces } from "./otlp_scan.ts";
import { decodeHalfColumns } from "../graph/halves_codec.ts";
import { GraphAssembler, type GraphEdgeJson } from "../graph/graph_assembler.ts";

const T0 = 1_700_000_000_000;

Deno.test("traceRequest() gives 512 spans per request, deterministic in the seed", () => {
  for (const seed of [0, 1, 7]) {
    const b = traceRequest(seed, T0 + seed * 20);
    assertEquals(scanTraces(b, () => {}).items, SPANS_PER_REQUEST);
    assertEquals(b, traceRequest(seed, T0 + seed * 20));
  }
  // about 180 (service, operation) series, as the module docs say
  const x = new Extractor({ graph: false }).extract("traces", "default", traceRequest(3, T0));
  const series = x.windows.reduce((n, w) => n + w.toJSON().ops.length, 0);
  ok(series >= 150 && series <= 220, `${series} series`);
});

Deno.test("traceRequest() calls pair across services and requests: N requests in order give the module docs' edges", () => {
  const N = 9, BATCH = 4;
  const msgs = Array.from({ length: N }, (_, i) => ({
    subject: "otlp.v1.traces.default",
    data: traceRequest(i, T0 + i * 20),
    stream_seq: i + 1,
  }));
  const ex = new Extractor();
  const g = new GraphAssembler({ max_out_of_order_ms: 600_000 });
  const edges: GraphEdgeJson[] = [];
  for (let i = 0; i < N; i += BATCH) {
    for (
      const [subject, , body] of batchPartialsFor(ex, msgs.slice(i, i + BATCH), {
        feature_partitions: 1,
        span_partitions: 1,
      }).out
    ) {
      if (subject.startsWith("vigil.spans.")) g.accept(decodeHalfColumns(body));
    }
    for (const w of g.close().windows) edges.push(...w.edges);
  }
  for (const w of g.close({ all: true }).windows) edges.push(...w.edges);
  const c = g.counters;
  assertEquals(
    [c.paired, c.database_edges, c.virtual_edges, c.expired],
    [120 * N - 24, 64 * N, 8 * N + 24, 8 * N + 24 + 24],
  );
  const calls = (type: string) => edges.filter((e) => e.type === type).reduce((n, e) => n + e.calls, 0);
  assertEquals(
    [calls("request"), calls("database"), calls("virtual_node")],
    [120 * N - 24, 64 * N, 8 * N + 24],
  );
  ok(edges.some((e) => e.type === "request" && e.errors > 0), "some calls fail (C answers 503)");
  ok(edges.some((e) => e.callee === "postgresql/shop0"));
  ok(edges.some((e) => e.callee === "api.payments.example.com"));
  // between services only, never a service to itself
  for (const e of edges) ok(e.caller !== e.callee, JSON.stringify(e));
});

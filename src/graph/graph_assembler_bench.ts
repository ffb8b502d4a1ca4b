/**
 * The service graph's CPU path, stage by stage, on one core: `deno bench -A src/graph/graph_assembler_bench.ts`.
 *
 * - worker: a pull batch of 64 bench:features requests (512 spans each) → feature partials, without and
 *   with graph halves (extract + encode: what the graph adds to a feature worker);
 * - assembler: those batches' halves messages decoded, accepted and closed (all windows stored), as the
 *   graph consumer does;
 * - the same for a workload of calls only: 512-span requests of client → server calls whose two halves
 *   are always in different requests (the bench:features requests mix roots, internal spans, database
 *   calls and calls paired in the same or the next request: src/features/bench_requests.ts).
 *
 * Each bench is one pass over 128 requests (65,536 spans): divide its time by that for the cost per span.
 */
import { SPANS_PER_REQUEST, traceRequest } from "../features/bench_requests.ts";
import { Extractor } from "../features/extract.ts";
import { batchPartialsFor } from "../features/feature_worker.ts";
import { type GenSpan, traceRequest as genRequest } from "../../tests/features/otlp_gen.ts";
import { decodeHalfColumns } from "./halves_codec.ts";
import { GraphAssembler } from "./graph_assembler.ts";

const T0 = 1_700_000_000_000;
const N = 128, BATCH = 64;
const parts = { feature_partitions: 1, span_partitions: 1 };

type Msg = { subject: string; data: Uint8Array; stream_seq: number };
const asMsgs = (reqs: Uint8Array[]): Msg[] =>
  reqs.map((data, i) => ({ subject: "otlp.v1.traces.default", data, stream_seq: i + 1 }));
const batches = (msgs: Msg[]) =>
  Array.from({ length: msgs.length / BATCH }, (_, b) => msgs.slice(b * BATCH, (b + 1) * BATCH));

/** Request i of the paired workload: 256 calls, each call's client span here and its server span in request i + 1. */
function pairedRequest(i: number): Uint8Array {
  const spans: GenSpan[] = [];
  const calls = SPANS_PER_REQUEST / 2;
  for (let c = 0; c < calls; c++) {
    const k = i * calls + c, svc = k % 20;
    spans.push({
      service: `svc${svc}`,
      pod: `svc${svc}-0`,
      name: `GET /api/v1/resource${k % 20}`,
      kind: 3,
      start_ms: T0 + i * 20 + c / 50,
      duration_ms: 1 + (k % 50),
      trace: k + 1,
      span: 2 * k + 1,
      http: k % 50 === 0 ? 503 : 200,
      attrs: { "server.address": `svc${(svc + 1) % 20}` },
    });
    if (i > 0) {
      const p = k - calls, ps = p % 20; // the server side of request i − 1's call
      spans.push({
        service: `svc${(ps + 1) % 20}`,
        pod: `svc${(ps + 1) % 20}-0`,
        name: `GET /api/v1/resource${p % 20}`,
        kind: 2,
        start_ms: T0 + (i - 1) * 20 + c / 50 + 0.5,
        duration_ms: 0.5 + (p % 40),
        trace: p + 1,
        span: 2 * p + 2,
        parent: 2 * p + 1,
      });
    }
  }
  return genRequest(spans);
}

const workloads = {
  "bench:features requests": batches(
    asMsgs(Array.from({ length: N }, (_, i) => traceRequest(i, T0 + i * 20))),
  ),
  "paired calls": batches(asMsgs(Array.from({ length: N }, (_, i) => pairedRequest(i)))),
};

function halvesOf(bs: Msg[][]): Uint8Array[] {
  const ex = new Extractor({ graph: true });
  return bs.flatMap((b) =>
    batchPartialsFor(ex, b, parts).out.filter(([s]) => s.startsWith("vigil.spans.")).map((o) => o[2])
  );
}

for (const [name, bs] of Object.entries(workloads)) {
  const exFeatures = new Extractor({ graph: false });
  const exGraph = new Extractor({ graph: true });
  Deno.bench(`worker, features only (${name})`, { group: `worker ${name}`, baseline: true }, () => {
    for (const b of bs) batchPartialsFor(exFeatures, b, parts);
  });
  Deno.bench(`worker, features + graph halves (${name})`, { group: `worker ${name}` }, () => {
    for (const b of bs) batchPartialsFor(exGraph, b, parts);
  });
  const encoded = halvesOf(bs);
  Deno.bench(`assembler: decode + accept + close (${name})`, () => {
    const g = new GraphAssembler({ max_out_of_order_ms: 600_000 });
    for (const bytes of encoded) {
      g.accept(decodeHalfColumns(bytes));
      g.close();
    }
    g.close({ all: true });
  });
}

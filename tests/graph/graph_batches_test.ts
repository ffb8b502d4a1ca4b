/**
 * The service graph when feature workers cut span halves per pull batch (one `vigil.spans.{p}` message per
 * batch and span partition) instead of per OTLP message: the same graph, whatever the cut, the number of
 * workers, or a worker killed with SIGKILL between storing a batch's halves and acking its messages.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert";
import { startNatsServer } from "../helpers/nats_server.ts";
import { until } from "../helpers/until.ts";
import { beforeTimeout, spawnFeatureWorker } from "../helpers/feature_worker_process.ts";
import { type FeatureEngine, startFeatureEngine } from "../../src/features/engine.ts";
import type { PartialsPer } from "../../src/features/feature_worker.ts";
import { connectBus } from "../../src/bus/connection.ts";
import { ensureStreams } from "../../src/bus/streams.ts";
import { rng, shuffle, traceRequest } from "../features/otlp_gen.ts";
import type { GenSpan } from "../features/otlp_gen.ts";

const W = 10_000;
const T0 = 1_700_000_000_000;

/**
 * `n` traces fe → api (client/server, the server span in another request), api → postgresql (database
 * client) and, every 4th trace, fe → legacy (a peer that never answers), spread over 60 s and packed
 * `per_message` spans a request in shuffled order.
 */
function callRequests(n: number, per_message: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  const spans: GenSpan[] = [];
  for (let i = 0; i < n; i++) {
    const st = T0 + Math.floor((i / n) * 60_000);
    const trace = i + 1, id = 4 * i + 1;
    spans.push(
      {
        service: "fe",
        pod: "fe-1",
        name: "GET /",
        kind: 3,
        start_ms: st,
        duration_ms: 20 + (i % 9),
        trace,
        span: id,
      },
      {
        service: "api",
        pod: `api-${i % 2}`,
        name: "GET /",
        kind: 2,
        start_ms: st + 1,
        duration_ms: 15,
        trace,
        span: id + 1,
        parent: id,
        http: i % 10 === 0 ? 503 : 200,
      },
      {
        service: "api",
        name: "SELECT",
        kind: 3,
        start_ms: st + 2,
        duration_ms: 3 + r() * 5,
        trace,
        span: id + 2,
        parent: id + 1,
        attrs: { "db.system": "postgresql" },
      },
    );
    if (i % 4 === 0) {
      spans.push({
        service: "fe",
        name: "POST /legacy",
        kind: 3,
        start_ms: st + 3,
        duration_ms: 7,
        trace,
        span: id + 3,
        attrs: { "peer.service": "legacy" },
      });
    }
  }
  const mixed = shuffle(spans, r);
  const out: Uint8Array[] = [];
  for (let i = 0; i < mixed.length; i += per_message) out.push(traceRequest(mixed.slice(i, i + per_message)));
  return out;
}

const REQUESTS = callRequests(600, 25, 4); // ~100 requests

async function publish(url: string, bodies: Uint8Array[]): Promise<void> {
  await using bus = await connectBus(url);
  await ensureStreams(bus);
  for (const b of bodies) await bus.js.publish("otlp.v1.traces.default", b);
}

/** The graph over the whole workload once the engine has drained, and the graph counters. */
async function graphOf(engine: FeatureEngine) {
  await until(() => engine.drained(), "the engine to drain");
  await engine.flush();
  const g = await engine.graph!.asOf(T0 + 60_000, { lookback_ms: 80_000 });
  return {
    nodes: g.nodes,
    edges: g.edges.map((e) => ({ ...e })),
    counters: engine.counters().graph!,
  };
}

const engineOptions = {
  window_ms: W,
  max_out_of_order_ms: 120_000,
  graph_ttl_ms: 120_000,
  idle_flush_ms: 0,
};

async function run(workers: number, partials_per: PartialsPer) {
  await using nats = await startNatsServer();
  await publish(nats.url, REQUESTS);
  await using engine = await startFeatureEngine({
    nats_url: nats.url,
    workers,
    partials_per,
    ...engineOptions,
  });
  const g = await graphOf(engine);
  await engine.close(); // the workers' final counters
  return { ...g, workers: engine.counters().workers };
}

const reference = await (async () => {
  const r = await run(1, "message");
  return { nodes: r.nodes, edges: r.edges, paired: r.counters.paired, expired: r.counters.expired };
})();

Deno.test("the reference graph has the workload's edges", () => {
  const edges = reference.edges.map((e) => [e.caller, e.callee, e.type, e.calls, e.errors]);
  assertEquals(edges, [
    ["api", "postgresql", "database", 600, 0],
    ["fe", "api", "request", 600, 0],
    ["fe", "legacy", "virtual_node", 150, 0],
  ]);
  assertEquals(reference.paired, 600);
});

Deno.test({
  name: "the service graph is the same with span halves cut per pull batch, with 1 and 2 workers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    for (const workers of [1, 2]) {
      const got = await run(workers, "batch");
      ok(got.workers.batch_partials > 0, "no pull batch was aggregated: the test proves nothing");
      assertEquals(got.nodes, reference.nodes);
      assertEquals(got.edges, reference.edges);
      assertEquals([got.counters.paired, got.counters.expired], [reference.paired, reference.expired]);
    }
  },
});

Deno.test({
  name:
    "a feature worker killed with SIGKILL after storing a batch's halves, before acking, yields the same graph",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    await publish(nats.url, REQUESTS);
    await using engine = await startFeatureEngine({
      nats_url: nats.url,
      workers: 0,
      ack_wait_ms: 1_500,
      ...engineOptions,
    });
    const spawn = (...args: string[]) => spawnFeatureWorker(nats.url, { window_ms: W, batch_size: 4, args });
    const first = spawn("--kill-at", "published:3");
    const st = await beforeTimeout(first, first.status);
    assertEquals(st.signal, "SIGKILL");
    const second = spawn();
    try {
      const got = await graphOf(engine);
      assertEquals(got.nodes, reference.nodes);
      assertEquals(got.edges, reference.edges);
      // the killed batch's messages came back one by one: their halves were already in
      ok(got.counters.duplicates + got.counters.overlapping > 0, "no redelivery reached the graph");
    } finally {
      second.kill("SIGTERM");
      await second.status;
    }
  },
});

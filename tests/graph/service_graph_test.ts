/**
 * The service graph of a known three-tier call pattern, from OpenTelemetry JS SDK spans through the whole
 * engine on a real nats-server: frontend → api (HTTP), api → PostgreSQL (uninstrumented database),
 * api → worker through Kafka (producer/consumer), api → payments (uninstrumented peer.service).
 */
import { deepStrictEqual as assertEquals } from "node:assert";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../helpers/nats_server.ts";
import { until } from "../helpers/until.ts";
import { startFeatureEngine } from "../../src/features/engine.ts";
import { connectBus } from "../../src/bus/connection.ts";
import { ensureStreams } from "../../src/bus/streams.ts";
import { exportWithSdk } from "../features/otel_sdk_fixture.ts";
import { rng, shuffle } from "../features/otlp_gen.ts";

const N = 20;

async function threeTier(): Promise<Uint8Array[]> {
  return await exportWithSdk(({ tracer, start }) => {
    const fe = tracer("frontend", { "k8s.pod.name": "frontend-1", "host.name": "node-a" });
    const api = tracer("api", { "k8s.pod.name": "api-1", "host.name": "node-b" });
    const worker = tracer("worker", { "k8s.pod.name": "worker-1", "host.name": "node-b" });
    for (let i = 0; i < N; i++) {
      const root = start(fe, "GET /", { kind: SpanKind.SERVER });
      const call = start(fe, "GET /orders", {
        kind: SpanKind.CLIENT,
        attributes: { "server.address": "api" },
      }, root);
      const srv = start(api, "GET /orders", { kind: SpanKind.SERVER }, call);
      const db = start(api, "SELECT orders", {
        kind: SpanKind.CLIENT,
        attributes: { "db.system": "postgresql", "db.name": "orders" },
      }, srv);
      if (i % 7 === 0) db.setStatus({ code: SpanStatusCode.ERROR });
      const pay = start(api, "POST /charge", {
        kind: SpanKind.CLIENT,
        attributes: { "peer.service": "payments" },
      }, srv);
      const prod = start(api, "orders publish", {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": "kafka", "messaging.destination.name": "orders" },
      }, srv);
      const cons = start(worker, "orders process", { kind: SpanKind.CONSUMER }, prod);
      for (const s of [cons, prod, pay, db, srv, call, root]) s.end();
    }
  });
}

Deno.test({
  name: "ServiceGraph.asOf() gives the exact graph of a three-tier pattern with a database and a queue",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const bodies = shuffle(await threeTier(), rng(3));
    await using nats = await startNatsServer();
    {
      await using bus = await connectBus(nats.url);
      await ensureStreams(bus);
    }
    const nc = await connect({ servers: nats.url });
    for (const b of bodies) await jetstream(nc).publish("otlp.v1.traces.default", b);
    await nc.drain();
    await using engine = await startFeatureEngine({
      nats_url: nats.url,
      workers: 2,
      idle_flush_ms: 0,
      graph_ttl_ms: 60_000,
    });
    await until(() => engine.drained(), "the engine to drain");
    await engine.flush();
    const g = await engine.graph!.asOf(Date.now(), { lookback_ms: 120_000 });
    assertEquals(
      g.edges.map((e) => [e.caller, e.callee, e.type, e.calls, e.errors]),
      [
        ["api", "payments", "virtual_node", N, 0],
        ["api", "postgresql/orders", "database", N, 3],
        ["api", "worker", "messaging_system", N, 0],
        ["frontend", "api", "request", N, 0],
      ],
    );
    assertEquals(g.nodes, [
      { id: "api", kind: "service" },
      { id: "api-1", kind: "pod", service: "api", host: "node-b" },
      { id: "frontend", kind: "service" },
      { id: "frontend-1", kind: "pod", service: "frontend", host: "node-a" },
      { id: "node-a", kind: "host" },
      { id: "node-b", kind: "host" },
      { id: "payments", kind: "virtual" },
      { id: "postgresql/orders", kind: "virtual" },
      { id: "worker", kind: "service" },
      { id: "worker-1", kind: "pod", service: "worker", host: "node-b" },
    ]);
    for (const e of g.edges) {
      if (!(e.latency_p50_ms! >= 0 && e.latency_p99_ms! >= e.latency_p50_ms!)) {
        throw new Error(`bad latency ${JSON.stringify(e)}`);
      }
    }
    const c = engine.counters().graph!;
    assertEquals(c.paired, 2 * N);
    assertEquals(c.expired, N); // the payments calls never pair
    assertEquals(c.virtual_edges, N);
    assertEquals(c.database_edges, N);
    // the FEATURES side saw the same spans: 7 per request
    const total = engine.store.services().reduce(
      (n, s) => n + engine.store.recent(s).reduce((m, r) => m + r.count, 0),
      0,
    );
    assertEquals(total, 7 * N);
  },
});

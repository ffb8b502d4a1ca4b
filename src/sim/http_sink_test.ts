import { assert, assertEquals, assertRejects } from "../../tests/helpers/assert.ts";
import { decodeOtlp } from "../core/otlp/codec.ts";
import type { OtlpSignal } from "../bus/subjects.ts";
import { createHttpSink } from "./http_sink.ts";
import { main } from "./cli.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import { OtlpReceiver } from "../ingest/otlp_receiver.ts";
import { otlpApp } from "../api/otlp_app.ts";

/** A real HTTP server that refuses the first `refuse` requests with 503 and keeps the rest. */
function receiver(refuse: number) {
  const bodies: { path: string; type: string; body: Uint8Array }[] = [];
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    if (n++ < refuse) return new Response("busy", { status: 503 });
    bodies.push({ path: new URL(req.url).pathname, type: req.headers.get("content-type") ?? "", body });
    return new Response(new Uint8Array(0), {
      status: 200,
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, bodies, server };
}

Deno.test("simulate --target http:// posts OTLP protobuf to /v1/{signal}, retrying 503", async () => {
  const r = receiver(2);
  try {
    const e = console.error;
    console.error = () => {};
    let code;
    try {
      code = await main([
        "--topology",
        "online-boutique",
        "--duration-s",
        "5",
        "--start",
        "0",
        "--target",
        r.url,
        "--quiet",
      ]);
    } finally {
      console.error = e;
    }
    assertEquals(code, 0);
    const paths = new Set(r.bodies.map((b) => b.path));
    assertEquals([...paths].sort(), ["/v1/logs", "/v1/metrics", "/v1/traces"]);
    for (const b of r.bodies) {
      assertEquals(b.type, "application/x-protobuf");
      const req = decodeOtlp(b.path.slice(4) as OtlpSignal, b.body);
      assert((req.resourceSpans ?? req.resourceMetrics ?? req.resourceLogs).length > 0);
    }
    assertEquals(r.bodies.filter((b) => b.path === "/v1/traces").length, 5);
  } finally {
    await r.server.shutdown();
  }
});

Deno.test("createHttpSink() gives up after its attempts and names the target and status", async () => {
  const r = receiver(100);
  try {
    const sink = createHttpSink(r.url, { max_attempts: 2, backoff_ms: 1 });
    await assertRejects(() => sink.send("traces", new Uint8Array(0), { msg_id: "x" }), Error, "HTTP 503");
    assertEquals(sink.counters.retries, 1);
    await sink.close();
    await sink.close();
  } finally {
    await r.server.shutdown();
  }
});

Deno.test("simulate output is accepted whole by Vigil's OTLP/HTTP receiver", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  await ensureStreams(bus);
  const receiver = new OtlpReceiver(bus);
  const app = otlpApp(receiver);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    const e = console.error;
    console.error = () => {};
    let code;
    try {
      code = await main([
        "--topology",
        "sock-shop",
        "--duration-s",
        "20",
        "--start",
        "0",
        "--faults",
        "1",
        "--kinds",
        "code_exception",
        "--warmup-s",
        "5",
        "--fault-duration-s",
        "10",
        "--target",
        `http://127.0.0.1:${server.addr.port}`,
        "--quiet",
      ]);
    } finally {
      console.error = e;
    }
    assertEquals(code, 0);
    assertEquals(receiver.stats.rejected_items, 0);
    assert(receiver.stats.accepted_items > 1000, `${receiver.stats.accepted_items} items accepted`);
    const stored = (await (await bus.jsm()).streams.info("OTLP")).state.messages;
    assertEquals(stored, receiver.stats.stored_messages);
    assert(stored >= 20 + 4 + 20, `${stored} messages`);
  } finally {
    await server.shutdown();
  }
});

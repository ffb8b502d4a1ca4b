import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { connectBus } from "../../src/bus/connection.ts";
import { ensurePullConsumer, pullBatches } from "../../src/bus/pull_batches.ts";
import { startNatsServer } from "../helpers/nats_server.ts";

Deno.test({
  name: "pullBatches() keeps large messages in flight within the server's per-connection buffer",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // 40 messages of 150-200 KB (7 MB) against a server that lets 2 MiB wait for one connection: a pull of
    // 2 × batch_size messages would overflow it while the consumer computes, and the server would drop
    // the connection as a slow consumer (its pull then stalls until it expires)
    await using nats = await startNatsServer({
      max_payload_bytes: 256 * 1024,
      extra_config: "max_pending: 2MB",
    });
    await using bus = await connectBus(nats.url);
    const jsm = await bus.jsm();
    await jsm.streams.add({ name: "BIG", subjects: ["big.>"] });
    // sizes vary, as OTLP requests' do (a pull sized to the last message may not hold the next)
    const size = (i: number) => 150_000 + (i * 3637) % 50_000;
    for (let i = 0; i < 40; i++) await bus.js.publish(`big.${i}`, new Uint8Array(size(i)).fill(7));
    await ensurePullConsumer(bus, { stream: "BIG", durable: "reader", filter_subjects: ["big.>"] });
    const events: string[] = [];
    (async () => {
      for await (const s of bus.nc.status()) events.push(s.type);
    })().catch(() => {});
    const abort = new AbortController();
    // A stalled consumer waits for its heartbeat to time out (15 s) before it pulls again: the test gives
    // up before that (the work itself takes about 4 s: 40 batches at most, 100 ms each).
    const giveUp = setTimeout(() => abort.abort(), 14_000);
    const seen = new Set<string>();
    let bytes = 0;
    await pullBatches(bus, (msgs) => {
      // busy, as a worker decoding its batch is: the socket is not read meanwhile
      const until = performance.now() + 100;
      while (performance.now() < until) { /* compute */ }
      for (const m of msgs) {
        seen.add(m.subject);
        bytes += m.data.length;
        m.ack();
      }
      if (seen.size === 40) abort.abort();
      return Promise.resolve();
    }, { stream: "BIG", durable: "reader", batch_size: 16, max_bytes: 512 * 1024, signal: abort.signal });
    clearTimeout(giveUp);
    assertEquals(seen.size, 40);
    assertEquals(bytes, Array.from({ length: 40 }, (_, i) => size(i)).reduce((a, b) => a + b));
    assertEquals(events.filter((e) => e === "disconnect" || e === "error"), [], events.join(", "));
  },
});

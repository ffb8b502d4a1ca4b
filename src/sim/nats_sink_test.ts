import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import { decodeOtlp } from "../core/otlp/codec.ts";
import type { OtlpSignal } from "../bus/subjects.ts";
import { main } from "./cli.ts";

const quietly = async <T>(f: () => Promise<T>): Promise<T> => {
  const e = console.error;
  console.error = () => {};
  try {
    return await f();
  } finally {
    console.error = e;
  }
};

Deno.test({
  name: "simulate --target nats:// publishes OTLP to the OTLP stream, readable and deduplicated on replay",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using nats = await startNatsServer();
    await using bus = await connectBus(nats.url);
    await ensureStreams(bus);
    const args = [
      "--topology",
      "sock-shop",
      "--duration-s",
      "12",
      "--start",
      "0",
      "--target",
      nats.url,
      "--tenant",
      "t1",
    ];
    assertEquals(await quietly(() => main([...args, "--quiet"])), 0);
    const jsm = await bus.jsm();
    const stored = (await jsm.streams.info("OTLP")).state.messages;
    // 12 ticks of traces and logs, metrics every 5 s.
    assert(stored >= 12 + 2 + 10, `only ${stored} messages stored`);
    const seen: Record<string, number> = {};
    for (let seq = 1; seq <= stored; seq++) {
      const m = await jsm.streams.getMessage("OTLP", { seq });
      assert(m, `no message at seq ${seq}`);
      const [, , signal, tenant] = m.subject.split(".");
      assertEquals(tenant, "t1");
      const req = decodeOtlp(signal as OtlpSignal, m.data);
      const resources = req.resourceSpans ?? req.resourceMetrics ?? req.resourceLogs;
      assert(resources.length > 0, `empty ${signal} message`);
      const attrs = resources[0].resource.attributes.map((a: { key: string }) => a.key);
      assert(attrs.includes("service.name") || attrs.includes("host.name"));
      seen[signal] = (seen[signal] ?? 0) + 1;
    }
    assertEquals(seen.traces, 12);
    assertEquals(seen.metrics, 2);
    // The same run again: the Nats-Msg-Ids repeat, so JetStream stores nothing new.
    assertEquals(await quietly(() => main([...args, "--quiet"])), 0);
    assertEquals((await jsm.streams.info("OTLP")).state.messages, stored);
  },
});

Deno.test("simulate --nats-core publishes on otlp.v1.{signal}.{tenant} without a stream", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  const sub = bus.nc.subscribe("otlp.v1.>");
  const got: string[] = [];
  const done = (async () => {
    for await (const m of sub) {
      got.push(m.subject);
      decodeOtlp(m.subject.split(".")[2] as OtlpSignal, m.data);
    }
  })();
  await bus.nc.flush();
  const code = await quietly(() =>
    main([
      "--topology",
      "online-boutique",
      "--duration-s",
      "5",
      "--start",
      "0",
      "--target",
      nats.url,
      "--nats-core",
      "--quiet",
    ])
  );
  assertEquals(code, 0);
  await bus.nc.flush();
  await new Promise((r) => setTimeout(r, 200));
  sub.unsubscribe();
  await done;
  assert(got.includes("otlp.v1.traces.default") && got.includes("otlp.v1.metrics.default"), got.join(","));
  assert(got.length >= 11, `${got.length} messages`);
});

Deno.test("simulate --target nats:// fails with a clear message when no stream takes the subject", async () => {
  await using nats = await startNatsServer();
  const lines: string[] = [];
  const e = console.error;
  console.error = (m: string) => lines.push(m);
  try {
    assertEquals(await main(["--duration-s", "2", "--start", "0", "--target", nats.url, "--quiet"]), 1);
  } finally {
    console.error = e;
  }
  assert(lines.some((l) => l.includes("no JetStream stream takes it")), lines.join("\n"));
});

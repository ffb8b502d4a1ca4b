/** Malformed OTLP published straight to NATS is not lost: the feature worker moves it to the DLQ stream. */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestVigil } from "../helpers/vigil.ts";
import { until } from "../helpers/until.ts";
import { publishDurable } from "../../src/bus/publish.ts";
import { encodeOtlp } from "../../src/core/otlp/codec.ts";
import { traceRequest } from "../../src/core/otlp/fixtures.ts";
import type { FeaturesStageHandle } from "../../src/runtime/stages.ts";

Deno.test({
  name: "a malformed OTLP message on NATS goes to vigil.dlq.OTLP with its reason; valid ones are processed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await startTestVigil({ features: { workers: 1 }, incidents: { enabled: false } });
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0x01, 0x02]);
    await publishDurable(t.vigil.bus, "otlp.v1.traces.default", garbage);
    await publishDurable(t.vigil.bus, "otlp.v1.traces.default", encodeOtlp("traces", traceRequest()));
    const features = t.vigil.stages.get("features") as FeaturesStageHandle;
    await until(() => features.engine.drained(), "the feature engine to drain", {
      timeout_ms: 10_000,
      interval_ms: 100,
    });
    const dlq = await t.streamMessages("DLQ");
    assertEquals(dlq.length, 1);
    assertEquals(dlq[0].subject, "vigil.dlq.OTLP");
    assertEquals([...dlq[0].data], [...garbage]);
    const jsm = await t.vigil.bus.jsm();
    const msg = (await jsm.streams.getMessage("DLQ", { seq: dlq[0].seq }))!;
    assert(msg.header.get("Vigil-Reason").startsWith("malformed OTLP"), msg.header.get("Vigil-Reason"));
    assertEquals(msg.header.get("Vigil-Subject"), "otlp.v1.traces.default");
    // worker counters reach the main thread periodically
    await until(() => features.engine.counters().workers.messages >= 2, "the worker counters", {
      timeout_ms: 10_000,
      interval_ms: 100,
    });
    const c = features.engine.counters().workers;
    assertEquals([c.messages, c.malformed], [2, 1]);
  },
});

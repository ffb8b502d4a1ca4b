/**
 * The `features:` section of the config reaches the running feature engine: the same OTLP through a Vigil
 * started with the defaults and with tight caps gives records that differ exactly as the caps say.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestVigil } from "../helpers/vigil.ts";
import { until } from "../helpers/until.ts";
import type { FeaturesStageHandle } from "../../src/runtime/stages.ts";
import type { FeatureRecord } from "../../src/core/feature_record.ts";
import { encodeOtlp } from "../../src/core/otlp/codec.ts";
import { traceRequest } from "../features/otlp_gen.ts";

const T0 = Date.UTC(2026, 0, 1, 12);
const OPERATIONS = ["GET /a", "GET /b", "GET /c", "GET /d", "GET /e"];

const spans = traceRequest(
  OPERATIONS.flatMap((name, k) =>
    Array.from({ length: 4 }, (_, i) => ({
      service: "shop",
      name,
      kind: 2,
      start_ms: T0 + 1_000 + 100 * (4 * k + i),
      duration_ms: 5 + i,
    }))
  ),
);

// three log templates of one service, in one window
const logs = encodeOtlp("logs", {
  resourceLogs: [{
    resource: { attributes: [{ key: "service.name", value: { stringValue: "shop" } }] },
    scopeLogs: [{
      logRecords: ["cart 17 emptied", "payment declined for order 42", "user 9 logged in via sso"].map((
        body,
        i,
      ) => ({
        timeUnixNano: String(BigInt(T0 + 2_000 + i) * 1_000_000n),
        severityNumber: 9,
        severityText: "INFO",
        body: { stringValue: body },
      })),
    }],
  }],
});

async function recordsWith(features: Record<string, unknown>): Promise<FeatureRecord[]> {
  await using t = await startTestVigil({ features, incidents: { enabled: false } });
  for (const [signal, body] of [["traces", spans], ["logs", logs]] as const) {
    const r = await fetch(`${t.otlp_url}/v1/${signal}`, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/x-protobuf" },
    });
    assertEquals(r.status, 200);
    await r.body?.cancel();
  }
  const engine = (t.vigil.stages.get("features") as FeaturesStageHandle).engine;
  await until(() => engine.drained(), "the feature engine to drain", { timeout_ms: 30_000 });
  await engine.flush();
  return engine.store.recent("shop", { tenant: "default" });
}

Deno.test("the runtime hands features: caps and windows from the config to the feature engine", async () => {
  const defaults = await recordsWith({});
  assertEquals(defaults.length, 1, "one 10 s window by default");
  assertEquals(defaults[0].operations.length, OPERATIONS.length);
  assertEquals(defaults[0].logs.templates.length, 3);

  // (each 1 s window holds 3 distinct operations: a cap of 1 shows as 2 entries, its overflow included)
  const capped = await recordsWith({ window_ms: 1_000, max_operations: 1, max_templates: 1 });
  // 1 s windows: the 20 spans span two seconds, the logs one of them
  assert(capped.length >= 2, `expected several 1 s windows, got ${capped.length}`);
  for (const r of capped) {
    assertEquals(r.window_end_ms - r.window_start_ms, 1_000);
    assert(r.operations.length <= 2, `max_operations 1 (+ overflow) let ${r.operations.length} through`);
    assert(r.logs.templates.length <= 1, `max_templates 1 let ${r.logs.templates.length} through`);
  }
  assertEquals(capped.reduce((n, r) => n + r.count, 0), 20, "every span counted, capped or not");
  assert(capped.some((r) => r.operations_overflowed > 0), "nothing overflowed under max_operations 1");
});

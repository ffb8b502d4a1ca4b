/**
 * The whole pipeline in one real Vigil: simulator OTLP → JetStream → feature workers → FEATURES →
 * detectors → incidents (stream, KV, API). Asserts the plumbing end to end; accuracy is measured by the
 * evaluation harness, not here.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestVigil } from "../helpers/vigil.ts";
import { until } from "../helpers/until.ts";
import { builtinTopology, createSimulation, planEndMs, planFaultCases } from "../../src/sim/mod.ts";
import { encodeSimOtlp } from "../../src/sim/otlp_encode.ts";
import { publishDurable } from "../../src/bus/publish.ts";
import { openKvBucket } from "../../src/bus/kv_bucket.ts";
import { FeatureRecordSchema } from "../../src/core/feature_record.ts";
import { incidentRecordSchema } from "../../src/incident/incident_record.ts";
import type { FeaturesStageHandle, IncidentsStageHandle } from "../../src/runtime/stages.ts";

Deno.test({
  name: "simulated OTLP flows through features and detectors into incidents on the stream, in KV and the API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await startTestVigil({
      features: { workers: 1, idle_flush_ms: 0 },
      incidents: { replay_history_ms: 0 },
    });
    const topology = builtinTopology("online-boutique");
    const start_ms = Date.UTC(2026, 0, 1);
    const cases = planFaultCases({ topology, cases: 1, seed: 11, start_ms, warmup_ms: 8 * 60_000 });
    const sim = createSimulation({
      topology,
      seed: 11,
      start_ms,
      faults: cases.map((c) => c.fault),
      encoder: encodeSimOtlp,
    });
    const services = new Set<string>();
    for (const tick of sim.run(planEndMs(cases, { start_ms }))) {
      for (const sig of ["traces", "metrics", "logs"] as const) {
        const b = tick.encoded?.[sig];
        if (b) await publishDurable(t.vigil.bus, `otlp.v1.${sig}.default`, b);
      }
      for (const rs of tick.traces?.resourceSpans ?? []) {
        const name = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value?.stringValue;
        if (name) services.add(name);
      }
    }
    const features = t.vigil.stages.get("features") as FeaturesStageHandle;
    await until(() => features.engine.drained(), "the feature engine to drain", { interval_ms: 250 });
    await features.engine.flush();
    const incidents = t.vigil.stages.get("incidents") as IncidentsStageHandle;
    // wait until the stage has read every FEATURES record, then complete the last window
    const jsm = await t.vigil.bus.jsm();
    const published = (await jsm.streams.info("FEATURES")).state.messages;
    await until(
      () => (incidents.counters?.() as { records: number }).records >= published,
      `the incident stage to read ${published} FEATURES records`,
      { interval_ms: 250 },
    );
    await incidents.flush();

    // FEATURES: valid records for every service that sent spans
    const featureMsgs = await t.streamMessages("FEATURES");
    const recorded = new Set(
      featureMsgs.map((m) => FeatureRecordSchema.parse(JSON.parse(new TextDecoder().decode(m.data))).service),
    );
    for (const s of services) assert(recorded.has(s), `no FEATURES record for ${s}`);

    // INCIDENTS: valid records, each also in KV and in the API with its latest revision
    const incidentMsgs = (await t.streamMessages("INCIDENTS")).map((m) =>
      incidentRecordSchema.parse(JSON.parse(new TextDecoder().decode(m.data)))
    );
    assert(incidentMsgs.length > 0, "the injected fault raised no incident");
    const latest = new Map<string, number>();
    for (const r of incidentMsgs) latest.set(r.id, Math.max(latest.get(r.id) ?? 0, r.revision));
    const kv = await openKvBucket(t.vigil.bus, "vigil_incidents");
    for (const [id, revision] of latest) {
      const stored = await kv.get(`default.${id}`);
      assert(stored, `incident ${id} missing from KV`);
      assertEquals(
        incidentRecordSchema.parse(JSON.parse(new TextDecoder().decode(stored))).revision,
        revision,
      );
    }
    const api = await (await fetch(`${t.api_url}/v1/incidents`)).json() as { id: string; revision: number }[];
    assertEquals(new Map(api.map((r) => [r.id, r.revision])), latest);
    const missing = await fetch(`${t.api_url}/v1/incidents/inc-0000000000000000`);
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
    const svc = await (await fetch(`${t.api_url}/v1/services`)).json() as string[];
    for (const s of services) assert(svc.includes(s), `API /v1/services lacks ${s}`);
  },
});

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectBus } from "../bus/connection.ts";
import { publishDurable } from "../bus/publish.ts";
import { decodeOtlp } from "../core/otlp/codec.ts";
import type { OfflineCase } from "../core/rca.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { caseToOtlp, httpSink, natsSink, replayCases } from "./otlp_replay.ts";

function tinyCase(t0: number, id: string): OfflineCase {
  const times_ms = [t0, t0 + 1000, t0 + 2000];
  return {
    label: { id, dataset: "tiny", root_cause_service: "cart", fault_start_ms: t0 + 2000 },
    input: {
      frame: {
        times_ms,
        step_ms: 1000,
        series: new Map([
          ["cart", new Map([["cpu", Float64Array.from([1, 2, 9])]])],
          ["front", new Map([["lat_90", Float64Array.from([5, NaN, 7])]])],
        ]),
      },
      spans: [{
        trace_id: "ab",
        span_id: "01",
        parent_span_id: "",
        service: "front",
        operation: "GET /",
        start_ms: t0 + 500,
        duration_ms: 3,
        is_error: false,
      }],
    },
  };
}

async function* cases(...c: OfflineCase[]) {
  yield* c;
}

Deno.test("caseToOtlp() emits a gauge per indicator and window, skipping gaps, and spans per window", () => {
  const batches = caseToOtlp(tinyCase(1_000_000, "a"));
  const metrics = batches.filter((b) => b.signal === "metrics");
  strictEqual(metrics.length, 3);
  strictEqual(metrics[1].request.resourceMetrics.length, 1, "front has no point in window 1");
  const traces = batches.filter((b) => b.signal === "traces");
  strictEqual(traces.length, 1);
  strictEqual(traces[0].request.resourceSpans[0].scopeSpans[0].spans[0].traceId.length, 32);
});

Deno.test("replayCases() publishes protobuf OTLP to otlp.v1.metrics.default on a monotone timeline", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  const jsm = await jetstreamManager(bus.nc);
  await jsm.streams.add({ name: "OTLP", subjects: ["otlp.v1.>"] });
  // the second case lies *before* the first in time: the replay must shift it after
  const stats = await replayCases(
    cases(tinyCase(5_000_000, "a"), tinyCase(1_000_000, "b")),
    natsSink((subject, body) => publishDurable(bus, subject, body)),
    { speed: Infinity, gap_ms: 10_000 },
  );
  deepStrictEqual(stats.requests, { metrics: 6, traces: 2, logs: 0 });
  strictEqual(stats.labels[0].fault_start_ms, 5_002_000);
  strictEqual(stats.labels[1].fault_start_ms, 5_000_000 + 3000 + 10_000 + 2000);
  // each case's data extent on the timeline: [first row, last row + step)
  deepStrictEqual(stats.extents, [
    { start_ms: 5_000_000, end_ms: 5_003_000 },
    { start_ms: 5_013_000, end_ms: 5_016_000 },
  ]);
  const info = await jsm.streams.info("OTLP");
  strictEqual(info.state.messages, 8);
  const first = await jsm.streams.getMessage("OTLP", { last_by_subj: "otlp.v1.metrics.default" });
  const req = decodeOtlp("metrics", first!.data);
  const rm = req.resourceMetrics.find((r: { resource: { attributes: { key: string }[] } }) =>
    r.resource.attributes.some((a) => a.key === "service.name")
  );
  ok(rm, "a resource with service.name");
  const metric = req.resourceMetrics.flatMap((r: { scopeMetrics: { metrics: { name: string }[] }[] }) =>
    r.scopeMetrics.flatMap((s) => s.metrics)
  ).find((m: { name: string }) => m.name === "cpu");
  strictEqual(metric.gauge.dataPoints[0].asDouble, 9);
});

Deno.test("httpSink() POSTs protobuf to /v1/{signal} and surfaces a non-2xx status", async () => {
  const seen: string[] = [];
  await using server = Deno.serve({ port: 0, onListen: () => {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    seen.push(
      `${new URL(req.url).pathname} ${req.headers.get("content-type")} ${body.byteLength > 0} ${
        req.headers.get("x-vigil-tenant")
      }`,
    );
    return new Response(null, { status: seen.length > 4 ? 503 : 200 });
  });
  const sink = httpSink(`http://127.0.0.1:${server.addr.port}`, { tenant: "eval-1" });
  const stats = await replayCases(cases(tinyCase(1_000_000, "a")), sink, { speed: Infinity });
  strictEqual(stats.requests.metrics, 3);
  deepStrictEqual(seen[0], "/v1/metrics application/x-protobuf true eval-1");
  let failed = false;
  try {
    await replayCases(cases(tinyCase(1_000_000, "a")), sink, { speed: Infinity });
  } catch (e) {
    failed = /503/.test((e as Error).message);
  }
  ok(failed, "a 503 fails the replay with the status in the message");
});

Deno.test("replayCases() sends the warm-up first, ending gap_ms before the first case, and reports its extent", async () => {
  const sent: { signal: string; body: Uint8Array }[] = [];
  const warm = tinyCase(5_000, "w").input;
  const stats = await replayCases(cases(tinyCase(1_000_000, "a")), {
    send: (signal, body) => Promise.resolve(void sent.push({ signal, body })),
  }, { warmup: warm, speed: Infinity, gap_ms: 10_000 });
  deepStrictEqual(stats.warmup_extent, { start_ms: 1_000_000 - 10_000 - 3_000, end_ms: 1_000_000 - 10_000 });
  const times = sent.filter((s) => s.signal === "metrics").map((s) =>
    Number(
      BigInt(
        decodeOtlp("metrics", s.body).resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]
          .timeUnixNano,
      ) / 1_000_000n,
    )
  );
  deepStrictEqual(times, [987_000, 988_000, 989_000, 1_000_000, 1_001_000, 1_002_000]);
});

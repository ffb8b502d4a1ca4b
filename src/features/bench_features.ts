/**
 * Feature engine benchmark (not a test): `deno task bench:features [--quick] [--requests N]`.
 *
 * 1. decode + aggregate on one core: Extractor.extract() over realistic ExportTraceServiceRequests
 *    (src/features/bench_requests.ts: 512 spans each, 8 attributes per span, 64 call chains across 20
 *    services whose client and server spans pair, some across requests), with and without graph halves,
 *    and the scan alone; vs protobufjs (Type.decode, and Type.decode + toObject) of the same bytes, in the
 *    same run, interleaved, medians over rounds.
 * 2. whole pipeline: requests in the OTLP stream of a local nats-server → 1 feature worker (Deno Worker)
 *    → reducer → FEATURES records, timed from engine start to drained + flush; medians of 3 runs, with
 *    feature partials and span halves cut per pull batch (the default) and per OTLP message, without and
 *    with the service graph, interleaved (the graph runs also report what the assembler paired). Besides
 *    wall time, the CPU seconds of this process (worker + reducer threads, after engine start) and of
 *    nats-server, so the per-core cost can be read on a box shared with other jobs. Steady state as a
 *    marginal cost: each run is paired with one over the first quarter of the requests (a fresh worker
 *    compiles its code on its first messages, which in a 400-request run is a large share of the whole);
 *    the difference is what the other three quarters cost a warm worker.
 *    Also the NATS floor: the same requests consumed and acked only, no decoding (what the client costs).
 * 3. RSS with 10,000 active (service, operation) series open in the reducer.
 * Prints one JSON object.
 */
import { encodeOtlp, otlpType } from "../core/otlp/codec.ts";
import { SPANS_PER_REQUEST as SPANS_PER_REQ, traceRequest as request } from "./bench_requests.ts";
import { Extractor } from "./extract.ts";
import { scanTraces } from "./otlp_scan.ts";
import { WindowReducer } from "./window_reducer.ts";
import { startFeatureEngine } from "./engine.ts";
import type { PartialsPer } from "./feature_worker.ts";
import { connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import { ensurePullConsumer } from "../bus/pull_batches.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { load1, median, natsServerCpuS } from "./bench_host.ts";
import process from "node:process";

const quick = Deno.args.includes("--quick");
const t0 = 1_700_000_000_000;
const hex = (n: number, b: number) => n.toString(16).padStart(2 * b, "0");

/** RSS with 10,000 active (service, operation) series open in a reducer (run in a child process). */
function memory10k() {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const mib = (n: number) => +(n / 2 ** 20).toFixed(1);
  // input first (100 requests, 2,000 spans each), so the measurement holds only engine state
  const inputs: Uint8Array[] = [];
  for (let s = 0; s < 100; s++) {
    const spans = [];
    for (let o = 0; o < 100; o++) {
      for (let r = 0; r < 20; r++) {
        spans.push({
          spanId: hex(s * 10000 + o * 20 + r + 1, 8),
          traceId: hex(s * 10000 + o * 20 + r + 1, 16),
          name: `op-${o}`,
          kind: 2,
          startTimeUnixNano: `${t0 + 1000}000000`,
          endTimeUnixNano: `${t0 + 1000 + 1 + ((o * 37 + r * 101) % 5000)}000000`,
        });
      }
    }
    inputs.push(encodeOtlp("traces", {
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: `svc-${s}` } }] },
        scopeSpans: [{ spans }],
      }],
    }));
  }
  gc();
  const before = Deno.memoryUsage();
  const reducer = new WindowReducer({ max_operations: 200 });
  const ex = new Extractor({ graph: false });
  inputs.forEach((b, s) => {
    const x = ex.extract("traces", "default", b);
    reducer.accept({
      v: 1,
      tenant: "default",
      src: String(s),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    });
  });
  gc();
  const after = Deno.memoryUsage();
  const series = {
    active_series: 10_000,
    open_windows: reducer.open_windows,
    rss_mib: mib(after.rss),
    heap_used_mib: mib(after.heapUsed),
    state_heap_mib: mib(after.heapUsed - before.heapUsed),
    state_bytes_per_series: Math.round((after.heapUsed - before.heapUsed) / 10_000),
    rss_before_state_mib: mib(before.rss),
  };
  return series;
}

/** Median of a list of numbers. */

if (Deno.args.includes("--memory-only")) {
  console.log(JSON.stringify(memory10k()));
  Deno.exit(0);
}

const requestsArg = Deno.args.indexOf("--requests");
const nReq = requestsArg >= 0 ? Number(Deno.args[requestsArg + 1]) : quick ? 100 : 400;
const reqs = Array.from({ length: nReq }, (_, i) => request(i, t0 + i * 20));
const bytes = reqs.reduce((n, b) => n + b.length, 0);
const rounds = quick ? 3 : 7;
const load_before = load1();

const exNoGraph = new Extractor({ graph: false });
const exGraph = new Extractor({ graph: true });
const decodeType = otlpType("ExportTraceServiceRequest");
let sink = 0;
/**
 * The contenders, timed interleaved (one pass of each per round, medians over rounds) so that load from
 * other processes on a shared box hits them alike. The protobufjs baselines:
 *  - "protobufjs Type.decode": message objects only (Long for 64-bit ints, Uint8Array ids); the cheapest
 *    thing protobufjs offers, and what "decode" means in protobufjs's own benchmarks;
 *  - "protobufjs decode + toObject": Type.decode then Type.toObject({ longs: String, enums: Number,
 *    bytes: Uint8Array }): plain objects, which is what a straightforward implementation reads spans
 *    from (the codec's decodeOtlp() does this plus hex ids).
 * The protobufjs rows only decode; ours also aggregate (features) and build graph halves (+graph).
 */
const contenders: [string, (b: Uint8Array) => void][] = [
  ["scan only", (b) => {
    scanTraces(b, (s) => {
      sink += s.duration_ms;
    });
  }],
  ["decode+aggregate (features)", (b) => void exNoGraph.extract("traces", "default", b)],
  ["decode+aggregate (+graph halves)", (b) => void exGraph.extract("traces", "default", b)],
  ["protobufjs Type.decode", (b) => void decodeType.decode(b)],
  ["protobufjs decode + toObject", (b) => {
    const o = decodeType.toObject(decodeType.decode(b), { longs: String, enums: Number, bytes: Uint8Array });
    sink += (o.resourceSpans as unknown[]).length;
  }],
];
for (const [, fn] of contenders) for (const b of reqs.slice(0, 20)) fn(b); // warm up
const times = new Map<string, number[]>(contenders.map(([l]) => [l, []]));
for (let r = 0; r < rounds; r++) {
  for (const [label, fn] of contenders) {
    const t = performance.now();
    for (const b of reqs) fn(b);
    times.get(label)!.push((performance.now() - t) / 1000);
  }
}
const spansPerPass = nReq * SPANS_PER_REQ;
const oneCore = contenders.map(([label]) => {
  const ts = times.get(label)!;
  return {
    label,
    spans_per_pass: spansPerPass,
    median_s: +median(ts).toFixed(4),
    spans_per_s: Math.round(spansPerPass / median(ts)),
    best_spans_per_s: Math.round(spansPerPass / Math.min(...ts)),
  };
});
const rate = (l: string) => oneCore.find((x) => x.label === l)!.spans_per_s;
const ratio = (a: string, b: string) => +(rate(a) / rate(b)).toFixed(2);

// ---- whole pipeline (a fresh nats-server per run: partial ids would otherwise be deduplicated)

async function pipelineRun(graph: boolean, partials_per: PartialsPer, requests = reqs) {
  await using nats = await startNatsServer();
  {
    await using bus = await connectBus(nats.url);
    await ensureStreams(bus);
    await Promise.all(requests.map((b) => bus.js.publish("otlp.v1.traces.default", b)));
  }
  const t0 = performance.now();
  await using engine = await startFeatureEngine({
    nats_url: nats.url,
    workers: 1,
    idle_flush_ms: 0,
    graph,
    partials_per,
    max_out_of_order_ms: 600_000,
  });
  const t1 = performance.now();
  const natsCpu0 = natsServerCpuS(nats.storeDir);
  const cpu0 = process.cpuUsage();
  // Wait on the reducer's own counter first (no NATS traffic; each request is one unit, batched or not):
  // polling both consumers' info every 5 ms from the start added about 5 % to the CPU measured here (8
  // alternating runs, medians 0.71 vs 0.675 s), none of it pipeline work. Then confirm with drained().
  while (engine.counters().reducer.units < requests.length) await new Promise((r) => setTimeout(r, 5));
  while (!(await engine.drained())) await new Promise((r) => setTimeout(r, 5));
  const recs = await engine.flush();
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const natsCpu1 = natsServerCpuS(nats.storeDir);
  const g = engine.counters().graph;
  await engine.close(); // the workers' final counters
  return {
    startup_s: (t1 - t0) / 1000,
    processing_s: (t2 - t1) / 1000,
    records: recs.length,
    partials: engine.counters().reducer.partials,
    vigil_cpu_s: (cpu.user + cpu.system) / 1e6,
    nats_cpu_s: natsCpu1 - natsCpu0,
    // what the service graph made of the halves (null without the graph): calls paired client ↔ server,
    // database calls, unpaired callers turned into virtual_node edges, halves expired unpaired
    graph: g && {
      halves: g.halves,
      paired: g.paired,
      database_edges: g.database_edges,
      virtual_edges: g.virtual_edges,
      expired: g.expired,
    },
  };
}
/**
 * The NATS floor of the pipeline: the same requests consumed from the OTLP stream and acked, nothing else
 * (same client, same pull size as a feature worker), on this thread. What a worker can never go below.
 */
async function consumeOnlyRun() {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  await ensureStreams(bus);
  await Promise.all(reqs.map((b) => bus.js.publish("otlp.v1.traces.default", b)));
  await ensurePullConsumer(bus, { stream: "OTLP", durable: "bench-floor", filter_subjects: ["otlp.v1.>"] });
  const consumer = await bus.js.consumers.get("OTLP", "bench-floor");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const iter = await consumer.consume({ max_messages: 128 });
  let n = 0;
  for await (const m of iter) {
    sink += m.data.length & 1;
    m.ack();
    if (++n === reqs.length) break;
  }
  await bus.nc.flush();
  const cpu = process.cpuUsage(cpu0);
  return { processing_s: (performance.now() - t0) / 1000, vigil_cpu_s: (cpu.user + cpu.system) / 1e6 };
}

const pipelineRounds = quick ? 1 : 3;
// interleaved, so that load from other processes on a shared box hits every variant alike
const variants = {
  features_only: [false, "batch"],
  features_only_partials_per_message: [false, "message"],
  with_graph: [true, "batch"],
  with_graph_partials_per_message: [true, "message"],
} as const satisfies Record<string, [boolean, PartialsPer]>;
type Run = Awaited<ReturnType<typeof pipelineRun>>;
const runs: Record<string, Run[]> = {};
// Steady state as a marginal cost: a fresh worker compiles its code on its first messages, and in a short
// run that warm-up is a large share of the whole. A run over the first quarter of the requests pays the
// same warm-up; the difference between the two runs is what the other three quarters cost.
const quarter = reqs.slice(0, Math.floor(reqs.length / 4));
const quarterRuns: Record<string, Run[]> = {};
const floorRuns: Awaited<ReturnType<typeof consumeOnlyRun>>[] = [];
for (let r = 0; r < pipelineRounds; r++) {
  for (const [k, [graph, per]] of Object.entries(variants)) {
    (runs[k] ??= []).push(await pipelineRun(graph, per));
    (quarterRuns[k] ??= []).push(await pipelineRun(graph, per, quarter));
  }
  floorRuns.push(await consumeOnlyRun());
}
const marginalSpans = (reqs.length - quarter.length) * SPANS_PER_REQ;
const natsFloor = {
  what: "consume + ack only, no decoding (the NATS client's share of a worker)",
  runs: floorRuns.length,
  spans_per_s: Math.round(spansPerPass / median(floorRuns.map((x) => x.processing_s))),
  spans_per_vigil_cpu_s: Math.round(spansPerPass / median(floorRuns.map((x) => x.vigil_cpu_s))),
};
const pipeline = Object.fromEntries(
  Object.entries(runs).map(([k, rs]) => {
    const p = median(rs.map((x) => x.processing_s));
    const all = median(rs.map((x) => x.processing_s + x.startup_s));
    return [k, {
      spans: spansPerPass,
      runs: rs.length,
      median_startup_s: +median(rs.map((x) => x.startup_s)).toFixed(3),
      median_processing_s: +p.toFixed(3),
      spans_per_s: Math.round(spansPerPass / p),
      spans_per_s_including_startup: Math.round(spansPerPass / all),
      records: rs[0].records,
      feature_partials: rs[0].partials,
      ...(rs[0].graph ? { graph: rs[0].graph } : {}),
      // CPU time, not wall time: what the cores spend per span, whatever else runs on the box
      median_vigil_cpu_s: +median(rs.map((x) => x.vigil_cpu_s)).toFixed(3),
      spans_per_vigil_cpu_s: Math.round(spansPerPass / median(rs.map((x) => x.vigil_cpu_s))),
      // the other three quarters' cost: full run minus the first quarter's run (medians over rounds)
      steady_state: {
        spans_per_s: Math.round(
          marginalSpans / (p - median(quarterRuns[k].map((x) => x.processing_s))),
        ),
        spans_per_vigil_cpu_s: Math.round(
          marginalSpans /
            (median(rs.map((x) => x.vigil_cpu_s)) - median(quarterRuns[k].map((x) => x.vigil_cpu_s))),
        ),
      },
      median_nats_server_cpu_s: +median(rs.map((x) => x.nats_cpu_s)).toFixed(3),
      spans_per_cpu_s_including_nats_server: Math.round(
        spansPerPass / median(rs.map((x) => x.vigil_cpu_s + x.nats_cpu_s)),
      ),
    }];
  }),
);

console.log(JSON.stringify(
  {
    requests: nReq,
    spans_per_request: SPANS_PER_REQ,
    mean_request_bytes: Math.round(bytes / nReq),
    load_avg_1m: { before: load_before, after: load1(), cores: navigator.hardwareConcurrency },
    rounds,
    one_core: oneCore,
    ratios: {
      "decode+aggregate vs protobufjs decode + toObject": ratio(
        "decode+aggregate (features)",
        "protobufjs decode + toObject",
      ),
      "decode+aggregate vs protobufjs Type.decode": ratio(
        "decode+aggregate (features)",
        "protobufjs Type.decode",
      ),
      "+graph vs protobufjs decode + toObject": ratio(
        "decode+aggregate (+graph halves)",
        "protobufjs decode + toObject",
      ),
      "+graph vs protobufjs Type.decode": ratio("decode+aggregate (+graph halves)", "protobufjs Type.decode"),
      "decoder (scan only) vs protobufjs decode + toObject": ratio(
        "scan only",
        "protobufjs decode + toObject",
      ),
      "decoder (scan only) vs protobufjs Type.decode": ratio("scan only", "protobufjs Type.decode"),
    },
    pipeline_one_worker: pipeline,
    nats_floor: natsFloor,
    memory_10k_series: JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname, "--memory-only"],
          stderr: "inherit",
        }).output()).stdout,
      ),
    ),
    _: sink > 0 ? undefined : 0,
  },
  null,
  2,
));

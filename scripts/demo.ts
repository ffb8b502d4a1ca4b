/**
 * `./scripts/vigil demo` (deno task demo): Vigil's main job on the embedded defaults. Starts a local
 * nats-server with JetStream (a fresh store in .vigil/demo-nats), bootstraps the streams, starts Vigil, then
 *  1. sends real OTLP from the OpenTelemetry JS SDK (traces, metrics, logs of a small shop) and shows what
 *     arrived in JetStream;
 *  2. runs the fault simulator against Vigil's OTLP/HTTP receiver, faster than real time: a fault-free
 *     warm-up, then one injected fault; incidents appear as Vigil raises them, with their root cause,
 *     next to the ground truth;
 * and stops everything (no process is left behind).
 *
 * Options: --duration-s N (phase 1, default 3), --topology online-boutique|sock-shop|train-ticket,
 * --fault cpu_hog|memory_leak|network_delay|... (default cpu_hog), --seed S (default 1), --speed X (60).
 * VIGIL_DEMO_DEBUG=1 prints every revision's full report and, at the end, the stages' counters.
 */
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { loadConfig } from "../src/config/load.ts";
import { startVigil } from "../src/runtime/vigil.ts";
import type { FeaturesStageHandle, IncidentsStageHandle } from "../src/runtime/stages.ts";
import { replayAndFollow } from "../src/bus/ordered.ts";
import { incidentRecordSchema } from "../src/incident/incident_record.ts";
import { formatIncident } from "../src/incident/incident_format.ts";
import {
  BUILTIN_TOPOLOGIES,
  builtinTopology,
  createSimulation,
  FAULT_KINDS,
  isBuiltinTopology,
  isFaultKind,
  planFaultCases,
} from "../src/sim/mod.ts";
import { encodeSimOtlp } from "../src/sim/otlp_encode.ts";
import { createHttpSink } from "../src/sim/http_sink.ts";
import { encodeWithin } from "../src/sim/sink.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
const durationS = Number(arg("duration-s") ?? 3);
const topologyName = arg("topology") ?? "online-boutique";
const faultKind = arg("fault") ?? "cpu_hog";
const seed = Number(arg("seed") ?? 1);
const speed = Number(arg("speed") ?? 60);
const root = new URL("..", import.meta.url).pathname;
const DEMO_STORE_DIR = ".vigil/demo-nats";
Deno.chdir(root);

const config = await loadConfig(Deno.env.get("VIGIL_CONFIG") ?? "config/vigil.yaml");
// The simulated clock runs ahead of the wall clock, and Vigil resumes its event-time watermark from the
// store after a restart: a second demo on the first one's store would find every window already closed.
// So each demo starts on a store of its own, emptied first.
// It also needs a server of its own (one already listening would bring its state along).
config.nats.url = "nats://127.0.0.1:4222"; // (an embedded server only answers on loopback)
config.nats.store_dir = DEMO_STORE_DIR;
config.nats.embedded = "always";
await Deno.remove(DEMO_STORE_DIR, { recursive: true }).catch((e) => {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
});
const vigil = await startVigil(config);
const stop = async () => {
  await vigil.close();
};
Deno.addSignalListener("SIGINT", () => stop().then(() => Deno.exit(130)));

try {
  const endpoint = `http://127.0.0.1:${vigil.otlp_http_port}`;
  const jsm = await vigil.bus.jsm();
  const before = (await jsm.streams.info("OTLP")).state.messages;
  console.log(`\nSending OTLP from the OpenTelemetry JS SDK to ${endpoint} for ${durationS} s...`);

  const services = ["frontend", "checkout", "payment"];
  const providers = services.map((name) => {
    const resource = resourceFromAttributes({ "service.name": name, "k8s.pod.name": `${name}-5d8f-abc12` });
    return {
      name,
      traces: new TracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }),
        ],
      }),
      meters: new MeterProvider({
        resource,
        readers: [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
            exportIntervalMillis: 1000,
          }),
        ],
      }),
      logs: new LoggerProvider({
        resource,
        processors: [
          new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${endpoint}/v1/logs` }) }),
        ],
      }),
    };
  });
  let sent = 0;
  const end = Date.now() + durationS * 1000;
  while (Date.now() < end) {
    for (const p of providers) {
      const tracer = p.traces.getTracer("demo");
      const hist = p.meters.getMeter("demo").createHistogram("http.server.request.duration", { unit: "s" });
      const logger = p.logs.getLogger("demo");
      for (let i = 0; i < 50; i++) {
        const span = tracer.startSpan(`POST /api/${p.name}`, { kind: SpanKind.SERVER });
        const failed = Math.random() < 0.02;
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute("http.response.status_code", failed ? 500 : 200);
        span.end();
        hist.record(Math.random() * 0.05);
        sent++;
        if (failed) {
          logger.emit({ severityNumber: 17, severityText: "ERROR", body: `payment declined for order ${i}` });
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of providers) {
    await p.traces.shutdown();
    await p.meters.shutdown();
    await p.logs.shutdown();
  }
  const info = await jsm.streams.info("OTLP");
  const st = vigil.receiver.stats;
  console.log(
    `\nOTLP in JetStream (stream OTLP, ${
      info.state.messages - before
    } new messages, ${info.state.bytes} bytes):`,
  );
  console.log(`  spans sent by the SDK:      ${sent}`);
  console.log(`  items accepted by Vigil:    ${st.accepted_items} (spans + metric points + log records)`);
  console.log(
    `  requests ${st.requests}, stored ${st.stored_messages}, duplicates ${st.duplicate_messages}, errors ${
      JSON.stringify(st.errors)
    }`,
  );
  for (const subject of ["otlp.v1.traces.default", "otlp.v1.metrics.default", "otlp.v1.logs.default"]) {
    const s = await jsm.streams.info("OTLP", { subjects_filter: subject });
    console.log(`  ${subject.padEnd(26)} ${s.state.subjects?.[subject] ?? 0} messages`);
  }
  await simulatedFault(`http://127.0.0.1:${vigil.otlp_http_port}`);
  console.log(
    `\nAPI (while Vigil runs): http://127.0.0.1:${vigil.api_port}/v1/incidents, /v1/services, /metrics`,
  );
} finally {
  await stop();
}

/** Phase 2: the simulator injects one fault into a running Vigil; incidents are printed as they come. */
async function simulatedFault(endpoint: string) {
  if (!isFaultKind(faultKind)) {
    throw new Error(`--fault must be one of ${FAULT_KINDS.join(", ")}: got "${faultKind}"`);
  }
  if (!isBuiltinTopology(topologyName)) {
    throw new Error(
      `--topology must be one of ${Object.keys(BUILTIN_TOPOLOGIES).join(", ")}: got "${topologyName}"`,
    );
  }
  const topology = builtinTopology(topologyName);
  const warmup_ms = 10 * 60_000; // as the simulator evaluation (src/eval/sim_stream.ts)
  const fault_duration_ms = 3 * 60_000;
  const gap_ms = 3 * 60_000;
  const total = warmup_ms + fault_duration_ms + gap_ms;
  // event time continues from phase 1's (now) and runs ahead of the wall clock at `speed`x
  const start_ms = Math.ceil(Date.now() / 10_000) * 10_000 + 10_000;
  const [truth] = planFaultCases({
    topology,
    cases: 1,
    seed,
    start_ms,
    warmup_ms,
    fault_duration_ms,
    gap_ms,
    kinds: [faultKind],
  });
  console.log(
    `\nSimulating ${topologyName} (${topology.services.length} services) at ${speed}x real time: ` +
      `${warmup_ms / 60_000} min fault-free, then ${faultKind} in ${truth.root_cause_service} for ` +
      `${fault_duration_ms / 60_000} min, then ${gap_ms / 60_000} min of recovery.`,
  );
  const abort = new AbortController();
  const seen = new Map<string, number>();
  const follower = replayAndFollow(vigil.bus, (_s, data) => {
    const rec = incidentRecordSchema.parse(JSON.parse(new TextDecoder().decode(data)));
    if ((seen.get(rec.id) ?? 0) >= rec.revision) return;
    const first = !seen.has(rec.id);
    seen.set(rec.id, rec.revision);
    console.log(formatIncident(rec, { report: first || !!Deno.env.get("VIGIL_DEMO_DEBUG") }));
  }, {
    stream: "INCIDENTS",
    filter_subjects: ["vigil.incidents.*"],
    start_time_ms: Date.now(),
    signal: abort.signal,
  });
  const sink = createHttpSink(endpoint);
  // the same traffic whatever the wall clock: the load cycle starts mid-afternoon in every run
  const sim = createSimulation({
    topology,
    seed,
    start_ms,
    faults: [truth.fault],
    diurnal_phase_ms: 14 * 3_600_000,
  });
  const wall0 = performance.now();
  let lastMinute = -1;
  for (const tick of sim.run(start_ms + total)) {
    const simElapsed = tick.start_ms - start_ms;
    const minute = Math.floor(simElapsed / 60_000);
    if (minute !== lastMinute) {
      lastMinute = minute;
      const phase = tick.start_ms < truth.fault_start_ms
        ? "fault-free"
        : tick.start_ms < truth.fault_end_ms
        ? `FAULT ${faultKind} in ${truth.root_cause_service}`
        : "recovering";
      console.log(`  sim +${String(minute).padStart(2)} min  ${phase}`);
    }
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const req = tick[signal];
      if (!req) continue;
      for (
        const bytes of encodeWithin(signal, req, {
          encoder: encodeSimOtlp,
          max_bytes: sink.max_message_bytes,
        })
      ) {
        await sink.send(signal, bytes, { msg_id: `demo-${tick.start_ms}-${signal}` });
      }
    }
    const ahead = simElapsed / speed - (performance.now() - wall0);
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
  await sink.close();
  // let the last windows close (event time stops here, so the engine's idle flush closes them)
  const features = vigil.stages.get("features") as FeaturesStageHandle | undefined;
  await features?.engine.flush();
  await new Promise((r) => setTimeout(r, 3_000));
  await (vigil.stages.get("incidents") as IncidentsStageHandle | undefined)?.flush();
  await new Promise((r) => setTimeout(r, 500));
  abort.abort();
  await follower;
  if (Deno.env.get("VIGIL_DEMO_DEBUG")) {
    console.log(JSON.stringify(features?.engine.counters()));
    console.log(
      JSON.stringify((vigil.stages.get("incidents") as IncidentsStageHandle | undefined)?.counters?.()),
    );
  }
  console.log(
    `\nGround truth: ${truth.fault_type} in ${truth.root_cause_service} (indicator ${truth.root_cause_indicator}) ` +
      `from sim +${(truth.fault_start_ms - start_ms) / 60_000} min. Incidents raised: ${seen.size}.`,
  );
}

/**
 * `./scripts/vigil demo` (deno task demo): Vigil's main job on the embedded defaults. Starts a local
 * nats-server with JetStream (data in .vigil/nats), bootstraps the streams, starts Vigil, sends real
 * OTLP from the OpenTelemetry JS SDK (traces, metrics, logs of a small shop), shows what arrived in
 * JetStream, and stops everything (no process is left behind).
 *
 * Options: --duration-s N (default 5).
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

const durationS = Number(Deno.args[Deno.args.indexOf("--duration-s") + 1] || 5);
const root = new URL("..", import.meta.url).pathname;
Deno.chdir(root);

const config = await loadConfig(Deno.env.get("VIGIL_CONFIG") ?? "config/vigil.yaml");
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
  console.log(`\nAPI: curl http://127.0.0.1:${vigil.api_port}/v1/stats (while running)\n`);
} finally {
  await stop();
}

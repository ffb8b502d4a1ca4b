/**
 * Real senders into a real Vigil: the OpenTelemetry JS SDK exporters (protobuf, JSON, gzip) and Deno's
 * built-in OpenTelemetry. Asserts that exactly what was sent is in the OTLP stream, decodable.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestVigil } from "../helpers/vigil.ts";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { decodeOtlp, type OtlpObject } from "../../src/core/otlp/codec.ts";

const sanitize = { sanitizeOps: false, sanitizeResources: false };

function spansOf(reqs: OtlpObject[]) {
  return reqs.flatMap((r) =>
    r.resourceSpans.flatMap((rs: OtlpObject) =>
      rs.scopeSpans.flatMap((ss: OtlpObject) =>
        ss.spans.map((s: OtlpObject) => ({
          service: rs.resource.attributes.find((a: OtlpObject) => a.key === "service.name")?.value
            .stringValue,
          name: s.name,
          traceId: s.traceId,
          spanId: s.spanId,
        }))
      )
    )
  );
}

async function sendSpans(url: string, exporter: "proto" | "json", gzip: boolean, n: number) {
  const opts = { url: `${url}/v1/traces`, ...(gzip ? { compression: "gzip" } : {}) };
  // deno-lint-ignore no-explicit-any
  const exp = exporter === "proto" ? new ProtoTraceExporter(opts as any) : new JsonTraceExporter(opts as any);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": `checkout-${exporter}${gzip ? "-gz" : ""}` }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: exp })],
  });
  const tracer = provider.getTracer("vigil-test");
  const sent: { name: string; traceId: string; spanId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan(`op-${i}`);
    span.setAttribute("i", i);
    span.end();
    const ctx = span.spanContext();
    sent.push({ name: `op-${i}`, traceId: ctx.traceId, spanId: ctx.spanId });
  }
  await provider.forceFlush();
  await provider.shutdown();
  return sent;
}

for (
  const [exporter, gzip] of [["proto", false], ["proto", true], ["json", false], ["json", true]] as const
) {
  Deno.test({
    name: `OpenTelemetry JS SDK ${exporter}${gzip ? "+gzip" : ""} spans land in the OTLP stream exactly`,
    ...sanitize,
    async fn() {
      await using t = await startTestVigil();
      const sent = await sendSpans(t.otlp_url, exporter, gzip, 25);
      const msgs = await t.streamMessages("OTLP");
      assert(msgs.every((m) => m.subject === "otlp.v1.traces.default"));
      const got = spansOf(msgs.map((m) => decodeOtlp("traces", m.data)));
      assertEquals(
        got.map(({ name, traceId, spanId }) => ({ name, traceId, spanId })).sort((a, b) =>
          a.spanId < b.spanId ? -1 : 1
        ),
        sent.sort((a, b) => a.spanId < b.spanId ? -1 : 1),
      );
      assert(got.every((g) => g.service === `checkout-${exporter}${gzip ? "-gz" : ""}`));
      assertEquals(t.vigil.receiver.stats.accepted_items, 25);
    },
  });
}

Deno.test({
  name: "OpenTelemetry JS SDK metrics and logs land in the OTLP stream exactly",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const resource = resourceFromAttributes({ "service.name": "cart" });
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${t.otlp_url}/v1/metrics` }),
      exportIntervalMillis: 60_000,
    });
    const meters = new MeterProvider({ resource, readers: [reader] });
    const meter = meters.getMeter("vigil-test");
    const counter = meter.createCounter("cart.adds");
    const hist = meter.createHistogram("cart.latency", { unit: "ms" });
    for (let i = 0; i < 10; i++) {
      counter.add(1, { sku: `s${i % 3}` });
      hist.record(i * 2);
    }
    await meters.shutdown(); // exports once (a forceFlush first would export the cumulative points twice)

    const logs = new LoggerProvider({
      resource,
      processors: [
        new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${t.otlp_url}/v1/logs` }) }),
      ],
    });
    const logger = logs.getLogger("vigil-test");
    for (let i = 0; i < 7; i++) {
      logger.emit({ severityNumber: 9, severityText: "INFO", body: `added item ${i}` });
    }
    await logs.forceFlush();
    await logs.shutdown();

    const msgs = await t.streamMessages("OTLP");
    const metricMsgs = msgs.filter((m) => m.subject === "otlp.v1.metrics.default");
    const logMsgs = msgs.filter((m) => m.subject === "otlp.v1.logs.default");
    const points: Record<string, number> = {};
    for (const m of metricMsgs) {
      for (const rm of decodeOtlp("metrics", m.data).resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const metric of sm.metrics) {
            const d = metric.sum ?? metric.histogram ?? metric.gauge;
            points[metric.name] = (points[metric.name] ?? 0) + d.dataPoints.length;
          }
        }
      }
    }
    assertEquals(points, { "cart.adds": 3, "cart.latency": 1 });
    const bodies = logMsgs.flatMap((m) =>
      decodeOtlp("logs", m.data).resourceLogs.flatMap((rl: OtlpObject) =>
        rl.scopeLogs.flatMap((sl: OtlpObject) => sl.logRecords.map((r: OtlpObject) => r.body.stringValue))
      )
    );
    assertEquals(bodies.sort(), Array.from({ length: 7 }, (_, i) => `added item ${i}`).sort());
  },
});

Deno.test({
  name: "Deno's built-in OpenTelemetry exports spans and logs that land in the OTLP stream",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    await Deno.writeTextFile(
      script,
      `import { trace } from "npm:@opentelemetry/api@1.10.0";
const tracer = trace.getTracer("deno-otel-test");
for (let i = 0; i < 5; i++) tracer.startActiveSpan("deno-op-" + i, (s) => { console.log("working on " + i); s.end(); });
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", script],
      cwd: new URL("../..", import.meta.url).pathname,
      env: {
        OTEL_DENO: "true",
        OTEL_SERVICE_NAME: "deno-builtin",
        OTEL_EXPORTER_OTLP_ENDPOINT: t.otlp_url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    await Deno.remove(script);
    assert(out.success, new TextDecoder().decode(out.stderr));
    const msgs = await t.streamMessages("OTLP");
    const spans = spansOf(
      msgs.filter((m) => m.subject === "otlp.v1.traces.default").map((m) => decodeOtlp("traces", m.data)),
    );
    assertEquals(
      spans.filter((s) => s.name.startsWith("deno-op-")).map((s) => s.name).sort(),
      [0, 1, 2, 3, 4].map((i) => `deno-op-${i}`),
    );
    assert(spans.every((s) => s.service === "deno-builtin"));
    const logs = msgs.filter((m) => m.subject === "otlp.v1.logs.default").flatMap((m) =>
      decodeOtlp("logs", m.data).resourceLogs.flatMap((rl: OtlpObject) =>
        rl.scopeLogs.flatMap((sl: OtlpObject) =>
          sl.logRecords.map((r: OtlpObject) => r.body?.stringValue ?? "")
        )
      )
    );
    assertEquals(logs.filter((l: string) => l.startsWith("working on")).length, 5);
  },
});

/**
 * Real OpenTelemetry JS SDK exports for tests: spans are created with the SDK's TracerProvider and exported
 * by @opentelemetry/exporter-trace-otlp-proto to a local HTTP endpoint that captures the request bodies.
 */
import { context, type Span, type SpanOptions, trace, type Tracer } from "@opentelemetry/api";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";

export interface SdkScene {
  /** A tracer whose resource carries `service.name` = service (and the given extra resource attributes). */
  tracer(service: string, resource?: Record<string, string>): Tracer;
  /** Starts a span as a child of `parent` (or a root span). */
  start(tracer: Tracer, name: string, options: SpanOptions, parent?: Span): Span;
}

/** Runs `build`, flushes every provider, and returns the captured ExportTraceServiceRequest bodies. */
export async function exportWithSdk(build: (scene: SdkScene) => void | Promise<void>): Promise<Uint8Array[]> {
  const bodies: Uint8Array[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    bodies.push(new Uint8Array(await req.arrayBuffer()));
    return new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } });
  });
  const url = `http://127.0.0.1:${server.addr.port}/v1/traces`;
  const providers: TracerProvider[] = [];
  const tracers = new Map<string, Tracer>();
  const scene: SdkScene = {
    tracer(service, resource = {}) {
      const key = service + JSON.stringify(resource);
      let t = tracers.get(key);
      if (!t) {
        const provider = new TracerProvider({
          resource: resourceFromAttributes({ "service.name": service, ...resource }),
          spanProcessors: [
            new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), maxExportBatchSize: 64 }),
          ],
        });
        providers.push(provider);
        t = provider.getTracer("vigil-test");
        tracers.set(key, t);
      }
      return t;
    },
    start(tracer, name, options, parent) {
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      return tracer.startSpan(name, options, ctx);
    },
  };
  await build(scene);
  for (const p of providers) await p.forceFlush();
  for (const p of providers) await p.shutdown();
  return bodies;
}

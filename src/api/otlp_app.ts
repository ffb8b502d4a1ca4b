/**
 * The OTLP/HTTP endpoint (:4318): POST /v1/traces, /v1/metrics, /v1/logs; any other method on those paths
 * is 405; every other path 404. All answers come from the receiver (src/ingest/otlp_receiver.ts).
 */
import { Hono } from "hono";
import { methodNotAllowed, type OtlpReceiver } from "../ingest/otlp_receiver.ts";
import type { OtlpSignal } from "../core/otlp/codec.ts";

const SIGNALS: readonly OtlpSignal[] = ["traces", "metrics", "logs"];

export function otlpApp(receiver: OtlpReceiver): Hono {
  const app = new Hono();
  for (const signal of SIGNALS) {
    const path = `/v1/${signal}`;
    app.post(path, (c) => receiver.handle(signal, c.req.raw));
    app.all(path, (c) => methodNotAllowed(c.req.method, path));
  }
  app.notFound((c) =>
    c.json(
      { code: 5, message: `no OTLP endpoint at ${c.req.path}: use /v1/traces, /v1/metrics or /v1/logs` },
      404,
    )
  );
  app.onError((e, c) => c.json({ code: 14, message: `internal error: ${e.message}` }, 503));
  return app;
}

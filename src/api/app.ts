/**
 * Vigil's HTTP API (:8080). Health, readiness and counters for now; queries, approvals, SSE and the
 * dashboard mount here as their stages land.
 */
import { Hono } from "hono";

export interface ApiDeps {
  /** True while NATS is connected. */
  ready(): boolean;
  /** Counters by component, exposed as Prometheus text on /metrics and JSON on /v1/stats. */
  counters(): Record<string, Record<string, number | Record<string | number, number>>>;
}

export function apiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/readyz",
    (c) => deps.ready() ? c.json({ status: "ready" }) : c.json({ status: "nats unavailable" }, 503),
  );
  app.get("/v1/stats", (c) => c.json(deps.counters()));
  app.get(
    "/metrics",
    (c) => c.text(prometheusText(deps.counters()), 200, { "content-type": "text/plain; version=0.0.4" }),
  );
  return app;
}

/** Counters as Prometheus exposition text: vigil_<component>_<name>{label="key"} value. */
export function prometheusText(counters: ReturnType<ApiDeps["counters"]>): string {
  const lines: string[] = [];
  for (const [component, values] of Object.entries(counters)) {
    for (const [name, v] of Object.entries(values)) {
      const metric = `vigil_${component}_${name}`.replace(/[^a-zA-Z0-9_]/g, "_");
      if (typeof v === "number") lines.push(`${metric} ${v}`);
      else for (const [k, n] of Object.entries(v)) lines.push(`${metric}{key="${k}"} ${n}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * Vigil's HTTP API (:8080). Health, readiness and counters for now; queries, approvals, SSE and the
 * dashboard mount here as their stages land.
 */
import { Hono } from "hono";
import type { FeatureRecord } from "../core/feature_record.ts";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import type { IncidentRecord } from "../incident/incident_record.ts";

export interface ApiDeps {
  /** True while NATS is connected. */
  ready(): boolean;
  /** Counters by component, exposed as Prometheus text on /metrics and JSON on /v1/stats. */
  counters(): Record<string, Record<string, unknown>>;
  /** Latest record of every incident, newest first (absent when the incidents stage is off). */
  incidents?(): IncidentRecord[];
  /** Services with recent features, and their recent records (absent when the feature stage is off). */
  services?(tenant: string): string[];
  features?(tenant: string, service: string, limit: number): FeatureRecord[];
  graph?(tenant: string, t_ms: number): Promise<ServiceGraphSnapshot>;
}

const notEnabled = (what: string) => ({ code: 12, message: `${what} is not enabled in this process` });

export function apiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get(
    "/readyz",
    (c) => deps.ready() ? c.json({ status: "ready" }) : c.json({ status: "nats unavailable" }, 503),
  );
  app.get("/v1/stats", (c) => c.json(deps.counters()));
  app.get("/v1/incidents", (c) => {
    if (!deps.incidents) return c.json(notEnabled("the incidents stage"), 501);
    const status = c.req.query("status");
    if (status && status !== "open" && status !== "resolved") {
      return c.json({ code: 3, message: `status must be open or resolved: got "${status}"` }, 400);
    }
    return c.json(deps.incidents().filter((r) => !status || r.status === status));
  });
  app.get("/v1/incidents/:id", (c) => {
    if (!deps.incidents) return c.json(notEnabled("the incidents stage"), 501);
    const r = deps.incidents().find((x) => x.id === c.req.param("id"));
    return r ? c.json(r) : c.json({ code: 5, message: `no incident ${c.req.param("id")}` }, 404);
  });
  app.get("/v1/services", (c) => {
    if (!deps.services) return c.json(notEnabled("the feature stage"), 501);
    return c.json(deps.services(c.req.query("tenant") ?? "default"));
  });
  app.get("/v1/services/:service/features", (c) => {
    if (!deps.features) return c.json(notEnabled("the feature stage"), 501);
    const limitText = c.req.query("limit") ?? "60";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      return c.json({ code: 3, message: `limit must be an integer in 1..10000: got "${limitText}"` }, 400);
    }
    return c.json(deps.features(c.req.query("tenant") ?? "default", c.req.param("service"), limit));
  });
  app.get("/v1/graph", async (c) => {
    if (!deps.graph) return c.json(notEnabled("the service graph"), 501);
    const atText = c.req.query("at");
    const at = atText === undefined ? Date.now() : Date.parse(atText);
    if (!Number.isFinite(at)) {
      return c.json({ code: 3, message: `at must be an ISO time: got "${atText}"` }, 400);
    }
    return c.json(await deps.graph(c.req.query("tenant") ?? "default", at));
  });
  app.notFound((c) => c.json({ code: 5, message: `no API endpoint at ${c.req.method} ${c.req.path}` }, 404));
  app.onError((e, c) => c.json({ code: 13, message: `internal error: ${e.message}` }, 500));
  app.get(
    "/metrics",
    (c) => c.text(prometheusText(deps.counters()), 200, { "content-type": "text/plain; version=0.0.4" }),
  );
  return app;
}

/** Counters as Prometheus exposition text: vigil_<component>_<name>{label="key"} value. */
export function prometheusText(counters: ReturnType<ApiDeps["counters"]>): string {
  const lines: string[] = [];
  const walk = (prefix: string, v: unknown, key?: string) => {
    const metric = prefix.replace(/[^a-zA-Z0-9_]/g, "_");
    if (typeof v === "number" && Number.isFinite(v)) {
      lines.push(
        key === undefined ? `${metric} ${v}` : `${metric}{key="${key.replace(/["\\\n]/g, "_")}"} ${v}`,
      );
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(prefix, x, String(i)));
    } else if (v && typeof v === "object") {
      const entries = Object.entries(v);
      // a map of plain numbers keyed by arbitrary names becomes one labelled metric
      if (
        key === undefined && entries.length &&
        entries.every(([k, x]) => typeof x === "number" && !/^[a-z_]+$/.test(k))
      ) {
        for (const [k, x] of entries) walk(prefix, x, k);
      } else {
        for (const [k, x] of entries) walk(`${prefix}_${k}`, x, key);
      }
    }
  };
  for (const [component, values] of Object.entries(counters)) walk(`vigil_${component}`, values);
  return lines.join("\n") + "\n";
}

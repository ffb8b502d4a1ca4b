/**
 * What callers observed of each service in one window, from the service graph's per-window edge series:
 * the indicators of a service as seen from outside it.
 *
 * - `edge_in_calls`: calls to the service (all callers together);
 * - `edge_in_errors`: failed calls (a count: refused connections, timeouts, error statuses);
 * - `edge_in_latency_p90`: p90 of the caller-side latency, calls-weighted over its callers.
 *
 * They localize what a service's own telemetry cannot show: a delay on its network egress (its server
 * spans stay fast, its callers' client spans do not), a crashed pod (it sends nothing; calls to it fail),
 * lost packets (calls time out). A virtual peer (`mysql/carts-db`) counts for the service named by its last
 * path segment when there is one. Pure.
 */
import type { ServiceGraphSnapshot } from "../core/rca.ts";

/** Prefix of every indicator derived from the graph, so consumers can tell them from a service's own. */
export const EDGE_INDICATOR_PREFIX = "edge_in_";

export interface EdgeIndicatorOptions {
  /** Services known from their own records; a virtual peer maps onto one by its last path segment. */
  services?: ReadonlySet<string>;
}

/** service → edge indicators for the window starting at `window_start_ms` (empty without a graph). */
export function edgeIndicators(
  graph: ServiceGraphSnapshot | undefined,
  window_start_ms: number,
  options: EdgeIndicatorOptions = {},
): Map<string, Map<string, number>> {
  const acc = new Map<string, { calls: number; errors: number; latency: number }>();
  for (const e of graph?.edges ?? []) {
    const w = e.series?.find((x) => x.window_start_ms === window_start_ms);
    if (!w || w.calls <= 0) continue;
    const callee = serviceOf(e.callee, options.services);
    if (callee === e.caller) continue;
    const a = acc.get(callee) ?? { calls: 0, errors: 0, latency: 0 };
    a.calls += w.calls;
    a.errors += w.errors;
    if (Number.isFinite(w.latency_p90_ms)) a.latency += w.calls * w.latency_p90_ms;
    acc.set(callee, a);
  }
  const out = new Map<string, Map<string, number>>();
  for (const [service, a] of [...acc].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    out.set(
      service,
      new Map([
        [`${EDGE_INDICATOR_PREFIX}calls`, a.calls],
        [`${EDGE_INDICATOR_PREFIX}errors`, a.errors],
        [`${EDGE_INDICATOR_PREFIX}latency_p90`, a.latency / a.calls],
      ]),
    );
  }
  return out;
}

function serviceOf(id: string, services: ReadonlySet<string> | undefined): string {
  if (!services || services.has(id)) return id;
  const last = id.slice(id.lastIndexOf("/") + 1);
  return last !== id && services.has(last) ? last : id;
}

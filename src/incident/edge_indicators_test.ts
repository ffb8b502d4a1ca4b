import assert from "node:assert/strict";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import { edgeIndicators } from "./edge_indicators.ts";

const graph: ServiceGraphSnapshot = {
  nodes: [],
  edges: [
    {
      caller: "front-end",
      callee: "orders",
      calls: 30,
      errors: 0,
      series: [
        { window_start_ms: 0, calls: 10, errors: 0, latency_p90_ms: 20 },
        { window_start_ms: 10_000, calls: 20, errors: 2, latency_p90_ms: 50 },
      ],
    },
    {
      caller: "shipping",
      callee: "orders",
      calls: 10,
      errors: 1,
      series: [{ window_start_ms: 10_000, calls: 10, errors: 1, latency_p90_ms: 20 }],
    },
    {
      caller: "orders",
      callee: "mongodb/orders-db",
      calls: 5,
      errors: 0,
      series: [{ window_start_ms: 10_000, calls: 5, errors: 0, latency_p90_ms: 3 }],
    },
  ],
};

Deno.test("edgeIndicators() sums calls and errors over callers and weights p90 by calls", () => {
  const out = edgeIndicators(graph, 10_000, { services: new Set(["orders", "orders-db", "front-end"]) });
  assert.deepStrictEqual(
    out.get("orders"),
    new Map([["edge_in_calls", 30], ["edge_in_errors", 3], ["edge_in_latency_p90", 40]]),
  );
  // a virtual database peer counts for the service its last path segment names
  assert.deepStrictEqual(out.get("orders-db")?.get("edge_in_calls"), 5);
  assert.deepStrictEqual(out.has("mongodb/orders-db"), false);
});

Deno.test("edgeIndicators() is empty for a window the graph does not hold, or without a graph", () => {
  assert.deepStrictEqual(edgeIndicators(graph, 20_000).size, 0);
  assert.deepStrictEqual(edgeIndicators(undefined, 10_000).size, 0);
});

import assert from "node:assert/strict";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import { blastRadius, connected, graphServices } from "./blast_radius.ts";

// carts calls its database through a virtual peer; the database's pod reports as "carts-db"
const graph: ServiceGraphSnapshot = {
  nodes: [
    { id: "front-end", kind: "service" },
    { id: "carts", kind: "service" },
    { id: "mongodb/carts-db", kind: "virtual" },
  ],
  edges: [
    { caller: "front-end", callee: "carts", calls: 10, errors: 0 },
    { caller: "carts", callee: "mongodb/carts-db", calls: 10, errors: 0 },
  ],
};

Deno.test("connected() reaches a database's own service through its virtual peer", () => {
  assert.ok(connected(graph, "carts-db", "carts", 1));
  assert.ok(connected(graph, "front-end", "carts-db", 2));
  assert.ok(!connected(graph, "front-end", "carts-db", 1));
});

Deno.test("blastRadius() of a database counts the callers of its virtual peer", () => {
  const r = blastRadius(graph, "carts-db");
  assert.deepEqual(r.services, ["carts", "carts-db", "front-end"]);
  assert.deepEqual(r.operations, ["carts → carts-db", "front-end → carts"]);
});

Deno.test("graphServices() lists the services a graph links, virtual peers as their services", () => {
  const g = {
    nodes: [{ id: "web", kind: "service" as const }, { id: "mysql/db", kind: "virtual" as const }],
    edges: [{ caller: "web", callee: "mysql/db", calls: 1, errors: 0 }],
  };
  assert.deepEqual([...graphServices(g)].sort(), ["db", "web"]);
});

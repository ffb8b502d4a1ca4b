import { deepStrictEqual as assertEquals, throws } from "node:assert";
import { LogClusterer, type TemplateCounts } from "./log_cluster.ts";
import { logTemplate, templateId } from "./log_template.ts";

/** Masked template counts of some messages, as a worker builds them (error = severity ERROR). */
function masked(messages: [string, number, boolean?][]): TemplateCounts {
  const out: TemplateCounts = {};
  for (const [m, n, err] of messages) {
    const t = logTemplate(m);
    const id = templateId(t);
    const cur = out[id] ??= [t, 0, 0];
    cur[1] += n;
    cur[2] += err ? n : 0;
  }
  return out;
}

const rows = (c: TemplateCounts) => Object.entries(c).map(([id, [t, n, e]]) => [id, t, n, e]).sort();

Deno.test("LogClusterer.cluster() merges messages that differ in a word masking keeps into one <*> template", () => {
  const c = new LogClusterer();
  const got = c.cluster(
    masked([["user alice logged in from 10.0.0.1", 3], ["user bob logged in from 10.0.0.2", 2], [
      "user carol logged in from 10.0.0.9",
      1,
    ]]),
    { window_start_ms: 0 },
  );
  // founded by the most frequent masked template: its id is the cluster's
  assertEquals(rows(got), [[
    templateId("user alice logged in from <*>"),
    "user <*> logged in from <*>",
    6,
    0,
  ]]);
});

Deno.test("LogClusterer.cluster() keeps different shapes apart", () => {
  const c = new LogClusterer();
  const got = c.cluster(
    masked([
      ["cache miss for key 4", 1], // 5 tokens
      ["payment declined for order 7 by bank", 1], // 7 tokens
      ["GET /api/users/1 200", 1], // other first token
      ["POST /api/users/1 200", 1],
      ["slow", 1],
      ["fast", 1],
    ]),
    { window_start_ms: 0 },
  );
  assertEquals(Object.values(got).map(([t]) => t).sort(), [
    "GET /api/users/<*> <*>",
    "POST /api/users/<*> <*>",
    "cache miss for key <*>",
    "fast",
    "payment declined for order <*> by bank",
    "slow",
  ]);
});

Deno.test("LogClusterer.cluster() never turns a known service name or error wording into <*>", () => {
  const c = new LogClusterer();
  const services = new Set(["carts", "orders"]);
  const got = c.cluster(
    masked([
      ["context deadline exceeded calling carts", 1, true],
      ["context deadline exceeded calling orders", 1, true],
      ["context deadline exceeded calling bob", 1, true], // not a service: may merge, but not with a name
      ["request to payment failed", 1, true],
      ["request to payment succeeded", 1],
    ]),
    { window_start_ms: 0, services },
  );
  assertEquals(Object.values(got).map(([t, n, e]) => [t, n, e]).sort(), [
    ["context deadline exceeded calling bob", 1, 1],
    ["context deadline exceeded calling carts", 1, 1],
    ["context deadline exceeded calling orders", 1, 1],
    ["request to payment failed", 1, 1],
    ["request to payment succeeded", 1, 0],
  ]);
});

Deno.test("LogClusterer.cluster() keeps ids stable across windows while the template generalizes", () => {
  const c = new LogClusterer();
  const w1 = c.cluster(masked([["user alice logged in", 2]]), { window_start_ms: 0 });
  const id = templateId("user alice logged in");
  assertEquals(rows(w1), [[id, "user alice logged in", 2, 0]]);
  const w2 = c.cluster(masked([["user bob logged in", 5], ["user alice logged in", 1]]), {
    window_start_ms: 10,
  });
  assertEquals(rows(w2), [[id, "user <*> logged in", 6, 0]]); // bob is more frequent, alice still founded it
  const w3 = c.cluster(masked([["user dave logged in", 1]]), { window_start_ms: 20 });
  assertEquals(rows(w3), [[id, "user <*> logged in", 1, 0]]);
});

Deno.test("LogClusterer.cluster() gives the same clusters whatever the order its input lists templates in", () => {
  const msgs: [string, number, boolean?][] = [
    ["user alice logged in", 2],
    ["user bob logged in", 2],
    ["disk sda full on node-a", 1, true],
    ["disk sdb full on node-b", 1, true],
    ["worker started", 4],
  ];
  const a = new LogClusterer().cluster(masked(msgs), { window_start_ms: 0 });
  const b = new LogClusterer().cluster(masked([...msgs].reverse()), { window_start_ms: 0 });
  assertEquals(rows(a), rows(b));
  assertEquals(Object.keys(a).length, 3);
});

Deno.test("LogClusterer forgets idle clusters and reports templates beyond max_clusters unclustered", () => {
  const c = new LogClusterer({ max_clusters: 2, idle_ttl_ms: 100 });
  c.cluster(masked([["alpha one", 1], ["beta two three", 1]]), { window_start_ms: 0 });
  assertEquals(c.size, 2);
  const full = c.cluster(masked([["gamma", 1]]), { window_start_ms: 50 });
  assertEquals(rows(full), [[templateId("gamma"), "gamma", 1, 0]]); // no room: counted as masked
  assertEquals(c.size, 2);
  c.cluster(masked([["alpha one", 1]]), { window_start_ms: 120 }); // beta idle since 0: forgotten
  assertEquals(c.size, 1);
});

Deno.test("new LogClusterer() throws RangeError naming a bad option", () => {
  throws(() => new LogClusterer({ similarity: 0 }), /similarity must be in \(0, 1\]: current value is 0/);
  throws(
    () => new LogClusterer({ max_clusters: 0.5 }),
    /max_clusters must be an integer >= 1: current value is 0.5/,
  );
});

Deno.test("LogClusterer.fromJSON(toJSON()) clusters later windows exactly as the original does", () => {
  const w1 = masked([
    ["user alice logged in from 10.0.0.1", 3],
    ["user bob logged in from 10.0.0.2", 2],
    ["disk sda full on node-a", 1, true],
    ["worker started", 4],
    ["GET /api/users/1 200", 1],
  ]);
  const w2 = masked([["user carol logged in from 10.0.0.9", 1], ["disk sdb full on node-b", 2, true], [
    "POST /api/users/1 200",
    1,
  ]]);
  const options = { max_clusters: 4, idle_ttl_ms: 100 };
  const a = new LogClusterer(options);
  a.cluster(w1, { window_start_ms: 0 });
  const json = JSON.parse(JSON.stringify(a.toJSON()));
  const b = LogClusterer.fromJSON(json, options);
  assertEquals(b.toJSON(), a.toJSON());
  assertEquals(b.size, a.size);
  for (const [w, t] of [[w2, 50], [w1, 120], [w2, 300]] as const) {
    assertEquals(rows(b.cluster(w, { window_start_ms: t })), rows(a.cluster(w, { window_start_ms: t })));
    assertEquals(b.toJSON(), a.toJSON());
  }
});

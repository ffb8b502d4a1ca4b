import assert from "node:assert/strict";
import type { LocalizeInput, ServiceGraphSnapshot } from "../core/rca.ts";
import { AnomalyDescentLocalizer, edgeEvidenceHolds, serviceOfPeer } from "./anomaly_descent.ts";

const N = 40, ONSET = 30, STEP = 10_000;
const col = (f: (t: number) => number) => Float64Array.from({ length: N }, (_, t) => f(t));
const noise = (t: number) => (t * 7) % 5;

function input(graph?: ServiceGraphSnapshot, dbGone = false): LocalizeInput {
  return {
    anomaly_start_ms: ONSET * STEP,
    graph,
    frame: {
      times_ms: Array.from({ length: N }, (_, t) => t * STEP),
      step_ms: STEP,
      series: new Map([
        // the caller's errors rise far more than its callee's (amplified by retries)
        ["web", new Map([["errors", col((t) => (t >= ONSET ? 40 : noise(t) % 2))]])],
        ["api", new Map([["errors", col((t) => (t >= ONSET ? 12 : noise(t) % 2))]])],
        ["db", new Map([["cpu", col((t) => (dbGone && t >= ONSET ? NaN : 100 + noise(t)))]])],
      ]),
    },
  };
}

const graph: ServiceGraphSnapshot = {
  nodes: [{ id: "web", kind: "service" }, { id: "api", kind: "service" }, {
    id: "mysql/db",
    kind: "virtual",
  }],
  edges: [{ caller: "web", callee: "api", calls: 10, errors: 0 }, {
    caller: "api",
    callee: "mysql/db",
    calls: 10,
    errors: 0,
  }],
};

Deno.test("AnomalyDescentLocalizer.localize() ranks the anomalous callee above the caller it explains", () => {
  const plain = new AnomalyDescentLocalizer().localize(input());
  assert.equal(plain[0].service, "web", "without a graph the largest change wins");
  const ranked = new AnomalyDescentLocalizer().localize(input(graph));
  assert.equal(ranked[0].service, "api");
  assert.equal(ranked[0].indicator, "errors");
  assert.match(ranked[1].evidence.join(" "), /callee api/);
});

Deno.test("AnomalyDescentLocalizer.localize() names a service that stopped reporting, through a virtual peer", () => {
  const ranked = new AnomalyDescentLocalizer().localize(input(graph, true));
  assert.equal(ranked[0].service, "db");
  assert.match(ranked[0].evidence[0], /stopped reporting/);
  assert.equal(serviceOfPeer("mysql/db", new Map([["db", 1]])), "db");
  assert.equal(serviceOfPeer("redis", new Map([["db", 1]])), "redis");
});

Deno.test("AnomalyDescentLocalizer.localize() sees a crash whose last lines fell in the onset window", () => {
  const crash = input(graph);
  const db = crash.frame.series.get("db")!.get("cpu") as Float64Array;
  for (let t = ONSET + 1; t < N; t++) db[t] = NaN; // reported at the onset window, then nothing
  const ranked = new AnomalyDescentLocalizer().localize(crash);
  assert.equal(ranked[0].service, "db");
  assert.match(ranked[0].evidence[0], /stopped reporting/);
});

Deno.test("edgeEvidenceHolds() counts a callee's edge rise only when the caller's own side is ruled out", () => {
  const w = (t: number, lat: number) => ({ window_start_ms: t, calls: 10, errors: 0, latency_p90_ms: lat });
  const flat = [0, 1, 2, 3, 4, 5].map((i) => w(i * 10, 10));
  const slow = [0, 1, 2, 3, 4, 5].map((i) => w(i * 10, i >= 4 ? 200 : 10));
  const edge = (caller: string, callee: string, series: ReturnType<typeof w>[]) => ({
    caller,
    callee,
    calls: 60,
    errors: 0,
    series,
  });
  const moved = new Map([["a", 1], ["b", 1], ["x", 1], ["y", 1]]);
  const o = { moved, onset_ms: 40, threshold: 5, relative_floor: 0.05 };
  const holds = (...edges: ReturnType<typeof edge>[]) =>
    edgeEvidenceHolds({ nodes: [], edges }, "x", "edge_in_latency_p90", o);
  // one caller, one callee: either end could be slow
  assert.equal(holds(edge("a", "x", slow)), false);
  // the caller's other callee is fine: the caller's egress is not the cause
  assert.equal(holds(edge("a", "x", slow), edge("a", "y", flat)), true);
  // the caller's other callee slowed too: the caller's side
  assert.equal(holds(edge("a", "x", slow), edge("a", "y", slow)), false);
  // the other callee moved a little (3 robust units: under the threshold, but not flat): no proof either
  const half = [0, 1, 2, 3, 4, 5].map((i) => w(i * 10, i >= 4 ? 11.5 : i % 2 ? 10.5 : 10));
  assert.equal(holds(edge("a", "x", slow), edge("a", "y", half)), false);
  // two callers see it
  assert.equal(holds(edge("a", "x", slow), edge("b", "x", slow)), true);
});

Deno.test("AnomalyDescentLocalizer.localize() does not let a callee explain its caller's own resources", () => {
  // api's memory leaks (a large change); its callee db's CPU moves a little at the same time
  const leak: LocalizeInput = {
    anomaly_start_ms: ONSET * STEP,
    graph,
    frame: {
      times_ms: Array.from({ length: N }, (_, t) => t * STEP),
      step_ms: STEP,
      series: new Map([
        ["api", new Map([["k8s.pod.memory.working_set", col((t) => (t >= ONSET ? 900 : 300 + noise(t)))]])],
        ["db", new Map([["cpu", col((t) => (t >= ONSET ? 130 : 100 + noise(t)))]])],
      ]),
    },
  };
  const ranked = new AnomalyDescentLocalizer().localize(leak);
  assert.equal(ranked[0].service, "api");
  assert.equal(ranked[0].indicator, "k8s.pod.memory.working_set");
  assert.doesNotMatch(ranked[0].evidence.join(" "), /callee/);
});

Deno.test("AnomalyDescentLocalizer.localize() names the saturated resource behind a service's latency", () => {
  const frame = (cpuRise: number) => ({
    times_ms: Array.from({ length: N }, (_, t) => t * STEP),
    step_ms: STEP,
    series: new Map([
      [
        "cart",
        new Map([["latency_p90", col((t) => (t >= ONSET ? 9000 : 20 + noise(t)))], [
          "cpu",
          col((t) => (t >= ONSET ? 50 + cpuRise : 50 + noise(t))),
        ]]),
      ],
      ["web", new Map([["latency_p90", col((t) => 30 + noise(t))]])],
    ]),
  });
  const [saturated] = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    frame: frame(40),
  });
  assert.equal(saturated.service, "cart");
  assert.equal(saturated.indicator, "cpu");
  assert.match(saturated.evidence.join(" "), /latency_p90 moved/);
  assert.match(saturated.evidence.join(" "), /cpu moved/);
  // the score is the latency's, named or not
  const [flat] = new AnomalyDescentLocalizer().localize({ anomaly_start_ms: ONSET * STEP, frame: frame(0) });
  assert.equal(flat.indicator, "latency_p90");
  assert.equal(flat.score, saturated.score);
});

const frameOf = (series: [string, [string, Float64Array][]][]) => ({
  times_ms: Array.from({ length: N }, (_, t) => t * STEP),
  step_ms: STEP,
  series: new Map(series.map(([s, inds]) => [s, new Map(inds)])),
});

Deno.test("AnomalyDescentLocalizer.localize() needs a latency to hold its change for two windows", () => {
  const ranked = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    frame: frameOf([
      // one window's tail percentile of a pod that served a handful of requests
      ["email", [["latency_p99", col((t) => (t === ONSET + 2 ? 1e6 : 100.5 + noise(t)))]]],
      ["cart", [["cpu", col((t) => (t >= ONSET ? 80 : 50 + noise(t)))]]],
    ]),
  });
  assert.equal(ranked[0].service, "cart");
  const once = new AnomalyDescentLocalizer({ persistence_windows: 1 }).localize({
    anomaly_start_ms: ONSET * STEP,
    frame: frameOf([
      ["email", [["latency_p99", col((t) => (t === ONSET + 2 ? 1e6 : 100.5 + noise(t)))]]],
      ["cart", [["cpu", col((t) => (t >= ONSET ? 80 : 50 + noise(t)))]]],
    ]),
  });
  assert.equal(once[0].service, "email", "with persistence_windows 1 the single window wins");
});

Deno.test("AnomalyDescentLocalizer.localize() reads host gauges as the node's, not the pod's", () => {
  const ranked = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    frame: frameOf([
      ["pay", [["NodeCpuUsageRate(%)", col((t) => (t >= ONSET ? 95 : 40 + noise(t)))]]],
      ["cart", [["cpu", col((t) => (t >= ONSET ? 70 : 50 + noise(t)))]]],
    ]),
  });
  assert.equal(ranked[0].service, "cart");
});

Deno.test("AnomalyDescentLocalizer.localize() discounts what a CPU-starved caller measured of its callees", () => {
  const ranked = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    frame: frameOf([
      ["web", [["cpu", col((t) => (t >= ONSET ? 400 : 40 + noise(t)))]]],
      // web's own slowness shows in its client-side view of every callee
      ["cart", [["EdgeLatencyP50(s)<-web@source", col((t) => (t >= ONSET ? 50 : 1 + noise(t) / 10))]]],
      ["ads", [["EdgeLatencyP50(s)<-web@source", col((t) => (t >= ONSET ? 40 : 1 + noise(t) / 10))]]],
    ]),
  });
  assert.equal(ranked[0].service, "web");
});

Deno.test("AnomalyDescentLocalizer.localize() discounts what CPU-starved callers measured together (edge_in_*)", () => {
  // the same through the traces' per-callee view, which names no caller: the graph says who calls whom.
  // web's calls to cart slow down while those to ads hold (so the edge evidence stands); web's CPU
  // saturating explains part of it, web's CPU holding nothing.
  const latency = (rising: boolean) => (t: number) => rising && t >= ONSET ? 500 : 10 + noise(t);
  const series = (rising: boolean) =>
    Array.from({ length: N }, (_, t) => ({
      window_start_ms: t * STEP,
      calls: 10,
      errors: 0,
      latency_p90_ms: latency(rising)(t),
    }));
  const cartScore = (webStarved: boolean) =>
    new AnomalyDescentLocalizer().localize({
      anomaly_start_ms: ONSET * STEP,
      graph: {
        nodes: ["web", "cart", "ads"].map((id) => ({ id, kind: "service" as const })),
        edges: [
          { caller: "web", callee: "cart", calls: 10, errors: 0, series: series(true) },
          { caller: "web", callee: "ads", calls: 10, errors: 0, series: series(false) },
        ],
      },
      frame: frameOf([
        ["web", [["cpu", col((t) => (webStarved && t >= ONSET ? 100 : 40 + noise(t)))]]],
        ["cart", [["edge_in_latency_p90", col(latency(true))]]],
        ["ads", [["edge_in_latency_p90", col(latency(false))]]],
      ]),
    }).find((c) => c.service === "cart")!.score;
  assert.ok(cartScore(true) < 0.7 * cartScore(false));
});

Deno.test("AnomalyDescentLocalizer.localize() takes an edge from a caller's view where the graph lacks it", () => {
  const ranked = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    graph: { nodes: [], edges: [] },
    frame: frameOf([
      // checkout waits for currency: what its callers see of it rises more than currency's own rise
      ["checkout", [["EdgeLatencyP50(s)<-web@source", col((t) => (t >= ONSET ? 90 : 10 + noise(t)))]]],
      ["currency", [["EdgeLatencyP50(s)<-checkout@source", col((t) => (t >= ONSET ? 60 : 10 + noise(t)))]]],
      ["web", [["latency_p90", col((t) => 30 + noise(t))]]],
    ]),
  });
  assert.equal(ranked[0].service, "currency");
  assert.match(ranked[1].evidence.join(" "), /callee currency/);
});

/** web calls cart and ship; web's requests (`rate`) fall, and so do the calls cart receives. */
function fewerCalls(shipMemFrom?: number): LocalizeInput {
  const edge = (caller: string, callee: string) => ({ caller, callee, calls: 10, errors: 0 });
  return {
    anomaly_start_ms: ONSET * STEP,
    graph: {
      nodes: ["web", "cart", "ship"].map((id) => ({ id, kind: "service" as const })),
      edges: [edge("web", "cart"), edge("web", "ship")],
    },
    frame: {
      times_ms: Array.from({ length: N }, (_, t) => t * STEP),
      step_ms: STEP,
      series: new Map([
        ["web", new Map([["rate", col((t) => (t >= ONSET ? 40 : 200) + noise(t))]])],
        ["cart", new Map([["rate", col((t) => (t >= ONSET ? 150 : 600) + noise(t))]])],
        [
          "ship",
          new Map([[
            "mem",
            col((t) => (shipMemFrom !== undefined && t >= shipMemFrom ? 900 : 300) + noise(t)),
          ]]),
        ],
      ]),
    },
  };
}

Deno.test("AnomalyDescentLocalizer.localize() reads fewer calls received as what the caller sent", () => {
  const ranked = new AnomalyDescentLocalizer().localize(fewerCalls());
  // cart's fall is larger, but a callee receiving fewer calls explains no caller: traffic flows down
  assert.equal(ranked[0].service, "web");
  assert.equal(ranked[1].service, "cart");
  assert.match(ranked[1].evidence.join(" "), /its caller web is anomalous too/);
});

Deno.test("AnomalyDescentLocalizer.localize() lets no standing anomaly explain a new one", () => {
  // ship's memory stood high for five windows before the onset (an older incident's symptom)
  const input = fewerCalls(ONSET - 5);
  const plain = new AnomalyDescentLocalizer().localize(input);
  assert.match(plain.find((c) => c.service === "web")!.evidence.join(" "), /its callee ship/);
  const ranked = new AnomalyDescentLocalizer().localize({ ...input, standing: new Set(["ship"]) });
  const web = ranked.find((c) => c.service === "web")!;
  assert.doesNotMatch(web.evidence.join(" "), /ship/);
  assert.ok(web.score > plain.find((c) => c.service === "web")!.score);
});

Deno.test("AnomalyDescentLocalizer.localize() names the restarts of a crash-looping service that stopped reporting", () => {
  const crash = input(graph);
  const db = crash.frame.series.get("db")!;
  const cpu = db.get("cpu") as Float64Array;
  for (let t = ONSET; t < N; t++) cpu[t] = NaN;
  // the cluster still reports its restart count while the pod is down: that is not the pod reporting
  const restarts = col((t) => (t < ONSET ? 0 : 1 + Math.floor((t - ONSET) / 3)));
  const series = new Map(crash.frame.series);
  series.set("db", new Map([...db, ["k8s.container.restart_count", restarts]]));
  const ranked = new AnomalyDescentLocalizer().localize({ ...crash, frame: { ...crash.frame, series } });
  assert.equal(ranked[0].service, "db");
  assert.equal(ranked[0].indicator, "k8s.container.restart_count");
  assert.match(
    ranked[0].evidence[0],
    /stopped reporting at the onset; k8s.container.restart_count rose to 4/,
  );
});

Deno.test("AnomalyDescentLocalizer.localize() still blames a callee that receives fewer calls for its caller's errors", () => {
  // pay sheds load (crash-looping, or behind packet loss): its rate falls while web's errors rise
  const edge = (caller: string, callee: string) => ({ caller, callee, calls: 10, errors: 0 });
  const ranked = new AnomalyDescentLocalizer().localize({
    anomaly_start_ms: ONSET * STEP,
    graph: {
      nodes: ["web", "pay"].map((id) => ({ id, kind: "service" as const })),
      edges: [edge("web", "pay")],
    },
    frame: {
      times_ms: Array.from({ length: N }, (_, t) => t * STEP),
      step_ms: STEP,
      series: new Map([
        ["web", new Map([["errors", col((t) => (t >= ONSET ? 60 : noise(t) % 2))]])],
        ["pay", new Map([["rate", col((t) => (t >= ONSET ? 20 : 200) + noise(t))]])],
      ]),
    },
  });
  assert.equal(ranked[0].service, "pay");
  assert.match(ranked[1].evidence.join(" "), /its callee pay is anomalous too/);
});

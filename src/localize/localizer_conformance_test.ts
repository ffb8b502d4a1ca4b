/**
 * Hand-built cases with a known answer, run by every registered localizer, plus method-specific cases.
 * Topology: frontend → orders → payment, frontend → catalogue; payment's cpu jumps at the onset and its
 * callers' latency follows (a smaller, later symptom).
 */
import assert from "node:assert/strict";
import type {
  LocalizeInput,
  LogTemplateSeries,
  MetricFrame,
  ServiceGraphSnapshot,
  SpanSummary,
} from "../core/rca.ts";
import { mulberry32 } from "../core/mulberry32.ts";
import { createLocalizer, LOCALIZERS } from "./registry.ts";
import { SpectralAttentionLocalizer } from "./spectral_attention.ts";

const N = 120;
const ONSET = 90;
const STEP = 10_000;
const T0 = 1_700_000_000_000;

function frame(): MetricFrame {
  const rnd = mulberry32(11);
  const g = () => rnd() - 0.5;
  const series = new Map<string, Map<string, Float64Array>>();
  for (const s of ["frontend", "orders", "payment", "catalogue"]) {
    const cpu = new Float64Array(N);
    const lat = new Float64Array(N);
    for (let t = 0; t < N; t++) {
      const after = t >= ONSET;
      cpu[t] = 30 + 4 * g() + (s === "payment" && after ? 50 : 0);
      const hop = s === "payment" ? 0 : s === "orders" ? 1 : s === "frontend" ? 2 : -1;
      lat[t] = 100 + 10 * g() + (hop >= 0 && t >= ONSET + hop ? 60 - 5 * hop : 0);
    }
    series.set(s, new Map([["cpu", cpu], ["latency_p99", lat]]));
  }
  return { times_ms: Array.from({ length: N }, (_, i) => T0 + i * STEP), step_ms: STEP, series };
}

const graph: ServiceGraphSnapshot = {
  nodes: ["frontend", "orders", "payment", "catalogue"].map((id) => ({ id, kind: "service" as const })),
  edges: [
    { caller: "frontend", callee: "orders", calls: 100, errors: 0 },
    { caller: "orders", callee: "payment", calls: 100, errors: 0 },
    { caller: "frontend", callee: "catalogue", calls: 100, errors: 0 },
  ],
};

/** One trace per window: frontend → orders → payment; payment's own time grows after the onset. */
function spans(): SpanSummary[] {
  const out: SpanSummary[] = [];
  for (let t = 0; t < N; t++) {
    for (let k = 0; k < 3; k++) {
      const start = T0 + t * STEP + k * 1000;
      const pay = 20 + k + (t >= ONSET ? 80 : 0);
      const id = `${t}-${k}`;
      out.push({
        trace_id: id,
        span_id: "a",
        parent_span_id: "",
        service: "frontend",
        operation: "GET /",
        start_ms: start,
        duration_ms: pay + 40,
        is_error: false,
      });
      out.push({
        trace_id: id,
        span_id: "b",
        parent_span_id: "a",
        service: "orders",
        operation: "POST /orders",
        start_ms: start + 1,
        duration_ms: pay + 20,
        is_error: false,
      });
      out.push({
        trace_id: id,
        span_id: "c",
        parent_span_id: "b",
        service: "payment",
        operation: "charge",
        start_ms: start + 2,
        duration_ms: pay,
        is_error: false,
      });
    }
  }
  return out;
}

function logs(): LogTemplateSeries[] {
  const mk = (service: string, template: string, f: (t: number) => number): LogTemplateSeries => ({
    service,
    template_id: template,
    template,
    counts: Float64Array.from({ length: N }, (_, t) => f(t)),
  });
  return [
    mk("payment", "charge failed: card processor exception <*>", (t) => (t >= ONSET ? 20 : 0)),
    mk("orders", "order placed <*>", (t) => 30 + (t % 3)),
    mk("frontend", "GET / <*>", (t) => 50 + (t % 5)),
  ];
}

const input: LocalizeInput = {
  frame: frame(),
  anomaly_start_ms: T0 + ONSET * STEP,
  graph,
  spans: spans(),
  logs: logs(),
};

for (const spec of LOCALIZERS) {
  Deno.test(`${spec.name}: localize() ranks the injected root cause first`, () => {
    const ranked = createLocalizer(spec.name).localize(input);
    assert.equal(ranked[0]?.service, "payment", JSON.stringify(ranked.slice(0, 3)));
    assert.ok(ranked[0].evidence.length > 0);
  });

  Deno.test(`${spec.name}: localize() is deterministic, returns each service once and leaves the input alone`, () => {
    const before = JSON.stringify([...input.frame.series.get("payment")!.get("cpu")!.slice(0, 5)]);
    const a = createLocalizer(spec.name).localize(input);
    const b = createLocalizer(spec.name).localize(input);
    assert.deepEqual(a, b);
    assert.equal(new Set(a.map((c) => c.service)).size, a.length);
    for (let i = 1; i < a.length; i++) assert.ok(a[i - 1].score >= a[i].score);
    assert.equal(JSON.stringify([...input.frame.series.get("payment")!.get("cpu")!.slice(0, 5)]), before);
  });

  Deno.test(`${spec.name}: localize() rejects an onset outside the frame`, () => {
    const loc = createLocalizer(spec.name);
    if (spec.name === "trace_attribution") return; // reads spans only, the frame's range does not apply
    assert.throws(() => loc.localize({ ...input, anomaly_start_ms: T0 - 1e9 }), RangeError);
  });
}

Deno.test("baro: localize() names the indicator that moved", () => {
  const top = createLocalizer("baro").localize(input)[0];
  assert.equal(top.indicator, "cpu");
});

Deno.test("pagerank: localize() walks from a loud symptom to its anomalous callee", () => {
  // Make frontend's latency the loudest signal: BARO alone would blame frontend.
  const f = frame();
  const lat = f.series.get("frontend")!.get("latency_p99")!;
  for (let t = ONSET; t < N; t++) lat[t] += 2000;
  const cpu = f.series.get("payment")!.get("cpu")!;
  for (let t = ONSET; t < N; t++) cpu[t] -= 40; // payment moves less than frontend
  const inp = { ...input, frame: f, spans: undefined, logs: undefined };
  assert.equal(createLocalizer("baro").localize(inp)[0].service, "frontend");
  assert.equal(createLocalizer("pagerank", { self_weight: 0.2 }).localize(inp)[0].service, "payment");
});

Deno.test("spectral_attention: causalGraph() points from the leading series to the lagging one", () => {
  const edges = new SpectralAttentionLocalizer().causalGraph(input);
  const pay = edges.find((e) => e.cause === "payment" && e.effect === "frontend");
  const back = edges.find((e) => e.cause === "frontend" && e.effect === "payment");
  assert.ok(pay && !back, JSON.stringify(edges.slice(0, 6)));
});

Deno.test("log_shift: localize() names the surging error template", () => {
  const top = createLocalizer("log_shift").localize(input)[0];
  assert.match(top.indicator ?? "", /exception/);
});

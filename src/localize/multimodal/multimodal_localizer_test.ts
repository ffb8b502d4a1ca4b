import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { LocalizeInput, SpanSummary } from "../../core/rca.ts";
import { MultimodalLocalizer } from "./multimodal_localizer.ts";
import { collectEvidence } from "./evidence.ts";

const STEP = 60_000, N = 26, ONSET = 21;
const SERVICES = ["frontend", "checkout", "payment", "cart"] as const;
// frontend → checkout → payment, frontend → cart

/** A deterministic wobble so baselines have a spread. */
const wobble = (i: number, k: number) => ((i * 7 + k * 13) % 5) / 5 - 0.4;

interface Change {
  readonly service: string;
  readonly indicator: string;
  readonly factor: number;
}

function frameWith(changes: readonly Change[]): LocalizeInput["frame"] {
  const times_ms = Array.from({ length: N }, (_, i) => i * STEP);
  const series = new Map<string, Map<string, Float64Array>>();
  const edges: [string, string][] = [["frontend", "checkout"], ["checkout", "payment"], ["frontend", "cart"]];
  SERVICES.forEach((s, k) => {
    const m = new Map<string, Float64Array>();
    const base = (level: number, ind: string) => {
      const col = Float64Array.from({ length: N }, (_, i) => level * (1 + 0.02 * wobble(i, k)));
      for (const c of changes) {
        if (c.service === s && c.indicator === ind) { for (let i = ONSET; i < N; i++) col[i] *= c.factor; }
      }
      m.set(ind, col);
    };
    base(20, "CpuUsageRate(%)");
    base(100, "MemoryUsage(Mi)");
    base(0.01, "PodServerLatencyP90(s)");
    base(10, "PodWorkload(Ops)");
    for (const [caller, callee] of edges) {
      if (callee === s) base(0.005, `EdgeLatencyP50(s)<-${caller}@source`);
    }
    series.set(s, m);
  });
  return { times_ms, step_ms: STEP, series };
}

function input(changes: readonly Change[], spans?: SpanSummary[]): LocalizeInput {
  return { frame: frameWith(changes), anomaly_start_ms: ONSET * STEP + 5_000, ...(spans ? { spans } : {}) };
}

const localizer = new MultimodalLocalizer();

Deno.test("MultimodalLocalizer.localize() names a CPU hog and its utilisation indicator", () => {
  const r = localizer.localize(input([
    { service: "payment", indicator: "CpuUsageRate(%)", factor: 4 },
    // Its callers wait on it: their latency rises too, less.
    { service: "checkout", indicator: "PodServerLatencyP90(s)", factor: 3 },
    { service: "payment", indicator: "EdgeLatencyP50(s)<-checkout@source", factor: 3 },
  ]));
  strictEqual(r[0].service, "payment");
  strictEqual(r[0].fault_type, "cpu");
  strictEqual(r[0].indicator, "CpuUsageRate(%)");
});

Deno.test("MultimodalLocalizer.localize() blames the delayed callee, not its waiting caller", () => {
  const r = localizer.localize(input([
    // Network delay into payment: checkout sees payment slow, and checkout's own callers see checkout slow.
    { service: "payment", indicator: "EdgeLatencyP50(s)<-checkout@source", factor: 60 },
    { service: "checkout", indicator: "EdgeLatencyP50(s)<-frontend@source", factor: 20 },
    { service: "checkout", indicator: "PodServerLatencyP90(s)", factor: 20 },
  ]));
  strictEqual(r[0].service, "payment");
  strictEqual(r[0].fault_type, "network_delay");
  strictEqual(r[0].indicator, "NetworkP90(ms)");
  strictEqual(r[1].service, "checkout");
});

Deno.test("MultimodalLocalizer.localize() blames the caller that stopped calling (code defect)", () => {
  const r = localizer.localize(input([{ service: "payment", indicator: "PodWorkload(Ops)", factor: 0.05 }]));
  strictEqual(r[0].service, "checkout");
  strictEqual(r[0].fault_type, "code_exception");
});

Deno.test("MultimodalLocalizer.localize() reads collapsed server spans as an early return", () => {
  const spans: SpanSummary[] = [];
  for (let i = 0; i < 60; i++) {
    const after = i >= 30;
    const start = (ONSET - 3) * STEP + i * 6_000;
    spans.push({
      trace_id: `t${i}`,
      span_id: "a",
      parent_span_id: "",
      service: "frontend",
      operation: "Recv",
      start_ms: start,
      duration_ms: after ? 0.4 : 150,
      is_error: false,
    });
    if (!after) {
      spans.push({
        trace_id: `t${i}`,
        span_id: "b",
        parent_span_id: "a",
        service: "cart",
        operation: "GetCart",
        start_ms: start + 1,
        duration_ms: 2,
        is_error: false,
      });
    }
  }
  const r = localizer.localize(input([], spans));
  strictEqual(r[0].service, "frontend");
  strictEqual(r[0].fault_type, "code_return");
  ok(r[0].evidence.some((e) => e.includes("server spans fell")), r[0].evidence.join("; "));
});

Deno.test("MultimodalLocalizer.localize() is deterministic, returns each service once and keeps the input", () => {
  const inp = input([{ service: "cart", indicator: "MemoryUsage(Mi)", factor: 5 }]);
  const before = [...inp.frame.series.get("cart")!.get("MemoryUsage(Mi)")!];
  const a = localizer.localize(inp), b = localizer.localize(inp);
  deepStrictEqual(a, b);
  strictEqual(new Set(a.map((c) => c.service)).size, a.length);
  strictEqual(a[0].service, "cart");
  strictEqual(a[0].fault_type, "memory");
  deepStrictEqual([...inp.frame.series.get("cart")!.get("MemoryUsage(Mi)")!], before);
});

Deno.test("collectEvidence() computes an input's evidence once with the default options", () => {
  const input: LocalizeInput = {
    frame: frameWith([{ service: "payment", indicator: "CpuUsageRate(%)", factor: 4 }]),
    anomaly_start_ms: ONSET * STEP,
  };
  const first = collectEvidence(input);
  ok(first.get("payment")!.families.has("cpu"));
  strictEqual(collectEvidence(input), first, "the localizer's and the classifier's are one");
  // another input object, or other options, are computed afresh
  ok(collectEvidence({ ...input }) !== first);
  ok(collectEvidence(input, { horizon_windows: 2 }) !== first);
  deepStrictEqual([...collectEvidence({ ...input }).keys()], [...first.keys()]);
});

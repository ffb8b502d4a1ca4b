import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  concatInputs,
  contiguousCuts,
  defaultNezhaDir,
  graphFromSpans,
  loadNezha,
  loadNezhaWarmup,
  logTemplate,
  parseNezhaTime,
  serviceOfPod,
} from "./nezha.ts";
import { sharedDataExists } from "./shared_data.ts";
import { firstOf } from "./dataset.ts";

const present = sharedDataExists("rca", "nezha-ob", "rca_data", "2022-08-22", "2022-08-22-fault_list.json");

Deno.test("serviceOfPod() drops the two hash suffixes of a pod name", () => {
  strictEqual(serviceOfPod("checkoutservice-578fcf4766-9csqn"), "checkoutservice");
  strictEqual(serviceOfPod("ts-order-service-5d9f4c7b8-x2k9q"), "ts-order-service");
  strictEqual(serviceOfPod("redis"), "redis");
});

Deno.test("parseNezhaTime() reads the Go-formatted Time column as UTC", () => {
  strictEqual(
    parseNezhaTime("2022-08-22 03:51:19.607158889 +0000 UTC m=+0.113112869"),
    Date.parse("2022-08-22T03:51:19.607Z"),
  );
});

Deno.test("logTemplate() unwraps the container JSON and masks variables", () => {
  const raw =
    '{"log":"{\\"message\\":\\"TraceID: 04c8 SpanID: 644c Query product with name 42 successfully\\",\\"severity\\":\\"info\\"}\\n","stream":"stdout"}';
  strictEqual(logTemplate(raw), "Query product with name <*> successfully");
});

Deno.test("graphFromSpans() links parent service to child service and skips same-service children", () => {
  const span = (id: string, parent: string, service: string, duration_ms: number) => ({
    trace_id: "t",
    span_id: id,
    parent_span_id: parent,
    service,
    operation: "op",
    start_ms: 0,
    duration_ms,
    is_error: false,
  });
  const g = graphFromSpans([
    span("a", "", "frontend", 10),
    span("b", "a", "frontend", 8),
    span("c", "b", "cart", 5),
    span("d", "a", "cart", 3),
  ]);
  deepStrictEqual(g.edges.map((e) => [e.caller, e.callee, e.calls, e.latency_p50_ms]), [
    ["frontend", "cart", 2, 4],
  ]);
});

Deno.test({
  name: "loadNezha() decodes the first Online Boutique case with metrics, spans, graph and labels",
  ignore: !present,
  fn: async () => {
    const ds = await loadNezha(defaultNezhaDir());
    strictEqual(ds.size, 56);
    const c = await firstOf(ds.cases());
    strictEqual(c.label.root_cause_service, "frontend");
    strictEqual(c.label.fault_type, "cpu");
    strictEqual(c.label.root_cause_indicator, "CpuUsageRate(%)");
    strictEqual(c.label.fault_start_ms, Date.parse("2022-08-22T03:53:54Z"));
    const { frame, spans, graph } = c.input;
    strictEqual(frame.step_ms, 60_000);
    strictEqual(frame.series.size, 10);
    const cpu = frame.series.get("adservice")!.get("CpuUsageRate(%)")!;
    // the first metric row (03:51:19) lands in the 03:51 window; data starts there
    const i = frame.times_ms.indexOf(Date.parse("2022-08-22T03:51:00Z"));
    strictEqual(cpu[i], 5.874943786281926);
    ok(Number.isNaN(cpu[0]), "no data before the recording starts");
    ok(spans!.length > 10_000, `spans: ${spans!.length}`);
    ok(spans!.every((s) => frame.series.has(s.service)), "span services are metric services");
    ok(graph!.edges.some((e) => e.caller === "frontend" && e.callee === "productcatalogservice"));
  },
});

Deno.test({
  name: "loadNezhaWarmup() reads the last 2 h of construct_data as a fault-free frame on the minute grid",
  ignore: !present,
  fn: async () => {
    const w = await loadNezhaWarmup(defaultNezhaDir(), { day: "2022-08-22" });
    ok(w, "no warm-up found");
    strictEqual(w.frame.step_ms, 60_000);
    strictEqual(w.frame.times_ms.length, 120);
    ok(w.frame.series.has("frontend") && w.frame.series.has("adservice"), [...w.frame.series.keys()].join());
    ok(w.frame.series.get("frontend")!.has("CpuUsageRate(%)"));
  },
});

Deno.test({
  name:
    "loadNezhaWarmup() with past takes the day before's tail (where the day starts), or the day's own first",
  ignore: !present,
  fn: async () => {
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const second = await loadNezhaWarmup(defaultNezhaDir(), { day: "2022-08-23", past: true });
    strictEqual(day(second!.frame.times_ms.at(-1)!), "2022-08-22");
    const first = await loadNezhaWarmup(defaultNezhaDir(), { day: "2022-08-22", past: true });
    strictEqual(day(first!.frame.times_ms.at(-1)!), "2022-08-22");
    const own = await loadNezhaWarmup(defaultNezhaDir(), { day: "2022-08-23" });
    strictEqual(day(own!.frame.times_ms.at(-1)!), "2022-08-23");
  },
});

Deno.test("contiguousCuts() cuts each day at the injections, every minute in one case", () => {
  const fault = (day: string, hhmmss: string) => ({
    day,
    inject_ms: Date.parse(`${day}T${hhmmss}Z`),
    pod: "frontend-a-b",
    service: "frontend",
    inject_type: "cpu_contention",
  });
  const t = (s: string) => Date.parse(`${s}Z`);
  const cuts = contiguousCuts([
    fault("2022-08-22", "03:53:54"),
    fault("2022-08-22", "04:02:07"),
    fault("2022-08-22", "04:30:00"),
    fault("2022-08-23", "12:01:25"),
  ]);
  deepStrictEqual(cuts, [
    // first of the day: history_ms before; ends at the minute after injection + 5 min (before 04:01)
    { from_ms: t("2022-08-22T03:33:00"), to_ms: t("2022-08-22T03:59:00"), first_of_day: true },
    { from_ms: t("2022-08-22T03:59:00"), to_ms: t("2022-08-22T04:08:00"), first_of_day: false },
    { from_ms: t("2022-08-22T04:08:00"), to_ms: t("2022-08-22T04:35:00"), first_of_day: false },
    { from_ms: t("2022-08-23T11:41:00"), to_ms: t("2022-08-23T12:07:00"), first_of_day: true },
  ]);
});

Deno.test("concatInputs() puts two abutting frames on one grid and rejects a gap", () => {
  const frame = (t0: number, v: number[]) => ({
    times_ms: v.map((_, i) => t0 + i * 60_000),
    step_ms: 60_000,
    series: new Map([["a", new Map([["cpu", Float64Array.from(v)]])]]),
  });
  const c = concatInputs({ frame: frame(0, [1, 2]) }, { frame: frame(120_000, [3]) });
  deepStrictEqual(c.frame.times_ms, [0, 60_000, 120_000]);
  deepStrictEqual([...c.frame.series.get("a")!.get("cpu")!], [1, 2, 3]);
  throws(() => concatInputs({ frame: frame(0, [1]) }, { frame: frame(120_000, [3]) }), RangeError);
});

Deno.test({
  name: 'loadNezha({ cut: "contiguous" }) replays every minute of a day once, warm-up first',
  ignore: !present,
  fn: async () => {
    const ds = await loadNezha(defaultNezhaDir(), { cut: "contiguous", multimodal: false });
    strictEqual(ds.warmup, undefined, "the warm-up is inside each day's first case");
    const cases = [];
    for await (const c of ds.cases()) {
      cases.push(c);
      if (cases.length === 3) break;
    }
    const [a, b, c] = cases;
    // warm-up (2 h) moved to end where the recording starts (03:51), then the day as recorded
    strictEqual(
      a.input.frame.times_ms.length,
      120 + (b.input.frame.times_ms[0] - Date.parse("2022-08-22T03:51:00Z")) / 60_000,
    );
    strictEqual(a.input.frame.times_ms.at(-1)! + 60_000, b.input.frame.times_ms[0]);
    strictEqual(b.input.frame.times_ms.at(-1)! + 60_000, c.input.frame.times_ms[0]);
    ok(
      b.input.frame.times_ms[0] < b.label.fault_start_ms &&
        b.label.fault_start_ms < c.input.frame.times_ms[0],
    );
  },
});

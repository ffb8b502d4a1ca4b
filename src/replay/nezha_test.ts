import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
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

import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import type { OfflineCase } from "../core/rca.ts";
import { maskLog, simDataset } from "./dataset.ts";

Deno.test("simDataset() yields labelled cases whose frame shows the root-cause indicator moving", async () => {
  const ds = await simDataset({
    topology: "online-boutique",
    cases: 3,
    seed: 2,
    kinds: ["cpu_hog", "memory_leak", "code_exception"],
    lead_ms: 120_000,
    fault_duration_ms: 60_000,
  });
  assertEquals([ds.kind, ds.name, ds.size], ["rca", "sim:online-boutique", 3]);
  const cases: OfflineCase[] = [];
  for await (const c of ds.cases()) cases.push(c);
  assertEquals(cases.length, 3);
  for (const { label, input } of cases) {
    const { frame } = input;
    assertEquals(frame.times_ms.length, 18); // (120 s + 60 s) / 10 s
    assertEquals(frame.times_ms[0], label.fault_start_ms - 120_000);
    const series = frame.series.get(label.root_cause_service)?.get(label.root_cause_indicator!);
    assert(series, `no ${label.root_cause_indicator} series for ${label.root_cause_service}`);
    const before = series.slice(2, 11).filter(Number.isFinite);
    const during = series.slice(14).filter(Number.isFinite);
    const avg = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
    assert(avg(during) > 1.5 * avg(before) + 1e-3, `${label.fault_type}: ${avg(before)} → ${avg(during)}`);
    assert(input.graph!.edges.some((e) => e.caller === "frontend"), "graph without frontend's calls");
    assert(
      input.spans!.length > 1000 &&
        input.spans!.every((s) => Math.abs(s.start_ms - label.fault_start_ms) <= 60_000),
    );
    assert(input.logs!.length > 5);
  }
});

Deno.test("maskLog() removes the variable parts of log lines", () => {
  assertEquals(
    maskLog("AddItemAsync called with userId=user42, productId=a3f9c1, quantity=3"),
    "AddItemAsync called with userId=<*>, productId=<*>, quantity=<*>",
  );
});

import assert from "node:assert/strict";
import { evaluateSimStream, renderSimStreamTable } from "./sim_stream.ts";

Deno.test("evaluateSimStream() detects a CPU hog through the in-process pipeline and names its service", () => {
  const r = evaluateSimStream("online-boutique", {
    cases: 1,
    seed: 5,
    kinds: ["cpu_hog"],
    warmup_ms: 600_000,
    gap_ms: 240_000,
  });
  assert.equal(r.cases, 1);
  assert.equal(r.detected, 1);
  assert.equal(r.ac_at_1, 1, JSON.stringify(r.per_case));
  assert.equal(r.fault_type_accuracy, 1, JSON.stringify(r.per_case));
  assert.ok(
    r.delay_windows_median !== null && r.delay_windows_median <= 2,
    `delay ${r.delay_windows_median}`,
  );
  assert.ok(r.false_incidents <= 1, JSON.stringify(r.false_alarms));
  assert.ok(r.records > 1000);
  assert.match(renderSimStreamTable([r]), /online-boutique\s+1\s+1\s+1\.000/);
});

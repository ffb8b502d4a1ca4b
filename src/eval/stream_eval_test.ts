import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { LabelledCase } from "../core/rca.ts";
import { defaultWindowMs, type IncidentView, matchIncidents, pagedCount } from "./stream_eval.ts";

const label = (id: string, start: number, service: string): LabelledCase => ({
  id,
  dataset: "t",
  root_cause_service: service,
  fault_start_ms: start,
  fault_end_ms: start + 180_000,
  fault_type: "cpu",
});

const inc = (id: string, revision: number, onset: number, updated: number, top: string[]): IncidentView => ({
  id,
  revision,
  onset_ms: onset,
  updated_ms: updated,
  root_causes: top.map((service, i) => ({ service, score: 10 - i, evidence: [] })),
  fault_type: "cpu",
});

Deno.test("matchIncidents() takes the earliest revision for detection and the latest for the ranking", () => {
  const labels = [label("a", 1_000_000, "cart"), label("b", 5_000_000, "pay"), label("c", 9_000_000, "x")];
  const r = matchIncidents([
    inc("i1", 2, 1_010_000, 1_050_000, ["cart", "front"]), // later revision: better ranking
    inc("i1", 1, 1_010_000, 1_030_000, ["front", "cart"]),
    inc("i2", 1, 5_020_000, 5_040_000, ["front", "pay"]),
    inc("i3", 1, 3_000_000, 3_010_000, ["front"]), // between cases: false incident
  ], labels);
  deepStrictEqual(r.outcomes.map((o) => o.ranking[0]?.service ?? null), ["cart", "front", null]);
  deepStrictEqual(r.detections.map((d) => d.detected_ms), [1_030_000, 5_040_000, null]);
  strictEqual(r.false_incidents, 1);
  strictEqual(r.outcomes[2].predicted_fault_type, null);
});

Deno.test("matchIncidents() matches on [fault_start - before, fault_end + after], open end 5 min, per tenant", () => {
  const a = label("a", 1_000_000, "cart"); // ends at 1_180_000
  const b: LabelledCase = { ...label("b", 5_000_000, "pay"), fault_end_ms: undefined };
  const r = matchIncidents(
    [
      inc("early", 1, 1_000_000 - 10_001, 1_000_000, ["cart"]), // before the tolerance: unmatched
      inc("edge", 1, 1_000_000 - 10_000, 1_000_000, ["cart"]), // on the lower edge
      inc("late", 1, 1_180_001, 1_190_000, ["cart"]), // after the fault end: unmatched
      inc("open", 1, 5_300_000, 5_300_000, ["pay"]), // no fault end: start + 5 min still matches
      { ...inc("edge", 1, 5_000_000, 5_010_000, ["pay"]), tenant: "t2" }, // same id, other tenant: distinct
    ],
    [a, b],
    { before_ms: 10_000 },
  );
  deepStrictEqual(r.incidents_per_case, [1, 2]);
  deepStrictEqual(r.unmatched.map((i) => i.id), ["early", "late"]);
  strictEqual(r.false_incidents, 2);
  deepStrictEqual(r.detections.map((d) => d.detected_ms), [1_000_000, 5_010_000]);
});

Deno.test("matchIncidents() tells the false incidents that paged (major or critical in any revision)", () => {
  const labels = [label("a", 1_000_000, "cart")];
  const r = matchIncidents([
    { ...inc("faint", 1, 3_000_000, 3_000_000, ["x"]), severity: "minor" },
    { ...inc("grew", 1, 4_000_000, 4_000_000, ["y"]), severity: "minor" },
    { ...inc("grew", 2, 4_000_000, 4_010_000, ["y"]), severity: "major" },
    { ...inc("loud", 1, 5_000_000, 5_000_000, ["z"]), severity: "critical" },
    { ...inc("real", 1, 1_010_000, 1_010_000, ["cart"]), severity: "major" },
  ], labels);
  strictEqual(r.false_incidents, 3);
  strictEqual(pagedCount(r.unmatched, r.paged), 2);
});

Deno.test("defaultWindowMs() is 10 s for 1 s rows and one sample for coarser data", () => {
  strictEqual(defaultWindowMs(1000), 10_000);
  strictEqual(defaultWindowMs(60_000), 60_000);
  strictEqual(defaultWindowMs(15_500), 16_000);
});

import { assert } from "../../tests/helpers/assert.ts";
import { sampleIncident } from "../../tests/helpers/incident_fixture.ts";
import { formatIncident } from "./incident_format.ts";

Deno.test("formatIncident() prints the templated report, or the LLM rewrite marked with its model", () => {
  const r = sampleIncident();
  const templated = formatIncident(r, { report: true, color: false });
  assert(templated.includes(`What happened: ${r.report.what_happened}`), templated);
  assert(templated.includes(`1. ${r.report.recommended_actions[0]}`), templated);
  const rewritten = formatIncident({
    ...r,
    revision: 2,
    report_rewrite: {
      model: "test-model-1",
      revision: 1,
      what_happened: "Carts ran out of CPU.",
      impact: "Orders slowed.",
      priority: "P2.",
      recommended_actions: ["Profile carts."],
    },
  }, { report: true, color: false });
  for (const s of ["(report by test-model-1)", "What happened: Carts ran out of CPU.", "1. Profile carts."]) {
    assert(rewritten.includes(s), `missing ${s} in:\n${rewritten}`);
  }
  assert(!rewritten.includes(r.report.what_happened), rewritten);
  assert(formatIncident(r, { color: false }).startsWith("2026-01-01T12:00:20.000Z MAJOR P2 inc-"));
});

Deno.test("renderReport() says a fault type the classifier was unsure of as a guess", () => {
  const sure = sampleIncident();
  assert(sure.report.title.includes("CPU exhaustion") && !sure.report.title.includes("possibly"));
  const guess = sampleIncident({ fault_confidence: 0.3 });
  assert(guess.report.title.includes("possibly CPU exhaustion"), guess.report.title);
  assert(guess.report.what_happened.includes("shows possibly CPU exhaustion"), guess.report.what_happened);
});

import assert from "node:assert/strict";
import { priorityOf, severityOf } from "./incident_report.ts";

const sev = (strength: number, affected_services: number, entry_affected = false) =>
  severityOf({ strength, affected_services, entry_affected });

Deno.test("severityOf() rates a strong anomaly by its blast radius and the entry services it reaches", () => {
  assert.equal(sev(12, 0, true), "critical");
  assert.equal(sev(12, 0), "major");
  assert.equal(sev(4, 3), "major");
  assert.equal(sev(4, 0, true), "major");
  assert.equal(sev(4, 0), "minor");
  assert.equal(sev(1.5, 0), "warning");
});

Deno.test("severityOf() does not page on a faint anomaly, however many services depend on it", () => {
  // twice the threshold on a service seven others call: worth a look, not a page
  assert.equal(sev(2, 7), "minor");
  assert.equal(sev(2, 0, true), "minor");
  assert.equal(priorityOf(sev(2, 7)), 3);
});

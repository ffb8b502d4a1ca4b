/** Incident records for tests of what consumes them (reports, rewrites, formatting). */
import type { IncidentRecord } from "../../src/incident/incident_record.ts";
import { renderReport } from "../../src/incident/incident_report.ts";

/** An incident as the tracker builds it: carts CPU, two callers in the blast radius. */
export function sampleIncident(over: Partial<IncidentRecord> = {}): IncidentRecord {
  const base: Omit<IncidentRecord, "report"> = {
    schema_version: 1,
    id: "inc-00000000000000ab",
    tenant: "default",
    status: "open",
    severity: "major",
    priority: 2,
    onset_ms: Date.UTC(2026, 0, 1, 12),
    updated_ms: Date.UTC(2026, 0, 1, 12, 0, 20),
    revision: 1,
    root_causes: [
      { service: "carts", indicator: "cpu", score: 12.345, evidence: ["cpu 0.21 -> 0.93 (z 12.3)"] },
      { service: "orders", indicator: "latency_p99", score: 3.2, evidence: ["latency_p99 40 -> 90 ms"] },
    ],
    fault_type: "cpu",
    fault_confidence: 0.8,
    fault_evidence: ["cpu rose, memory flat"],
    anomalous_services: ["carts", "orders"],
    suppressed_symptoms: ["orders"],
    blast_radius: { services: ["carts", "orders", "front-end"], operations: ["GET /carts"] },
    ...over,
  };
  return { ...base, report: renderReport(base) };
}

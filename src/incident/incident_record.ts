/** The incident record published on `vigil.incidents.{severity}` and kept in the incidents KV bucket. */
import { z } from "zod";
import { FAULT_TYPES } from "../core/rca.ts";

export const SEVERITIES = ["critical", "major", "minor", "warning"] as const;
export type Severity = typeof SEVERITIES[number];

export const incidentRecordSchema = z.strictObject({
  schema_version: z.literal(1),
  /** Deterministic: hash of tenant, root service and onset window (redelivery deduplicates). */
  id: z.string().regex(/^inc-[0-9a-f]{16}$/),
  tenant: z.string().min(1),
  status: z.enum(["open", "resolved"]),
  severity: z.enum(SEVERITIES),
  /** 1 (act now) .. 4 (look later). */
  priority: z.number().int().min(1).max(4),
  onset_ms: z.number().int(),
  updated_ms: z.number().int(),
  resolved_ms: z.number().int().optional(),
  /** Bumped on every update; consumers keep the highest. */
  revision: z.number().int().min(1),
  root_causes: z.array(z.strictObject({
    service: z.string(),
    indicator: z.string().optional(),
    score: z.number(),
    evidence: z.array(z.string()),
  })),
  fault_type: z.enum(FAULT_TYPES as unknown as [string, ...string[]]).optional(),
  fault_confidence: z.number().min(0).max(1).optional(),
  fault_evidence: z.array(z.string()),
  /** Services anomalous in this incident (root and symptoms). */
  anomalous_services: z.array(z.string()),
  /** Symptom services suppressed into this incident. */
  suppressed_symptoms: z.array(z.string()),
  blast_radius: z.strictObject({
    services: z.array(z.string()),
    operations: z.array(z.string()),
  }),
  report: z.strictObject({
    title: z.string(),
    what_happened: z.string(),
    impact: z.string(),
    priority: z.string(),
    recommended_actions: z.array(z.string()),
  }),
  /**
   * The report rewritten by the optional LLM (src/incident/report_rewriter.ts), beside the templated one:
   * same four sections, marked with the model that wrote it. Absent when none is configured or it failed.
   */
  report_rewrite: z.strictObject({
    /** The model that wrote it, as the endpoint named it. */
    model: z.string(),
    /** Revision whose root cause and fault type it describes (kept while they stay the same). */
    revision: z.number().int().min(1),
    what_happened: z.string(),
    impact: z.string(),
    priority: z.string(),
    recommended_actions: z.array(z.string()),
  }).optional(),
});

export type IncidentRecord = z.infer<typeof incidentRecordSchema>;

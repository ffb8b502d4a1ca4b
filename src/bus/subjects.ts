/**
 * Every NATS subject and stream name Vigil uses, declared once. Server-side definitions (limits, retention)
 * live in nats/streams.json; nats/README.md is the catalogue (who publishes, who consumes, which schema).
 */

export type OtlpSignal = "traces" | "metrics" | "logs";
export const OTLP_SIGNALS: readonly OtlpSignal[] = ["traces", "metrics", "logs"];

/** A tenant is one subject token: letters, digits, '_' and '-'. */
export const TENANT_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_TENANT = "default";

export const STREAMS = {
  otlp: "OTLP",
  features: "FEATURES",
  featurePartials: "FEATURE_PARTIALS",
  anomalies: "ANOMALIES",
  incidents: "INCIDENTS",
  remediation: "REMEDIATION",
  audit: "AUDIT",
  late: "LATE",
  deadLetter: "DLQ",
} as const;

export const subjects = {
  /** Raw OTLP protobuf, one Export*ServiceRequest (or a split of one) per message. */
  otlp: (signal: OtlpSignal, tenant: string = DEFAULT_TENANT) => `otlp.v1.${signal}.${tenant}`,
  otlpAll: "otlp.v1.>",
  /** Compact span summaries routed by trace id partition. */
  spans: (partition: number) => `vigil.spans.${partition}`,
  /** Partial window aggregates routed by service partition. */
  featuresPartial: (partition: number) => `vigil.features.partial.${partition}`,
  /** Reduced, final window features. */
  features: (service: string) => `vigil.features.${subjectToken(service)}`,
  featuresAll: "vigil.features.*",
  graph: (kind: string) => `vigil.graph.${kind}`,
  anomalies: (service: string) => `vigil.anomalies.${subjectToken(service)}`,
  incidents: (severity: string) => `vigil.incidents.${severity}`,
  remediationCommand: (action: string) => `vigil.remediation.commands.${action}`,
  remediationResult: (action: string) => `vigil.remediation.results.${action}`,
  audit: (kind: string) => `vigil.audit.${kind}`,
  late: (kind: string) => `vigil.late.${kind}`,
  deadLetter: (stream: string) => `vigil.dlq.${stream}`,
} as const;

/**
 * Maps an arbitrary name (a service, say) to one subject token: characters outside [A-Za-z0-9_-] become
 * '_' (so '.', '*', '>' and spaces cannot split or wildcard a subject). Deterministic, not reversible.
 */
export function subjectToken(name: string): string {
  const t = name.replace(/[^A-Za-z0-9_-]/g, "_");
  return t.length === 0 ? "_" : t;
}

/**
 * The readable report of an incident, from templates, in the shape of TAMO's expert agent: what happened,
 * the impact, the priority and the recommended actions. Deterministic; an optional LLM may rewrite it
 * downstream (report_rewriter.ts stores the rewrite beside this one), never required.
 */
import type { FaultType } from "../core/rca.ts";
import type { IncidentRecord, Severity } from "./incident_record.ts";

const ACTIONS: Record<FaultType, string[]> = {
  cpu: [
    "Check for a runaway process or a hot loop in {service} (profile it, compare with the last deploy).",
    "Scale {service} out or raise its CPU limit if the load is legitimate.",
    "Look for noisy neighbours on the same node (CPU contention).",
  ],
  memory: [
    "Inspect {service}'s heap / RSS growth for a leak; compare with the last deploy.",
    "Restart the affected {service} instances if memory is near the limit, then raise the limit or fix the leak.",
  ],
  network_delay: [
    "Check the network path to and from {service} (latency between pods / nodes, CNI, service mesh).",
    "Move or restart {service}'s pod if one node's network is degraded.",
  ],
  packet_loss: [
    "Check for packet loss or retransmissions on {service}'s node and links.",
    "Drain the node hosting {service} if the loss is local to it.",
  ],
  disk: [
    "Check {service}'s disk usage and I/O wait; free space or move to faster storage.",
  ],
  pod_failure: [
    "Check {service}'s pod status, restarts and events (OOMKilled, CrashLoopBackOff, failed probes).",
    "Make sure enough healthy replicas of {service} are running.",
  ],
  code_return: [
    "A code defect in {service} returns wrong results: roll back its latest release.",
    "Compare {service}'s responses and logs before and after the onset to find the faulty path.",
  ],
  code_exception: [
    "A code defect in {service} raises exceptions: roll back its latest release.",
    "Read the new exception logs of {service} for the failing code path.",
  ],
};

const FAULT_WORDS: Record<FaultType, string> = {
  cpu: "CPU exhaustion",
  memory: "memory pressure",
  network_delay: "network delay",
  packet_loss: "packet loss",
  disk: "disk pressure",
  pod_failure: "a pod failure",
  code_return: "a code defect (wrong return values)",
  code_exception: "a code defect (exceptions)",
};

const PRIORITY_WORDS: Record<number, string> = {
  1: "P1: act now, users are affected",
  2: "P2: act within the hour",
  3: "P3: act today",
  4: "P4: review when convenient",
};

/** Fault-type confidence below which the report calls the type a guess (the classifier's fallback is 0.3). */
const UNSURE_BELOW = 0.4;

export function renderReport(
  record: Omit<IncidentRecord, "report">,
): IncidentRecord["report"] {
  const top = record.root_causes[0];
  const service = top?.service ?? "an unknown service";
  const ft = record.fault_type as FaultType | undefined;
  // a fault type that barely beat the next one (or a fallback on the indicator's name) is said as a guess
  const unsure = (record.fault_confidence ?? 1) < UNSURE_BELOW;
  const cause = ft ? `${unsure ? "possibly " : ""}${FAULT_WORDS[ft]}` : "an undetermined fault";
  const indicator = top?.indicator ? ` (indicator: ${top.indicator})` : "";
  const onset = new Date(record.onset_ms).toISOString();
  const others = record.root_causes.slice(1, 3).map((c) => c.service);
  const what = `${onset}: ${service} shows ${cause}${indicator}. ` +
    (top?.evidence.length ? `Evidence: ${top.evidence.slice(0, 3).join("; ")}. ` : "") +
    (record.fault_evidence.length
      ? `Fault type because: ${record.fault_evidence.slice(0, 3).join("; ")}. `
      : "") +
    (others.length ? `Less likely causes: ${others.join(", ")}.` : "");
  const affected = record.blast_radius.services.filter((s) => s !== service);
  const impact = affected.length > 0
    ? `${affected.length} other service(s) depend on ${service}: ${affected.join(", ")}.` +
      (record.suppressed_symptoms.length
        ? ` Symptoms already seen on ${record.suppressed_symptoms.join(", ")}.`
        : "")
    : `No other service is known to depend on ${service}.`;
  const actions =
    (ft ? ACTIONS[ft] : ["Inspect {service}'s recent changes, metrics and logs around the onset."])
      .map((a) => a.replaceAll("{service}", service));
  if (record.status === "resolved") {
    actions.unshift("Resolved: confirm recovery and write the post-incident note.");
  }
  return {
    title: `[${record.severity.toUpperCase()}] ${cause} in ${service}`,
    what_happened: what.trim(),
    impact,
    priority: PRIORITY_WORDS[record.priority],
    recommended_actions: actions,
  };
}

/** A report as plain text in its four sections (what the LLM rewrite is given, see report_llm.ts). */
export function reportText(report: IncidentRecord["report"]): string {
  return [
    report.title,
    `What happened: ${report.what_happened}`,
    `Impact: ${report.impact}`,
    `Priority: ${report.priority}`,
    "Recommended actions:",
    ...report.recommended_actions.map((a, i) => `${i + 1}. ${a}`),
  ].join("\n");
}

/**
 * Severity from the anomaly strength (score over threshold) and the blast radius. A wide blast radius
 * raises a clear anomaly, not a faint one: evidence barely past the threshold (strength below
 * {@link CLEAR_STRENGTH}) on a service many depend on is worth a look (minor), not a page.
 */
export function severityOf(
  options: { strength: number; affected_services: number; entry_affected: boolean },
): Severity {
  const { strength, affected_services, entry_affected } = options;
  const clear = strength >= CLEAR_STRENGTH;
  if (entry_affected && strength >= 10) return "critical";
  if (strength >= 10 || (clear && (affected_services >= 3 || entry_affected))) return "major";
  if (clear || affected_services >= 1 || entry_affected) return "minor";
  return "warning";
}

/** Strength (anomaly score over its threshold) from which an anomaly counts as clear. */
export const CLEAR_STRENGTH = 3;

export function priorityOf(severity: Severity): number {
  return { critical: 1, major: 2, minor: 3, warning: 4 }[severity];
}

/** Terminal rendering of incident records (the tail task and the demo). */
import type { IncidentRecord } from "./incident_record.ts";

const COLOR = { critical: "\x1b[41;97m", major: "\x1b[31m", minor: "\x1b[33m", warning: "\x1b[36m" } as const;

export function formatIncident(
  r: IncidentRecord,
  options: { report?: boolean; color?: boolean } = {},
): string {
  const color = options.color ?? !Deno.noColor;
  const sev = color ? `${COLOR[r.severity]}${r.severity.toUpperCase()}\x1b[0m` : r.severity.toUpperCase();
  const top = r.root_causes[0];
  const when = new Date(r.status === "resolved" ? r.resolved_ms ?? r.updated_ms : r.updated_ms).toISOString();
  const head = `${when} ${sev} P${r.priority} ${r.id} ${r.status} r${r.revision}: ` +
    `root cause ${top ? `${top.service}${top.indicator ? ` (${top.indicator})` : ""}` : "unknown"}` +
    `${r.fault_type ? `, ${r.fault_type}` : ""}; ${r.anomalous_services.length} service(s) affected`;
  if (!options.report) return head;
  // the LLM's rewrite when there is one (incidents.report_llm), else the templated report
  const report = r.report_rewrite ?? r.report;
  const lines = [
    head,
    `  ${r.report.title}${r.report_rewrite ? ` (report by ${r.report_rewrite.model})` : ""}`,
    `  What happened: ${report.what_happened}`,
    `  Impact: ${report.impact}`,
    `  Priority: ${report.priority}`,
    `  Ranked causes: ${
      r.root_causes.map((c) => `${c.service}${c.indicator ? `:${c.indicator}` : ""} (${c.score.toFixed(2)})`)
        .join(", ")
    }`,
    ...report.recommended_actions.map((a, i) => `  ${i === 0 ? "Actions: " : "         "}${i + 1}. ${a}`),
  ];
  return lines.join("\n");
}

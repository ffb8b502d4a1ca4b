/**
 * The client of the optional LLM that rewrites an incident's templated report: one POST to an
 * OpenAI-compatible `{url}/chat/completions` (OpenAI, vLLM, Ollama's /v1, llama.cpp server, LiteLLM...).
 *
 * The prompt hands over the structured incident (root causes with their evidence, fault type, blast
 * radius, severity and priority) and the templated report, and asks for the same four sections (what
 * happened, impact, priority, recommended actions) in plain text. The answer is accepted only when all four
 * come back non-empty; the diagnosis itself is never taken from the model (the caller stores the rewrite
 * beside the structured fields, see report_rewriter.ts).
 *
 * Every failure rejects with a ReportLlmError whose `reason` the caller counts: `timeout` (no complete
 * answer within `timeout_ms`, body included), `http` (non-2xx), `network` (no connection), `malformed`
 * (not the chat-completions JSON, or sections missing), `empty` (no text), `aborted` (the caller's signal).
 */
import type { IncidentRecord } from "./incident_record.ts";
import { reportText } from "./incident_report.ts";

export interface ReportLlmOptions {
  /** Base URL of the API (the part before `/chat/completions`), e.g. `http://127.0.0.1:11434/v1`. */
  url: string;
  /** Model name sent in the request. */
  model: string;
  /** Sent as `Authorization: Bearer <api_key>` when set. */
  api_key?: string;
  /** Budget for the whole exchange, answer body included, ms. @default 30000 */
  timeout_ms?: number;
  /** Longest answer, tokens. @default 800 */
  max_tokens?: number;
  /** Aborts the request (shutdown). */
  signal?: AbortSignal;
}

/** A rewritten report, in the shape of IncidentRecord["report_rewrite"]. */
export type ReportRewrite = NonNullable<IncidentRecord["report_rewrite"]>;

export type ReportLlmFailure = "timeout" | "http" | "network" | "malformed" | "empty" | "aborted";

/** The endpoint gave no usable rewrite; callers keep the templated report and count `reason`. */
export class ReportLlmError extends Error {
  constructor(readonly reason: ReportLlmFailure, message: string) {
    super(message);
    this.name = "ReportLlmError";
  }
}

/** The chat messages asking for a rewrite of `record`'s report. */
export function reportPrompt(record: IncidentRecord): { role: "system" | "user"; content: string }[] {
  const facts = {
    id: record.id,
    status: record.status,
    severity: record.severity,
    priority: `P${record.priority}`,
    onset: new Date(record.onset_ms).toISOString(),
    ...(record.resolved_ms !== undefined ? { resolved: new Date(record.resolved_ms).toISOString() } : {}),
    root_causes_ranked: record.root_causes.map((c) => ({
      service: c.service,
      ...(c.indicator ? { indicator: c.indicator } : {}),
      score: Number(c.score.toPrecision(3)),
      evidence: c.evidence.slice(0, 5),
    })),
    fault_type: record.fault_type ?? "undetermined",
    ...(record.fault_confidence !== undefined
      ? { fault_confidence: Number(record.fault_confidence.toFixed(2)) }
      : {}),
    fault_evidence: record.fault_evidence.slice(0, 5),
    blast_radius: {
      services: capped(record.blast_radius.services, 30),
      operations: capped(record.blast_radius.operations, 30),
    },
    symptom_services: capped(record.suppressed_symptoms, 30),
  };
  return [
    {
      role: "system",
      content: "You write incident reports for the on-call engineers of a microservice system. " +
        "Rewrite the report you are given so that it reads clearly and briefly to a human. " +
        "Use only the facts given: never invent services, metrics, numbers, causes or commands. " +
        "The diagnosis (root cause, fault type, priority) is decided: do not change it. " +
        "Answer in plain text with exactly four sections, each starting on its own line with its heading: " +
        "'What happened:', 'Impact:', 'Priority:', 'Recommended actions:' (the actions as a numbered list, " +
        "most urgent first). Nothing before the first heading or after the last action.",
    },
    {
      role: "user",
      content: `Incident (structured):\n${JSON.stringify(facts, null, 2)}\n\n` +
        `Templated report:\n${reportText(record.report)}`,
    },
  ];
}

/**
 * Asks the endpoint to rewrite `record`'s report. Resolves with the four sections, marked with the model
 * the endpoint says answered (else the one asked for) and `record.revision`; rejects with a
 * ReportLlmError, never anything else.
 */
export async function rewriteReport(
  record: IncidentRecord,
  options: ReportLlmOptions,
): Promise<ReportRewrite> {
  const timeout_ms = options.timeout_ms ?? 30_000;
  const endpoint = `${options.url.replace(/\/+$/, "")}/chat/completions`;
  const timeout = AbortSignal.timeout(timeout_ms);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let body: unknown;
  try {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.api_key ? { authorization: `Bearer ${options.api_key}` } : {}),
      },
      body: JSON.stringify({
        model: options.model,
        messages: reportPrompt(record),
        max_tokens: options.max_tokens ?? 800,
        stream: false,
      }),
      signal,
    });
    if (!res.ok) {
      const text = (await res.text()).replace(/\s+/g, " ").slice(0, 200);
      throw new ReportLlmError("http", `${endpoint} answered HTTP ${res.status}${text ? `: ${text}` : ""}`);
    }
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      throw new ReportLlmError(
        "malformed",
        `${endpoint} answered with a body that is not JSON: "${text.slice(0, 80)}"`,
      );
    }
  } catch (e) {
    if (e instanceof ReportLlmError) throw e;
    if (timeout.aborted) {
      throw new ReportLlmError("timeout", `${endpoint} gave no complete answer within ${timeout_ms} ms`);
    }
    if (options.signal?.aborted) throw new ReportLlmError("aborted", `request to ${endpoint} aborted`);
    throw new ReportLlmError("network", `cannot reach ${endpoint}: ${(e as Error).message}`);
  }
  const answer = (body as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0]?.message
    ?.content;
  if (answer === null || answer === "") {
    throw new ReportLlmError("empty", `${endpoint} answered with no text`);
  }
  if (typeof answer !== "string") {
    throw new ReportLlmError(
      "malformed",
      `${endpoint} answered JSON without choices[0].message.content as a string`,
    );
  }
  const sections = parseReportSections(answer);
  if (!sections) throw new ReportLlmError("empty", `${endpoint} answered with no text`);
  const missing = (Object.keys(HEADINGS) as (keyof typeof HEADINGS)[])
    .filter((k) => sections[k].length === 0).map((k) => HEADINGS[k]);
  if (missing.length > 0) {
    throw new ReportLlmError(
      "malformed",
      `${endpoint} answered without the section(s) ${missing.join(", ")}: "${answer.slice(0, 80)}"`,
    );
  }
  const named = (body as { model?: unknown }).model;
  return {
    model: typeof named === "string" && named.length > 0 ? named : options.model,
    revision: record.revision,
    what_happened: sections.what_happened.join(" "),
    impact: sections.impact.join(" "),
    priority: sections.priority.join(" "),
    recommended_actions: sections.recommended_actions,
  };
}

const HEADINGS = {
  what_happened: "What happened",
  impact: "Impact",
  priority: "Priority",
  recommended_actions: "Recommended actions",
} as const;

// A heading line: optional markdown (#, a list number, bold), the heading (maybe with a parenthesis), then a
// colon, a closing bold or the end of the line, then maybe the section's first text ("Impact: ...").
const HEADING_RE =
  /^\s*(?:#{1,6}\s*)?(?:\d+[.)]\s*)?(?:\*\*|__)?\s*(what happened|impact|priority|recommended actions)(?:\s*\([^)]*\))?\s*(?::\s*(?:\*\*|__)?|(?:\*\*|__)\s*:?|$)\s*(.*)$/i;
const BULLET_RE = /^\s*(?:[-*•]|\d+[.)])\s+/;

/**
 * Splits a plain-text answer into the four sections (lines, trimmed, list markers dropped from actions).
 * Reasoning blocks (`<think>...</think>`) are ignored. Undefined when the answer has no text at all.
 */
export function parseReportSections(
  answer: string,
): Record<keyof typeof HEADINGS, string[]> | undefined {
  const text = answer.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  if (text.length === 0) return undefined;
  const out: Record<keyof typeof HEADINGS, string[]> = {
    what_happened: [],
    impact: [],
    priority: [],
    recommended_actions: [],
  };
  const byHeading = new Map(
    Object.entries(HEADINGS).map(([k, h]) => [h.toLowerCase(), k as keyof typeof HEADINGS]),
  );
  let current: keyof typeof HEADINGS | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = HEADING_RE.exec(line);
    if (m) current = byHeading.get(m[1].toLowerCase());
    const rest = (m ? m[2] : line).replace(/\*\*|__/g, "").trim();
    if (!current || rest.length === 0) continue;
    out[current].push(current === "recommended_actions" ? rest.replace(BULLET_RE, "") : rest);
  }
  return out;
}

function capped(xs: readonly string[], n: number): string[] {
  return xs.length <= n ? [...xs] : [...xs.slice(0, n), `... and ${xs.length - n} more`];
}

/**
 * Where simulated OTLP goes. A sink takes one encoded Export*ServiceRequest at a time and resolves once the
 * far side has it (HTTP 200 from the receiver, or JetStream's PubAck). Contract: `send` may be called
 * concurrently; it throws only after its retries are spent (the message names the target and why);
 * `close` is safe to call twice.
 */
import type { OtlpSignal } from "../bus/subjects.ts";
import type { OtlpEncoder } from "./simulation.ts";

export interface SinkCounters {
  messages: number;
  bytes: number;
  retries: number;
}

export interface OtlpSink extends AsyncDisposable {
  readonly target: string;
  /** The largest message the sink accepts in one piece (bigger requests are split before send). */
  readonly max_message_bytes: number;
  readonly counters: SinkCounters;
  /** `msg_id` is deterministic for a run (the NATS sink sets it as Nats-Msg-Id for deduplication). */
  send(signal: OtlpSignal, bytes: Uint8Array, options: { msg_id: string }): Promise<void>;
  close(): Promise<void>;
}

type ResourceList = { resourceSpans?: unknown[]; resourceMetrics?: unknown[]; resourceLogs?: unknown[] };

const LIST_KEY: Record<OtlpSignal, "resourceSpans" | "resourceMetrics" | "resourceLogs"> = {
  traces: "resourceSpans",
  metrics: "resourceMetrics",
  logs: "resourceLogs",
};
const ITEM_KEYS: Record<OtlpSignal, [string, string]> = {
  traces: ["scopeSpans", "spans"],
  metrics: ["scopeMetrics", "metrics"],
  logs: ["scopeLogs", "logRecords"],
};

/**
 * Encodes a request, splitting it (by resource, then by items inside one resource) until every part is at
 * most `max_bytes`. A single item larger than that is returned alone, for the sink to reject.
 */
export function encodeWithin(
  signal: OtlpSignal,
  request: object,
  options: { encoder: OtlpEncoder; max_bytes: number },
): Uint8Array[] {
  const bytes = options.encoder(signal, request);
  if (bytes.length <= options.max_bytes) return [bytes];
  const key = LIST_KEY[signal];
  const list = (request as ResourceList)[key] ?? [];
  if (list.length > 1) {
    const mid = list.length >> 1;
    return [
      ...encodeWithin(signal, { [key]: list.slice(0, mid) }, options),
      ...encodeWithin(signal, { [key]: list.slice(mid) }, options),
    ];
  }
  if (list.length === 1) {
    const [scopeKey, itemKey] = ITEM_KEYS[signal];
    // deno-lint-ignore no-explicit-any
    const res = list[0] as any;
    const scopes = res[scopeKey] as Record<string, unknown[]>[];
    const total = scopes.reduce((n, s) => n + s[itemKey].length, 0);
    if (total > 1) {
      // Split the items of the (single) scope list in half, keeping scope order.
      const first: Record<string, unknown>[] = [];
      const second: Record<string, unknown>[] = [];
      let seen = 0;
      for (const s of scopes) {
        const items = s[itemKey];
        const take = Math.max(0, Math.min(items.length, (total >> 1) - seen));
        if (take > 0) first.push({ ...s, [itemKey]: items.slice(0, take) });
        if (take < items.length) second.push({ ...s, [itemKey]: items.slice(take) });
        seen += items.length;
      }
      return [
        ...encodeWithin(signal, { [key]: [{ ...res, [scopeKey]: first }] }, options),
        ...encodeWithin(signal, { [key]: [{ ...res, [scopeKey]: second }] }, options),
      ];
    }
  }
  return [bytes];
}

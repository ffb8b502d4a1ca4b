/**
 * Item-level edits of OTLP requests, for the rare paths: dropping items with invalid ids (they are
 * rejected through partial_success) and splitting a request too large for one NATS message.
 * Both work on protobufjs messages (see codec.ts); the hot path never comes here.
 */
import type protobuf from "protobufjs";
import { decodeOtlpMessage, encodeOtlpMessage, type OtlpSignal, otlpType } from "./codec.ts";

// deno-lint-ignore no-explicit-any
type Msg = any;

/** Per signal: the request's resource list, the resource's scope list, the scope's item list. */
const PATH: Record<OtlpSignal, [string, string, string]> = {
  traces: ["resourceSpans", "scopeSpans", "spans"],
  metrics: ["resourceMetrics", "scopeMetrics", "metrics"],
  logs: ["resourceLogs", "scopeLogs", "logRecords"],
};

const REQUEST: Record<OtlpSignal, string> = {
  traces: "ExportTraceServiceRequest",
  metrics: "ExportMetricsServiceRequest",
  logs: "ExportLogsServiceRequest",
};

function len(b: Uint8Array | undefined | null): number {
  return b ? b.length : 0;
}
function zero(b: Uint8Array | undefined | null): boolean {
  return !b || b.every((x) => x === 0);
}

function spanValid(s: Msg): boolean {
  const p = len(s.parentSpanId);
  return len(s.traceId) === 16 && !zero(s.traceId) && len(s.spanId) === 8 && !zero(s.spanId) &&
    (p === 0 || p === 8);
}
function logValid(l: Msg): boolean {
  const t = len(l.traceId), s = len(l.spanId);
  return (t === 0 || t === 16) && (s === 0 || s === 8);
}

/**
 * Removes spans and log records whose ids are invalid (the same rules as wire.ts's scan), in place.
 * Metrics have no ids: nothing is removed. Returns how many items were removed.
 */
export function dropInvalidItems(signal: OtlpSignal, request: protobuf.Message): number {
  if (signal === "metrics") return 0;
  const valid = signal === "traces" ? spanValid : logValid;
  const [r, s, i] = PATH[signal];
  let removed = 0;
  for (const res of (request as Msg)[r] ?? []) {
    for (const scope of res[s] ?? []) {
      const before = scope[i]?.length ?? 0;
      scope[i] = (scope[i] ?? []).filter(valid);
      removed += before - scope[i].length;
    }
  }
  return removed;
}

/** Counts the items of a request message (spans, data points, log records). */
export function countItems(signal: OtlpSignal, request: protobuf.Message): number {
  const [r, s, i] = PATH[signal];
  let n = 0;
  for (const res of (request as Msg)[r] ?? []) {
    for (const scope of res[s] ?? []) {
      for (const item of scope[i] ?? []) n += signal === "metrics" ? metricPoints(item) : 1;
    }
  }
  return n;
}

function metricPoints(m: Msg): number {
  const d = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
  return d?.dataPoints?.length ?? 0;
}

/**
 * Splits an encoded request into encoded requests of at most `max_bytes` each, keeping every item once
 * with its resource and scope. Whole top-level resource entries are packed greedily by byte range
 * (`resource_ranges` from scanOtlp, pairs of [start, end)); an entry larger than the cap is decoded and
 * halved by items until each half fits. Throws RangeError when a single item is larger than the cap.
 */
export function splitRequest(
  signal: OtlpSignal,
  bytes: Uint8Array,
  options: { max_bytes: number; resource_ranges: readonly number[] },
): Uint8Array[] {
  const { max_bytes, resource_ranges } = options;
  if (bytes.length <= max_bytes) return [bytes];
  const out: Uint8Array[] = [];
  let chunk: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    out.push(concat(chunk, size));
    chunk = [];
    size = 0;
  };
  for (let k = 0; k < resource_ranges.length; k += 2) {
    const part = bytes.subarray(resource_ranges[k], resource_ranges[k + 1]);
    if (part.length > max_bytes) {
      flush();
      out.push(...splitOversized(signal, decodeOtlpMessage(signal, part), max_bytes));
      continue;
    }
    if (size + part.length > max_bytes) flush();
    chunk.push(part);
    size += part.length;
  }
  flush();
  return out;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface ItemRef {
  res: number;
  scope: number;
  item: Msg;
}

function splitOversized(signal: OtlpSignal, request: protobuf.Message, max: number): Uint8Array[] {
  const [r, s, i] = PATH[signal];
  const resources: Msg[] = (request as Msg)[r] ?? [];
  const refs: ItemRef[] = [];
  resources.forEach((res, ri) =>
    (res[s] ?? []).forEach((scope: Msg, si: number) =>
      (scope[i] ?? []).forEach((item: Msg) => refs.push({ res: ri, scope: si, item }))
    )
  );
  const type = otlpType(REQUEST[signal]);
  const build = (slice: ItemRef[]): Uint8Array => {
    const byRes = new Map<number, Map<number, Msg[]>>();
    for (const ref of slice) {
      let scopes = byRes.get(ref.res);
      if (!scopes) byRes.set(ref.res, scopes = new Map());
      let items = scopes.get(ref.scope);
      if (!items) scopes.set(ref.scope, items = []);
      items.push(ref.item);
    }
    const req: Msg = type.create({});
    req[r] = [...byRes].map(([ri, scopes]) => ({
      ...resources[ri],
      [s]: [...scopes].map(([si, items]) => ({ ...resources[ri][s][si], [i]: items })),
    }));
    return encodeOtlpMessage(signal, req);
  };
  const out: Uint8Array[] = [];
  const go = (slice: ItemRef[]) => {
    const encoded = build(slice);
    if (encoded.length <= max) return void out.push(encoded);
    if (slice.length === 1) {
      throw new RangeError(
        `Cannot split the OTLP ${signal} request as one item is ${encoded.length} bytes: the cap is ${max}`,
      );
    }
    const mid = slice.length >> 1;
    go(slice.slice(0, mid));
    go(slice.slice(mid));
  };
  go(refs);
  return out;
}

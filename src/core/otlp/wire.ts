/**
 * A validating scan of OTLP protobuf requests over the raw bytes, with no decoding into objects.
 *
 * `scanOtlp()` walks every message the OTLP schema declares (unknown fields are skipped, as protobuf
 * requires for forward compatibility), checks the wire format (varints terminate, lengths stay inside
 * their parent, wire types match the schema), counts the signal's items (spans, data points, log
 * records) and checks their ids. It throws {@link OtlpWireError} for malformed input and reports invalid
 * items, which callers reject through partial_success. Cost: one pass, no allocation per field.
 */
import type { OtlpSignal } from "./codec.ts";

export class OtlpWireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`Malformed OTLP protobuf at byte ${offset}: ${message}`);
    this.name = "OtlpWireError";
  }
}

/** Field layout of one message: expected wire type per field number, and nested message layouts. */
interface MsgSpec {
  readonly name: string;
  /** index = field number; undefined = unknown (skipped) */
  readonly wire: (number | undefined)[];
  /** numeric repeated fields may also come packed (wire type 2) */
  readonly packable: boolean[];
  readonly child: (MsgSpec | undefined)[];
  /** string fields, whose bytes must be valid UTF-8 (proto3) */
  readonly utf8: boolean[];
  /** what this message is for the signal's item count and id checks */
  item?: "span" | "point" | "log";
}

const VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

function spec(name: string): MsgSpec {
  return { name, wire: [], packable: [], child: [], utf8: [] };
}
function str(m: MsgSpec, ...ns: number[]): void {
  for (const n of ns) (m.wire[n] = LEN), (m.utf8[n] = true);
}
function field(m: MsgSpec, n: number, wire: number, child?: MsgSpec, packable = false): void {
  m.wire[n] = wire;
  m.child[n] = child;
  m.packable[n] = packable;
}

// ---- the OTLP schema as wire layouts (kept in step with otlp_proto.ts; otlp_wire_test.ts checks it)
const AnyValue = spec("AnyValue");
const ArrayValue = spec("ArrayValue");
const KeyValueList = spec("KeyValueList");
const KeyValue = spec("KeyValue");
str(AnyValue, 1);
field(AnyValue, 2, VARINT);
field(AnyValue, 3, VARINT);
field(AnyValue, 4, I64);
field(AnyValue, 5, LEN, ArrayValue);
field(AnyValue, 6, LEN, KeyValueList);
field(AnyValue, 7, LEN);
field(ArrayValue, 1, LEN, AnyValue);
field(KeyValueList, 1, LEN, KeyValue);
str(KeyValue, 1);
field(KeyValue, 2, LEN, AnyValue);
const Scope = spec("InstrumentationScope");
str(Scope, 1, 2);
field(Scope, 3, LEN, KeyValue);
field(Scope, 4, VARINT);
const Resource = spec("Resource");
field(Resource, 1, LEN, KeyValue);
field(Resource, 2, VARINT);

function resourceAndScope(resourceMsg: MsgSpec, scopeMsg: MsgSpec, items: MsgSpec, itemField: number) {
  field(resourceMsg, 1, LEN, Resource);
  field(resourceMsg, 2, LEN, scopeMsg);
  str(resourceMsg, 3);
  field(scopeMsg, 1, LEN, Scope);
  field(scopeMsg, itemField, LEN, items);
  str(scopeMsg, 3);
}

// traces
const Status = spec("Status");
str(Status, 2);
field(Status, 3, VARINT);
const SpanEvent = spec("Span.Event");
field(SpanEvent, 1, I64);
str(SpanEvent, 2);
field(SpanEvent, 3, LEN, KeyValue);
field(SpanEvent, 4, VARINT);
const SpanLink = spec("Span.Link");
field(SpanLink, 1, LEN);
field(SpanLink, 2, LEN);
str(SpanLink, 3);
field(SpanLink, 4, LEN, KeyValue);
field(SpanLink, 5, VARINT);
field(SpanLink, 6, I32);
const Span = spec("Span");
Span.item = "span";
for (const n of [1, 2, 4]) field(Span, n, LEN);
str(Span, 3, 5);
field(Span, 6, VARINT);
field(Span, 7, I64);
field(Span, 8, I64);
field(Span, 9, LEN, KeyValue);
field(Span, 10, VARINT);
field(Span, 11, LEN, SpanEvent);
field(Span, 12, VARINT);
field(Span, 13, LEN, SpanLink);
field(Span, 14, VARINT);
field(Span, 15, LEN, Status);
field(Span, 16, I32);
const ScopeSpans = spec("ScopeSpans");
const ResourceSpans = spec("ResourceSpans");
resourceAndScope(ResourceSpans, ScopeSpans, Span, 2);
const TraceRequest = spec("ExportTraceServiceRequest");
field(TraceRequest, 1, LEN, ResourceSpans);

// metrics
const Exemplar = spec("Exemplar");
field(Exemplar, 7, LEN, KeyValue);
field(Exemplar, 2, I64);
field(Exemplar, 3, I64);
field(Exemplar, 4, LEN);
field(Exemplar, 5, LEN);
field(Exemplar, 6, I64);
const NumberDataPoint = spec("NumberDataPoint");
NumberDataPoint.item = "point";
field(NumberDataPoint, 7, LEN, KeyValue);
field(NumberDataPoint, 2, I64);
field(NumberDataPoint, 3, I64);
field(NumberDataPoint, 4, I64);
field(NumberDataPoint, 6, I64);
field(NumberDataPoint, 5, LEN, Exemplar);
field(NumberDataPoint, 8, VARINT);
const HistogramDataPoint = spec("HistogramDataPoint");
HistogramDataPoint.item = "point";
field(HistogramDataPoint, 9, LEN, KeyValue);
field(HistogramDataPoint, 2, I64);
field(HistogramDataPoint, 3, I64);
field(HistogramDataPoint, 4, I64);
field(HistogramDataPoint, 5, I64);
field(HistogramDataPoint, 6, I64, undefined, true);
field(HistogramDataPoint, 7, I64, undefined, true);
field(HistogramDataPoint, 8, LEN, Exemplar);
field(HistogramDataPoint, 10, VARINT);
field(HistogramDataPoint, 11, I64);
field(HistogramDataPoint, 12, I64);
const Buckets = spec("ExponentialHistogramDataPoint.Buckets");
field(Buckets, 1, VARINT);
field(Buckets, 2, VARINT, undefined, true);
const ExpDataPoint = spec("ExponentialHistogramDataPoint");
ExpDataPoint.item = "point";
field(ExpDataPoint, 1, LEN, KeyValue);
field(ExpDataPoint, 2, I64);
field(ExpDataPoint, 3, I64);
field(ExpDataPoint, 4, I64);
field(ExpDataPoint, 5, I64);
field(ExpDataPoint, 6, VARINT);
field(ExpDataPoint, 7, I64);
field(ExpDataPoint, 8, LEN, Buckets);
field(ExpDataPoint, 9, LEN, Buckets);
field(ExpDataPoint, 10, VARINT);
field(ExpDataPoint, 11, LEN, Exemplar);
field(ExpDataPoint, 12, I64);
field(ExpDataPoint, 13, I64);
field(ExpDataPoint, 14, I64);
const ValueAtQuantile = spec("SummaryDataPoint.ValueAtQuantile");
field(ValueAtQuantile, 1, I64);
field(ValueAtQuantile, 2, I64);
const SummaryDataPoint = spec("SummaryDataPoint");
SummaryDataPoint.item = "point";
field(SummaryDataPoint, 7, LEN, KeyValue);
field(SummaryDataPoint, 2, I64);
field(SummaryDataPoint, 3, I64);
field(SummaryDataPoint, 4, I64);
field(SummaryDataPoint, 5, I64);
field(SummaryDataPoint, 6, LEN, ValueAtQuantile);
field(SummaryDataPoint, 8, VARINT);
const Gauge = spec("Gauge");
field(Gauge, 1, LEN, NumberDataPoint);
const Sum = spec("Sum");
field(Sum, 1, LEN, NumberDataPoint);
field(Sum, 2, VARINT);
field(Sum, 3, VARINT);
const Histogram = spec("Histogram");
field(Histogram, 1, LEN, HistogramDataPoint);
field(Histogram, 2, VARINT);
const ExpHistogram = spec("ExponentialHistogram");
field(ExpHistogram, 1, LEN, ExpDataPoint);
field(ExpHistogram, 2, VARINT);
const Summary = spec("Summary");
field(Summary, 1, LEN, SummaryDataPoint);
const Metric = spec("Metric");
str(Metric, 1, 2, 3);
field(Metric, 5, LEN, Gauge);
field(Metric, 7, LEN, Sum);
field(Metric, 9, LEN, Histogram);
field(Metric, 10, LEN, ExpHistogram);
field(Metric, 11, LEN, Summary);
field(Metric, 12, LEN, KeyValue);
const ScopeMetrics = spec("ScopeMetrics");
const ResourceMetrics = spec("ResourceMetrics");
resourceAndScope(ResourceMetrics, ScopeMetrics, Metric, 2);
const MetricsRequest = spec("ExportMetricsServiceRequest");
field(MetricsRequest, 1, LEN, ResourceMetrics);

// logs
const LogRecord = spec("LogRecord");
LogRecord.item = "log";
field(LogRecord, 1, I64);
field(LogRecord, 11, I64);
field(LogRecord, 2, VARINT);
str(LogRecord, 3);
field(LogRecord, 5, LEN, AnyValue);
field(LogRecord, 6, LEN, KeyValue);
field(LogRecord, 7, VARINT);
field(LogRecord, 8, I32);
field(LogRecord, 9, LEN);
field(LogRecord, 10, LEN);
str(LogRecord, 12);
const ScopeLogs = spec("ScopeLogs");
const ResourceLogs = spec("ResourceLogs");
resourceAndScope(ResourceLogs, ScopeLogs, LogRecord, 2);
const LogsRequest = spec("ExportLogsServiceRequest");
field(LogsRequest, 1, LEN, ResourceLogs);

/** The layouts, exported for the schema-consistency test. */
export const WIRE_SPECS: Record<string, MsgSpec> = Object.fromEntries(
  [
    AnyValue,
    ArrayValue,
    KeyValueList,
    KeyValue,
    Scope,
    Resource,
    Status,
    SpanEvent,
    SpanLink,
    Span,
    ScopeSpans,
    ResourceSpans,
    TraceRequest,
    Exemplar,
    NumberDataPoint,
    HistogramDataPoint,
    Buckets,
    ExpDataPoint,
    ValueAtQuantile,
    SummaryDataPoint,
    Gauge,
    Sum,
    Histogram,
    ExpHistogram,
    Summary,
    Metric,
    ScopeMetrics,
    ResourceMetrics,
    MetricsRequest,
    LogRecord,
    ScopeLogs,
    ResourceLogs,
    LogsRequest,
  ].map((m) => [m.name, m]),
);

const REQUEST_SPEC: Record<OtlpSignal, MsgSpec> = {
  traces: TraceRequest,
  metrics: MetricsRequest,
  logs: LogsRequest,
};

export interface OtlpScan {
  /** Spans, metric data points or log records in the request. */
  readonly items: number;
  /** Items whose ids are invalid (they must be rejected). */
  readonly invalid: number;
  /** Why the first invalid item was invalid; empty when none. */
  readonly first_problem: string;
  /** Byte ranges [start, end) of each top-level Resource{Spans,Metrics,Logs} entry, for splitting. */
  readonly resource_ranges: readonly number[];
}

/** Max nesting depth accepted (AnyValue arrays/kvlists can nest); deeper input is treated as malformed. */
const MAX_DEPTH = 32;

class Scanner {
  items = 0;
  invalid = 0;
  firstProblem = "";
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(end: number): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new OtlpWireError("truncated varint", this.pos);
      const b = buf[this.pos++];
      // 49 bits are kept exactly; a larger value (only meaningful as a length) saturates, so it overruns.
      if (i < 7) result += (b & 0x7f) * mul;
      else if ((b & 0x7f) !== 0) result = Number.MAX_SAFE_INTEGER;
      mul *= 128;
      if (b < 0x80) return result;
    }
    throw new OtlpWireError("varint longer than 10 bytes", this.pos);
  }

  /** Walks one message body in [start, end). */
  message(m: MsgSpec, start: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) throw new OtlpWireError(`nesting deeper than ${MAX_DEPTH}`, start);
    const isItem = m.item !== undefined;
    // id lengths seen in this item: trace id, span id, parent span id (-1 = absent)
    let traceLen = -1, spanLen = -1, parentLen = -1, traceZero = false, spanZero = false;
    this.pos = start;
    while (this.pos < end) {
      const tagPos = this.pos;
      const tag = this.varint(end);
      const fieldNo = Math.floor(tag / 8);
      const wt = tag & 7;
      if (fieldNo === 0) throw new OtlpWireError("field number 0", tagPos);
      const expected = m.wire[fieldNo];
      if (expected !== undefined && wt !== expected && !(wt === LEN && m.packable[fieldNo])) {
        throw new OtlpWireError(
          `${m.name} field ${fieldNo} has wire type ${wt}, expected ${expected}`,
          tagPos,
        );
      }
      switch (wt) {
        case VARINT:
          this.varint(end);
          break;
        case I64:
          this.pos += 8;
          break;
        case I32:
          this.pos += 4;
          break;
        case LEN: {
          const len = this.varint(end);
          const bodyStart = this.pos;
          const bodyEnd = bodyStart + len;
          if (bodyEnd > end) {
            throw new OtlpWireError(`${m.name} field ${fieldNo} length ${len} overruns its message`, tagPos);
          }
          const child = m.child[fieldNo];
          if (child !== undefined) {
            this.message(child, bodyStart, bodyEnd, depth + 1);
          } else if (m.utf8[fieldNo] && !validUtf8(this.buf, bodyStart, bodyEnd)) {
            throw new OtlpWireError(`${m.name} field ${fieldNo} is not valid UTF-8`, bodyStart);
          } else if (isItem) {
            if (m.item === "span") {
              if (fieldNo === 1) (traceLen = len), (traceZero = allZero(this.buf, bodyStart, bodyEnd));
              else if (fieldNo === 2) (spanLen = len), (spanZero = allZero(this.buf, bodyStart, bodyEnd));
              else if (fieldNo === 4) parentLen = len;
            } else if (m.item === "log") {
              if (fieldNo === 9) traceLen = len;
              else if (fieldNo === 10) spanLen = len;
            }
          }
          this.pos = bodyEnd;
          break;
        }
        default:
          throw new OtlpWireError(`unsupported wire type ${wt} (field ${fieldNo})`, tagPos);
      }
      if (this.pos > end) throw new OtlpWireError(`${m.name} field ${fieldNo} overruns its message`, tagPos);
    }
    if (isItem) {
      this.items++;
      const problem = m.item === "span"
        ? spanProblem(traceLen, traceZero, spanLen, spanZero, parentLen)
        : m.item === "log"
        ? logProblem(traceLen, spanLen)
        : "";
      if (problem) {
        this.invalid++;
        if (!this.firstProblem) this.firstProblem = problem;
      }
    }
  }
}

/** Strict UTF-8 check (no overlongs, no surrogates, at most U+10FFFF), with an ASCII fast path. */
export function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= end || (b[i + 1] & 0xc0) !== 0x80) return false;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= end) return false;
      const c1 = b[i + 1];
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80) return false;
      if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return false;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= end) return false;
      const c1 = b[i + 1];
      if ((c1 & 0xc0) !== 0x80 || (b[i + 2] & 0xc0) !== 0x80 || (b[i + 3] & 0xc0) !== 0x80) return false;
      if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return false;
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function spanProblem(tl: number, tz: boolean, sl: number, sz: boolean, pl: number): string {
  if (tl !== 16) return `span trace_id must be 16 bytes: got ${Math.max(tl, 0)}`;
  if (tz) return "span trace_id must not be all zeros";
  if (sl !== 8) return `span span_id must be 8 bytes: got ${Math.max(sl, 0)}`;
  if (sz) return "span span_id must not be all zeros";
  if (pl !== -1 && pl !== 0 && pl !== 8) return `span parent_span_id must be empty or 8 bytes: got ${pl}`;
  return "";
}

function logProblem(tl: number, sl: number): string {
  if (tl !== -1 && tl !== 0 && tl !== 16) return `log record trace_id must be empty or 16 bytes: got ${tl}`;
  if (sl !== -1 && sl !== 0 && sl !== 8) return `log record span_id must be empty or 8 bytes: got ${sl}`;
  return "";
}

/** Validates and counts one Export*ServiceRequest. Throws OtlpWireError when malformed. */
export function scanOtlp(signal: OtlpSignal, bytes: Uint8Array): OtlpScan {
  const s = new Scanner(bytes);
  const top = REQUEST_SPEC[signal];
  const child = top.child[1]!;
  const ranges: number[] = [];
  while (s.pos < bytes.length) {
    const tagPos = s.pos;
    const tag = s.varint(bytes.length);
    const fieldNo = Math.floor(tag / 8);
    const wt = tag & 7;
    if (fieldNo === 1 && wt === LEN) {
      const len = s.varint(bytes.length);
      const start = s.pos;
      const end = start + len;
      if (end > bytes.length) {
        throw new OtlpWireError(`${child.name} length ${len} overruns the body`, tagPos);
      }
      s.message(child, start, end, 1);
      s.pos = end;
      ranges.push(tagPos, end);
    } else if (fieldNo === 1) {
      throw new OtlpWireError(`${top.name} field 1 has wire type ${wt}, expected ${LEN}`, tagPos);
    } else {
      // an unknown top-level field: skipped, as protobuf requires, after checking its wire format
      s.pos = tagPos;
      skipOne(s, bytes.length);
    }
  }
  return { items: s.items, invalid: s.invalid, first_problem: s.firstProblem, resource_ranges: ranges };
}

function skipOne(s: Scanner, end: number): void {
  const tagPos = s.pos;
  const tag = s.varint(end);
  const wt = tag & 7;
  if (Math.floor(tag / 8) === 0) throw new OtlpWireError("field number 0", tagPos);
  switch (wt) {
    case VARINT:
      s.varint(end);
      break;
    case I64:
      s.pos += 8;
      break;
    case I32:
      s.pos += 4;
      break;
    case LEN:
      s.pos += s.varint(end);
      break;
    default:
      throw new OtlpWireError(`unsupported wire type ${wt}`, tagPos);
  }
  if (s.pos > end) throw new OtlpWireError("field overruns the body", tagPos);
}

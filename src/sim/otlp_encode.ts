/**
 * A fast protobuf writer for exactly the OTLP request objects the simulator builds (see otlp_json.ts):
 * it walks the objects once and writes bytes straight into a growing buffer, skipping the generic
 * object → message conversion of the reference codec (src/core/otlp/codec.ts), which is several times
 * slower. The reference codec stays the definition of correctness: otlp_encode_test.ts decodes this
 * writer's bytes with `decodeOtlp` and compares them with `encodeOtlp`'s.
 *
 * Covers the fields the simulator emits: resource and scope attributes; span ids, name, kind, times,
 * attributes, events and status; number (double) gauges and sums; explicit-bucket histograms; log records
 * with string bodies. Attribute values may be strings, integers, doubles or booleans.
 */
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  KeyValue,
  NumberDataPoint,
  OtlpMetric,
  OtlpResource,
  OtlpScope,
} from "./otlp_json.ts";
import type { OtlpSignal } from "../bus/subjects.ts";

const LEN = 2;
const VARINT = 0;
const I64 = 1;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

class Writer {
  buf = new Uint8Array(64 * 1024);
  view = new DataView(this.buf.buffer);
  pos = 0;
  #stack: number[] = [];
  #enc = new TextEncoder();

  ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number) {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number) {
    this.varint((field << 3) | wire);
  }

  /** Opens a length-delimited field; close with end(). */
  begin(field: number) {
    this.tag(field, LEN);
    this.ensure(1);
    this.#stack.push(this.pos);
    this.pos += 1; // room for a one-byte length; end() moves the body if it needs more
  }

  end() {
    const at = this.#stack.pop()!;
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    let extra = 0;
    for (let v = len; v >= 0x80; v = Math.floor(v / 0x80)) extra++;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let v = len;
    while (v >= 0x80) {
      this.buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[p] = v;
  }

  string(field: number, s: string) {
    this.begin(field);
    this.ensure(s.length * 3);
    const r = this.#enc.encodeInto(s, this.buf.subarray(this.pos));
    this.pos += r.written;
    this.end();
  }

  hexBytes(field: number, hex: string) {
    const n = hex.length >> 1;
    this.tag(field, LEN);
    this.varint(n);
    this.ensure(n);
    for (let i = 0; i < n; i++) {
      this.buf[this.pos++] = (HEX_VALUE[hex.charCodeAt(2 * i)] << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)];
    }
  }

  /** A fixed64 given as a decimal string or a safe integer. */
  fixed64(field: number, v: string | number) {
    this.tag(field, I64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
  }

  double(field: number, v: number) {
    this.tag(field, I64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.pos);
  }
}

function anyValue(w: Writer, field: number, v: AnyValue) {
  w.begin(field);
  if (v.stringValue !== undefined) w.string(1, v.stringValue);
  else if (v.boolValue !== undefined) {
    w.tag(2, VARINT);
    w.varint(v.boolValue ? 1 : 0);
  } else if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    if (n >= 0 && Number.isSafeInteger(n)) {
      w.tag(3, VARINT);
      w.varint(n);
    } else {
      // Negative int64: ten-byte two's complement varint.
      w.tag(3, VARINT);
      let b = BigInt.asUintN(64, BigInt(v.intValue));
      w.ensure(10);
      while (b >= 0x80n) {
        w.buf[w.pos++] = Number(b & 0x7fn) | 0x80;
        b >>= 7n;
      }
      w.buf[w.pos++] = Number(b);
    }
  } else if (v.doubleValue !== undefined) w.double(4, v.doubleValue);
  w.end();
}

function attributes(w: Writer, field: number, kvs: readonly KeyValue[] | undefined) {
  if (!kvs) return;
  for (const kv of kvs) {
    w.begin(field);
    w.string(1, kv.key);
    anyValue(w, 2, kv.value);
    w.end();
  }
}

function resource(w: Writer, r: OtlpResource) {
  w.begin(1);
  attributes(w, 1, r.attributes);
  w.end();
}

function scope(w: Writer, s: OtlpScope) {
  w.begin(1);
  if (s.name) w.string(1, s.name);
  if (s.version) w.string(2, s.version);
  w.end();
}

function encodeTraces(w: Writer, req: ExportTraceServiceRequest) {
  for (const rs of req.resourceSpans) {
    w.begin(1);
    resource(w, rs.resource);
    for (const ss of rs.scopeSpans) {
      w.begin(2);
      scope(w, ss.scope);
      for (const s of ss.spans) {
        w.begin(2);
        w.hexBytes(1, s.traceId);
        w.hexBytes(2, s.spanId);
        if (s.parentSpanId) w.hexBytes(4, s.parentSpanId);
        w.string(5, s.name);
        if (s.kind) {
          w.tag(6, VARINT);
          w.varint(s.kind);
        }
        w.fixed64(7, s.startTimeUnixNano);
        w.fixed64(8, s.endTimeUnixNano);
        attributes(w, 9, s.attributes);
        if (s.events) {
          for (const e of s.events) {
            w.begin(11);
            w.fixed64(1, e.timeUnixNano);
            w.string(2, e.name);
            attributes(w, 3, e.attributes);
            w.end();
          }
        }
        if (s.status && (s.status.code || s.status.message)) {
          w.begin(15);
          if (s.status.message) w.string(2, s.status.message);
          if (s.status.code) {
            w.tag(3, VARINT);
            w.varint(s.status.code);
          }
          w.end();
        }
        w.end();
      }
      w.end();
    }
    w.end();
  }
}

function numberPoint(w: Writer, p: NumberDataPoint) {
  w.begin(1);
  if (p.startTimeUnixNano !== undefined) w.fixed64(2, p.startTimeUnixNano);
  w.fixed64(3, p.timeUnixNano);
  w.double(4, p.asDouble);
  attributes(w, 7, p.attributes);
  w.end();
}

function histogramPoint(w: Writer, p: HistogramDataPoint) {
  w.begin(1);
  w.fixed64(2, p.startTimeUnixNano);
  w.fixed64(3, p.timeUnixNano);
  w.fixed64(4, p.count);
  w.double(5, p.sum);
  w.begin(6);
  for (const c of p.bucketCounts) {
    w.ensure(8);
    w.view.setBigUint64(w.pos, BigInt(c), true);
    w.pos += 8;
  }
  w.end();
  w.begin(7);
  for (const b of p.explicitBounds) {
    w.ensure(8);
    w.view.setFloat64(w.pos, b, true);
    w.pos += 8;
  }
  w.end();
  attributes(w, 9, p.attributes);
  w.end();
}

function metric(w: Writer, m: OtlpMetric) {
  w.begin(2);
  w.string(1, m.name);
  if (m.description) w.string(2, m.description);
  if (m.unit) w.string(3, m.unit);
  if (m.gauge) {
    w.begin(5);
    for (const p of m.gauge.dataPoints) numberPoint(w, p);
    w.end();
  } else if (m.sum) {
    w.begin(7);
    for (const p of m.sum.dataPoints) numberPoint(w, p);
    w.tag(2, VARINT);
    w.varint(m.sum.aggregationTemporality);
    if (m.sum.isMonotonic) {
      w.tag(3, VARINT);
      w.varint(1);
    }
    w.end();
  } else if (m.histogram) {
    w.begin(9);
    for (const p of m.histogram.dataPoints) histogramPoint(w, p);
    w.tag(2, VARINT);
    w.varint(m.histogram.aggregationTemporality);
    w.end();
  }
  w.end();
}

function encodeMetrics(w: Writer, req: ExportMetricsServiceRequest) {
  for (const rm of req.resourceMetrics) {
    w.begin(1);
    resource(w, rm.resource);
    for (const sm of rm.scopeMetrics) {
      w.begin(2);
      scope(w, sm.scope);
      for (const m of sm.metrics) metric(w, m);
      w.end();
    }
    w.end();
  }
}

function encodeLogs(w: Writer, req: ExportLogsServiceRequest) {
  for (const rl of req.resourceLogs) {
    w.begin(1);
    resource(w, rl.resource);
    for (const sl of rl.scopeLogs) {
      w.begin(2);
      scope(w, sl.scope);
      for (const r of sl.logRecords) {
        w.begin(2);
        w.fixed64(1, r.timeUnixNano);
        if (r.severityNumber) {
          w.tag(2, VARINT);
          w.varint(r.severityNumber);
        }
        if (r.severityText) w.string(3, r.severityText);
        anyValue(w, 5, r.body);
        attributes(w, 6, r.attributes);
        if (r.traceId) w.hexBytes(9, r.traceId);
        if (r.spanId) w.hexBytes(10, r.spanId);
        w.fixed64(11, r.observedTimeUnixNano);
        w.end();
      }
      w.end();
    }
    w.end();
  }
}

/** One writer reused across calls (finish() copies the bytes out); encoding is synchronous. */
const shared = new Writer();

/**
 * Encodes a simulator-built Export{Trace,Metrics,Logs}ServiceRequest as protobuf. Same signature as the
 * reference `encodeOtlp`, so either can be passed as a simulation's `encoder`.
 */
export function encodeSimOtlp(signal: OtlpSignal, request: object): Uint8Array<ArrayBuffer> {
  const w = shared;
  w.pos = 0;
  if (signal === "traces") encodeTraces(w, request as ExportTraceServiceRequest);
  else if (signal === "metrics") encodeMetrics(w, request as ExportMetricsServiceRequest);
  else encodeLogs(w, request as ExportLogsServiceRequest);
  return w.finish();
}

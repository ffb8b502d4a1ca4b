/**
 * The binary wire form of a partial window aggregate message (`vigil.features.partial.{p}`), used instead
 * of JSON because JSON encode + decode of partials cost more CPU than decoding the OTLP they came from
 * (bench:features: a 512-span request with 20 services gives a ~30 KB JSON partial, mostly sketch bins).
 *
 * ```ts
 * const bytes = encodePartial({ v: 1, tenant, src, max_event_ms, windows });   // windows: ServiceWindow[]
 * const msg = decodePartial(bytes);                                             // windows: ServiceWindow[]
 * isBinaryPartial(bytes);                                                       // false for JSON partials
 * ```
 *
 * Layout (little endian; `uv` = unsigned LEB128 varint as in protobuf, `str` = uv byte length + UTF-8,
 * `f64` = IEEE 754 double):
 *
 * ```
 * message  := 0x56 0x50 0x02 (magic "VP", version 2)  str tenant  str src  f64 max_event_ms  covers
 *             uv n  window*n
 * covers   := the input units the partial stands for (src/features/input_units.ts)
 * window   := str tenant  str service  f64 window_start_ms  uv n_ops  op*n_ops
 *             uv n_instances  str*  uv n_overflowed  str*  str rest
 * op       := str name  uv count  uv errors  f64 sum_ns  f64 max_ms  sketch
 * sketch   := uv count  f64 sum  f64 min  f64 max  uv zero  uv n_bins  key0 (zigzag uv)  Δkey (uv)*(n-1)
 *             count (uv)*n_bins                                   (bins ascending by key, non-zero only)
 * rest     := "" or the JSON of { metrics: MetricAggJson[], logs: LogAggJson } when the window has any
 * ```
 *
 * Span sections (the hot path) are binary; the metric and log sections, rarer and irregular, stay JSON
 * inside the frame. A JSON partial starts with `{` (0x7b), so both forms are told apart by the first byte
 * and a reducer reads either. Version 1 (no covers section) is still read. Decoding is strict: truncation,
 * bad magic or trailing bytes throw RangeError.
 */
import { ByteWriter } from "../core/binary/byte_writer.ts";
import { readCovers, writeCovers } from "./input_units.ts";
import { DDSketch } from "./ddsketch.ts";
import { decodeUtf8, Interner } from "./otlp_scan.ts";
import type { PartialMessage } from "./window_reducer.ts";
import { metricKey, ServiceWindow, SpanStats } from "./window_aggregate.ts";
import type { LogAggJson, MetricAggJson } from "./window_aggregate.ts";

const MAGIC0 = 0x56, MAGIC1 = 0x50, VERSION = 2;

/** A partial message whose windows are live ServiceWindow objects (what workers build and reducers merge). */
export interface BinaryPartial extends Omit<PartialMessage, "windows"> {
  windows: ServiceWindow[];
}

/** True when `bytes` start like a binary partial (a JSON partial starts with `{`). */
export function isBinaryPartial(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === MAGIC0 && bytes[1] === MAGIC1;
}

// ------------------------------------------------------------------------------------------- writer

const scratch = new ByteWriter();

function writeSpanStats(w: ByteWriter, name: string, s: SpanStats): void {
  w.str(name);
  w.uv(s.count);
  w.uv(s.errors);
  w.f64(s.sum_ns);
  w.f64(s.max_ms);
  const k = s.sketch;
  w.uv(k.count);
  w.f64(k.sum);
  w.f64(k.count ? k.min : 0);
  w.f64(k.count ? k.max : 0);
  w.uv(k.zero);
  const [keys, counts] = k.bins();
  w.uv(keys.length);
  for (let i = 0; i < keys.length; i++) {
    if (i === 0) w.sv(keys[0]);
    else w.uv(keys[i] - keys[i - 1]);
  }
  for (let i = 0; i < counts.length; i++) w.uv(counts[i]);
}

/** Encodes a partial message. Windows may be ServiceWindow objects (the worker's) or nothing else. */
export function encodePartial(msg: BinaryPartial): Uint8Array {
  const w = scratch.begin([MAGIC0, MAGIC1, VERSION]);
  w.str(msg.tenant);
  w.str(msg.src);
  w.f64(msg.max_event_ms);
  writeCovers(w, msg);
  w.uv(msg.windows.length);
  for (const sw of msg.windows) {
    w.str(sw.tenant);
    w.str(sw.service);
    w.f64(sw.window_start_ms);
    w.uv(sw.ops.size);
    for (const [name, s] of sw.ops) writeSpanStats(w, name, s);
    w.uv(sw.instances.size);
    for (const i of sw.instances) w.str(i);
    w.uv(sw.overflowed.size);
    for (const n of sw.overflowed) w.str(n);
    w.str(
      sw.metrics.size === 0 && sw.logs.n === 0 ? "" : JSON.stringify({
        metrics: [...sw.metrics.values()],
        logs: sw.logs,
      }),
    );
  }
  return w.finish();
}

// ------------------------------------------------------------------------------------------- reader

function bad(what: string, pos: number): never {
  throw new RangeError(`Cannot decode partial as ${what}: at byte ${pos}`);
}

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array, readonly interner: Interner) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  uv(): number {
    const b = this.buf;
    let p = this.pos;
    let v = 0, mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= b.length) bad("a varint is truncated", p);
      const c = b[p++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.pos = p;
        return v;
      }
      mul *= 0x80;
    }
    return bad("a varint is longer than 8 bytes", p);
  }
  sv(): number {
    const u = this.uv();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }
  f64(): number {
    const p = this.pos;
    if (p + 8 > this.buf.length) bad("a double is truncated", p);
    this.pos = p + 8;
    return this.view.getFloat64(p, true);
  }
  str(): string {
    const n = this.uv();
    const p = this.pos;
    if (p + n > this.buf.length) bad(`a string of ${n} bytes is truncated`, p);
    this.pos = p + n;
    return this.interner.intern(this.buf, p, p + n);
  }
  /** A string not worth interning (JSON sections). */
  rawStr(): string {
    const n = this.uv();
    const p = this.pos;
    if (p + n > this.buf.length) bad(`a string of ${n} bytes is truncated`, p);
    this.pos = p + n;
    return decodeUtf8(this.buf, p, p + n);
  }
}

function readSpanStats(r: Reader): SpanStats {
  const s = new SpanStats();
  s.count = r.uv();
  s.errors = r.uv();
  s.sum_ns = r.f64();
  s.max_ms = r.f64();
  const n = r.uv(), sum = r.f64(), mn = r.f64(), mx = r.f64(), z = r.uv();
  const nb = r.uv();
  if (nb > r.buf.length - r.pos) bad(`${nb} sketch bins cannot fit`, r.pos);
  const k: number[] = new Array(nb), c: number[] = new Array(nb);
  for (let i = 0; i < nb; i++) k[i] = i === 0 ? r.sv() : k[i - 1] + r.uv();
  for (let i = 0; i < nb; i++) c[i] = r.uv();
  s.sketch = DDSketch.fromJSON({ n, s: sum, mn, mx, z, k, c });
  return s;
}

const sharedInterner = new Interner({ max_entries: 16_384 });

/** Decodes a binary partial. Throws RangeError naming the offset when the bytes are not one. */
export function decodePartial(bytes: Uint8Array, options: { interner?: Interner } = {}): BinaryPartial {
  if (!isBinaryPartial(bytes)) bad("the magic bytes are missing", 0);
  const version = bytes[2];
  if (version !== VERSION && version !== 1) {
    bad(`version ${version} is not supported (expected 1 or ${VERSION})`, 2);
  }
  const r = new Reader(bytes, options.interner ?? sharedInterner);
  r.pos = 3;
  const tenant = r.str();
  const src = r.str();
  const max_event_ms = r.f64();
  const { covers, partition } = version === 1
    ? {}
    : readCovers(() => r.uv(), () => r.buf.length - r.pos, (what) => bad(what, r.pos));
  const nw = r.uv();
  const windows: ServiceWindow[] = [];
  for (let i = 0; i < nw; i++) {
    const sw = new ServiceWindow(r.str(), r.str(), r.f64());
    const nOps = r.uv();
    for (let j = 0; j < nOps; j++) {
      const name = r.str();
      sw.ops.set(name, readSpanStats(r));
    }
    const nInst = r.uv();
    for (let j = 0; j < nInst; j++) sw.instances.add(r.str());
    const nOvf = r.uv();
    for (let j = 0; j < nOvf; j++) sw.overflowed.add(r.str());
    const rest = r.rawStr();
    if (rest !== "") {
      let j: { metrics: MetricAggJson[]; logs: LogAggJson };
      try {
        j = JSON.parse(rest);
      } catch {
        return bad("the metric/log section is not JSON", r.pos);
      }
      for (const m of j.metrics) {
        m.min ??= Infinity;
        m.max ??= -Infinity;
        m.lt ??= -Infinity;
        sw.metrics.set(metricKey(m.name, m.kind, m.instance, m.labels), m);
      }
      sw.logs = j.logs;
    }
    windows.push(sw);
  }
  if (r.pos !== bytes.length) bad(`${bytes.length - r.pos} trailing bytes follow the message`, r.pos);
  const msg: BinaryPartial = { v: 1, tenant, src, max_event_ms, windows };
  if (covers !== undefined) {
    msg.covers = covers;
    msg.partition = partition;
  }
  return msg;
}

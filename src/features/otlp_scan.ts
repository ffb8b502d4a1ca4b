/**
 * A partial OTLP protobuf decoder: walks the wire format of ExportTraceServiceRequest,
 * ExportMetricsServiceRequest and ExportLogsServiceRequest directly over a Uint8Array and hands each span,
 * metric data point or log record to a callback as a reused view object. Nothing is allocated per field:
 * ids are subarrays of the input, strings the aggregation needs are interned by their bytes (one decode per
 * distinct string), everything else (events, links, scope, exemplars, unknown fields) is skipped.
 *
 * ```ts
 * const stats = scanTraces(bytes, (span) => agg.add(span));          // span views are reused: copy what you keep
 * scanMetrics(bytes, (point) => ...); scanLogs(bytes, (record) => ...);
 * validateOtlp("traces", bytes);                                      // throws OtlpScanError when malformed
 * ```
 *
 * Field numbers are the OTLP v1 wire contract (opentelemetry-proto: trace, metrics, logs and their collector services). Malformed
 * input (truncated varints or lengths, lengths past the enclosing message, wire types 3/4/6/7, field 0,
 * a known field with the wrong wire type) throws {@link OtlpScanError}; the walk always advances, so it can
 * neither loop nor read out of bounds. Sub-messages that are skipped (events, links, array/kvlist values)
 * are checked only for their length prefix, and an attribute whose key Vigil does not read only up to
 * its key (its value is never looked at).
 */

/** Thrown for bytes that are not a well-formed OTLP request. Callers count it and reject the message. */
export class OtlpScanError extends Error {
  override name = "OtlpScanError";
}

export type SpanKind = 0 | 1 | 2 | 3 | 4 | 5;
export const SPAN_KIND = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** Resource attributes Vigil keys by. Empty string when absent. */
export interface ResourceView {
  service: string;
  namespace: string;
  instance: string;
  pod: string;
  k8s_namespace: string;
  node: string;
  host: string;
  container: string;
}

/** One span. Reused between callbacks: ids are subarrays of the input; copy anything you keep. */
export interface SpanView {
  resource: ResourceView;
  trace_id: Uint8Array;
  span_id: Uint8Array;
  parent_span_id: Uint8Array;
  name: string;
  kind: number;
  /** Start, epoch ms (fractional). */
  start_ms: number;
  /** end - start, ms (fractional; exact to the ns below 2^53 ns). */
  duration_ms: number;
  /** 0 unset, 1 ok, 2 error. */
  status_code: number;
  /** http.response.status_code or http.status_code; 0 when absent. */
  http_status: number;
  /** rpc.grpc.status_code; -1 when absent. */
  grpc_status: number;
  db_system: string;
  db_name: string;
  peer_service: string;
  server_address: string;
  messaging_system: string;
  messaging_destination: string;
}

export type MetricKind = "gauge" | "sum" | "histogram" | "exponential_histogram" | "summary";

/** One metric data point. Reused between callbacks. */
export interface MetricPointView {
  resource: ResourceView;
  name: string;
  unit: string;
  kind: MetricKind;
  /** 1 delta, 2 cumulative, 0 unspecified (gauges). */
  temporality: number;
  monotonic: boolean;
  time_ms: number;
  start_ms: number;
  /** Number points: the value. Histograms/summaries: NaN. */
  value: number;
  /** Histograms and summaries. */
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Explicit-bucket histograms only (fresh arrays, owned by the callee). */
  bucket_counts: number[] | null;
  explicit_bounds: number[] | null;
  /** Data point attributes as a canonical `k=v,k=v` string (sorted by key), "" when none. */
  labels: string;
}

/** One log record. Reused between callbacks. */
export interface LogRecordView {
  resource: ResourceView;
  /** time_unix_nano, else observed_time_unix_nano, epoch ms. */
  time_ms: number;
  severity_number: number;
  severity_text: string;
  /** The body when it is a string value, else "" (other bodies are not decoded). */
  body: string;
  trace_id: Uint8Array;
  span_id: Uint8Array;
}

export interface ScanStats {
  resources: number;
  items: number;
}

// ---------------------------------------------------------------------------------------------- strings

const textDecoder = new TextDecoder("utf-8", { fatal: false });

/** Decodes UTF-8; short ASCII strings take a fast path (no TextDecoder call). */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) return textDecoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(buf.subarray(start, end));
}

/**
 * Maps byte strings to JS strings, decoding each distinct one once. Bounded: cleared when it holds
 * `max_entries` strings (values stay correct, only the cache is lost).
 */
export class Interner {
  #table = new Map<number, { bytes: Uint8Array; str: string; next: unknown }>();
  #size = 0;
  readonly max_entries: number;
  constructor(options: { max_entries?: number } = {}) {
    this.max_entries = options.max_entries ?? 65_536;
  }
  get size(): number {
    return this.#size;
  }
  /**
   * Direct-mapped front cache, slot by length, the middle byte and the last two (where names like
   * `GET /api/v1/resource12` differ): a hit costs one compare, four bytes at a time, and no hash over the
   * whole string. Its strings' bytes lie in one arena, at #frontAt[slot], #frontLen[slot] long: with an
   * object per string, following its pointers cost more than the compare.
   */
  readonly #frontStr: string[] = new Array(1024).fill("");
  readonly #frontAt = new Int32Array(1024);
  readonly #frontLen = new Int32Array(1024);
  readonly #arena = new Uint8Array(65536);
  readonly #arenaView = new DataView(this.#arena.buffer);
  #arenaTop = 0;
  /** the last buffer seen without a view, and a view on it (one per buffer, not one per string) */
  #buf: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(this.#buf.buffer);
  /**
   * The string of bytes [start, end) of `buf`. `view`, a DataView on exactly `buf` (the scanners pass their
   * own), saves making one; without it the interner keeps one for the last buffer it saw.
   */
  intern(buf: Uint8Array, start: number, end: number, view?: DataView): string {
    const len = end - start;
    if (len === 0) return "";
    if (len > 256) return decodeUtf8(buf, start, end);
    const slot = (Math.imul(len, 0x9e3779b1) ^ Math.imul(buf[end - 1], 0x85ebca6b) ^
      Math.imul(buf[start + (len >> 1)] | (buf[end - 2 < start ? start : end - 2] << 8), 0xc2b2ae35)) >>> 22;
    if (this.#frontLen[slot] === len) {
      const v = view ?? this.#viewOf(buf), w = this.#arenaView, at = this.#frontAt[slot];
      let i = 0;
      while (i + 4 <= len && v.getInt32(start + i) === w.getInt32(at + i)) i += 4;
      while (i < len && buf[start + i] === this.#arena[at + i]) i++;
      if (i === len) return this.#frontStr[slot];
    }
    const str = this.#intern(buf, start, end, len);
    if (this.#arenaTop + len > this.#arena.length) {
      this.#frontLen.fill(0);
      this.#arenaTop = 0;
    }
    this.#arena.set(buf.subarray(start, end), this.#arenaTop);
    this.#frontAt[slot] = this.#arenaTop;
    this.#frontLen[slot] = len;
    this.#frontStr[slot] = str;
    this.#arenaTop += len;
    return str;
  }
  #viewOf(buf: Uint8Array): DataView {
    // (a resizable buffer may have grown under the same array)
    if (buf !== this.#buf || buf.byteLength !== this.#view.byteLength) {
      this.#buf = buf;
      this.#view = viewOf(buf);
    }
    return this.#view;
  }
  #intern(buf: Uint8Array, start: number, end: number, len: number): string {
    let h = 0x811c9dc5 ^ len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    let e = this.#table.get(h) as { bytes: Uint8Array; str: string; next: unknown } | undefined;
    const head = e;
    while (e !== undefined) {
      const b = e.bytes;
      if (b.length === len) {
        let i = 0;
        while (i < len && b[i] === buf[start + i]) i++;
        if (i === len) return e.str;
      }
      e = e.next as typeof e;
    }
    if (this.#size >= this.max_entries) {
      this.#table.clear();
      this.#size = 0;
    }
    const str = decodeUtf8(buf, start, end);
    this.#table.set(h, { bytes: buf.slice(start, end), str, next: this.#size === 0 ? undefined : head });
    this.#size++;
    return str;
  }
}

const defaultInterner = new Interner();

/** A DataView on exactly the bytes of `b`. */
function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

// ---------------------------------------------------------------------------------------------- wire

const TWO_32 = 4294967296;

/**
 * Milliseconds of a fixed64 nanosecond count given as its two 32-bit halves. Exact for every whole
 * millisecond: `hi · 2³²` is split as `hi · 4294 · 10⁶ + hi · 967296`, so both terms are exact integers,
 * and a timestamp on a window boundary stays on it. (`hi · 4294.967296 + lo / 10⁶` rounds about one
 * whole-second timestamp in thirty just below itself, into the previous window.)
 */
export function nanosToMs(hi: number, lo: number): number {
  return hi * 4294 + (hi * 967296 + lo) / 1e6;
}

function fail(what: string, pos: number): never {
  throw new OtlpScanError(`Cannot decode OTLP as ${what}: at byte ${pos}`);
}

/** Wire-format cursor. `pos` always advances or the read throws. */
class Reader {
  buf: Uint8Array;
  /** a view on `buf`, for reads of more than a byte */
  view: DataView;
  pos = 0;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = viewOf(buf);
  }
  /** Unsigned varint as a double (exact below 2^53). */
  varint(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) fail("a varint is truncated", pos);
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let v = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 10; i++) {
      if (pos >= end) fail("a varint is truncated", pos);
      b = buf[pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return v;
      }
      mul *= 128;
    }
    return fail("a varint is longer than 10 bytes", pos);
  }
  /** int64 varint (two's complement) as a double. */
  int64(end: number): number {
    const v = this.varint(end);
    return v >= 9223372036854775808 ? v - 18446744073709551616 : v;
  }
  /** Length prefix; returns the end of the delimited bytes. */
  len(end: number): number {
    const n = this.varint(end);
    const e = this.pos + n;
    if (e > end) fail(`a length of ${n} runs past its message`, this.pos);
    return e;
  }
  fixed64Ms(end: number): number {
    const p = this.pos;
    if (p + 8 > end) fail("a fixed64 is truncated", p);
    const b = this.buf;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    this.pos = p + 8;
    return nanosToMs(hi, lo);
  }
  /** Reads a fixed64 and returns its low 32 bits; the high 32 bits are left in `hi`. */
  hi = 0;
  fixed64Split(end: number): number {
    const p = this.pos;
    if (p + 8 > end) fail("a fixed64 is truncated", p);
    const b = this.buf;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    this.hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    this.pos = p + 8;
    return lo;
  }
  fixed64(end: number): number {
    const lo = this.fixed64Split(end);
    return this.hi * TWO_32 + lo;
  }
  double(end: number): number {
    const p = this.pos;
    if (p + 8 > end) fail("a double is truncated", p);
    this.pos = p + 8;
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0, true);
  }
  skip(wt: number, end: number): void {
    switch (wt) {
      case 0:
        this.varint(end);
        return;
      case 1:
        if (this.pos + 8 > end) fail("a fixed64 is truncated", this.pos);
        this.pos += 8;
        return;
      case 2:
        this.pos = this.len(end);
        return;
      case 5:
        if (this.pos + 4 > end) fail("a fixed32 is truncated", this.pos);
        this.pos += 4;
        return;
      default:
        fail(`wire type ${wt} is not allowed`, this.pos);
    }
  }
  /** Reads a tag; returns the field number and leaves the wire type in `wt`. */
  wt = 0;
  tag(end: number): number {
    const p = this.pos;
    if (p < end) {
      const b = this.buf[p];
      if (b < 0x80) { // one-byte tags: every field Vigil reads
        this.pos = p + 1;
        this.wt = b & 7;
        if (b < 8) fail("field number 0 is not allowed", this.pos);
        return b >> 3;
      }
    }
    const t = this.varint(end);
    this.wt = t % 8;
    const f = Math.floor(t / 8);
    if (f === 0) fail("field number 0 is not allowed", this.pos);
    return f;
  }
}

function expectWt(r: Reader, want: number, field: string): void {
  if (r.wt !== want) fail(`${field} has wire type ${r.wt}, expected ${want}`, r.pos);
}

/** Reads the string field `field` whose tag was just read, interned; leaves r.pos after it. */
function readString(r: Reader, end: number, interner: Interner, field: string): string {
  expectWt(r, 2, field);
  const e = r.len(end);
  const v = interner.intern(r.buf, r.pos, e, r.view);
  r.pos = e;
  return v;
}

// ---------------------------------------------------------------------------------------------- attributes

const enc = new TextEncoder();

// Attribute ids: resource (1..), span (20..).
const A_SERVICE = 1,
  A_NAMESPACE = 2,
  A_INSTANCE = 3,
  A_POD = 4,
  A_K8S_NS = 5,
  A_NODE = 6,
  A_HOST = 7,
  A_CONTAINER = 8,
  A_HTTP_STATUS = 20,
  A_GRPC_STATUS = 21,
  A_DB_SYSTEM = 22,
  A_DB_NAME = 23,
  A_PEER_SERVICE = 24,
  A_SERVER_ADDRESS = 25,
  A_MSG_SYSTEM = 26,
  A_MSG_DEST = 27;

/**
 * Keys matched by bytes; each key maps to an attribute id. A table indexed by a key's length and a mix of
 * its first and last bytes ({@link keySlot}) names the one key that can match (most keys a span carries
 * are rejected there, unread), which is then compared four bytes at a time. The keys' bytes lie in one
 * buffer (a compare reads no other object).
 */
class KeyTable {
  /** keySlot() → 1 + key index, SEVERAL when more than one key has it, 0 none */
  readonly slot: Uint8Array = new Uint8Array(128 << 8);
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #at: Int32Array;
  readonly #ids: Int32Array;
  constructor(entries: [string, number][]) {
    const keys = entries.map(([k]) => enc.encode(k));
    this.#bytes = new Uint8Array(keys.reduce((n, k) => n + k.length, 0));
    this.#view = viewOf(this.#bytes);
    this.#at = new Int32Array(entries.length + 1);
    this.#ids = new Int32Array(entries.map(([, id]) => id));
    keys.forEach((k, j) => {
      if (k.length === 0 || k.length >= 128) {
        throw new RangeError(
          `Cannot build a KeyTable as keys must be 1 to 127 bytes: ${entries[j][0]} is ${k.length}`,
        );
      }
      this.#bytes.set(k, this.#at[j]);
      this.#at[j + 1] = this.#at[j] + k.length;
      const at = keySlot(k.length, k[0], k[k.length - 1]);
      this.slot[at] = this.slot[at] === 0 ? j + 1 : SEVERAL;
    });
  }
  /** The id of the key at [start, end) of `buf` (`view` is on `buf`), 0 when it is none of them. */
  match(view: DataView, buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len <= 0 || len >= 128) return 0;
    const k = this.slot[keySlot(len, buf[start], buf[end - 1])];
    if (k === 0) return 0;
    if (k !== SEVERAL) return this.#equal(k - 1, view, buf, start, len) ? this.#ids[k - 1] : 0;
    for (let j = 0; j < this.#ids.length; j++) {
      if (this.#equal(j, view, buf, start, len)) return this.#ids[j];
    }
    return 0;
  }
  #equal(j: number, view: DataView, buf: Uint8Array, start: number, len: number): boolean {
    const at = this.#at[j];
    if (this.#at[j + 1] - at !== len) return false;
    const kv = this.#view, kb = this.#bytes;
    let i = 0;
    while (i + 4 <= len && view.getInt32(start + i) === kv.getInt32(at + i)) i += 4;
    while (i < len && buf[start + i] === kb[at + i]) i++;
    return i === len;
  }
}
const SEVERAL = 255;

/**
 * A key's slot in a KeyTable: its length (below 128) and a mix of its first and last bytes. Keys differ
 * most at their ends: `db.namespace`, `peer.service` and `url.template` share length and last byte.
 */
function keySlot(len: number, first: number, last: number): number {
  return (len << 8) | ((last + 31 * first) & 255);
}

const RESOURCE_KEYS = new KeyTable([
  ["service.name", A_SERVICE],
  ["service.namespace", A_NAMESPACE],
  ["service.instance.id", A_INSTANCE],
  ["k8s.pod.name", A_POD],
  ["k8s.namespace.name", A_K8S_NS],
  ["k8s.node.name", A_NODE],
  ["host.name", A_HOST],
  ["k8s.container.name", A_CONTAINER],
]);

const SPAN_KEYS = new KeyTable([
  ["http.response.status_code", A_HTTP_STATUS],
  ["http.status_code", A_HTTP_STATUS],
  ["rpc.grpc.status_code", A_GRPC_STATUS],
  ["db.system", A_DB_SYSTEM],
  ["db.system.name", A_DB_SYSTEM],
  ["db.name", A_DB_NAME],
  ["db.namespace", A_DB_NAME],
  ["peer.service", A_PEER_SERVICE],
  ["server.address", A_SERVER_ADDRESS],
  ["net.peer.name", A_SERVER_ADDRESS],
  ["messaging.system", A_MSG_SYSTEM],
  ["messaging.destination.name", A_MSG_DEST],
  ["messaging.destination", A_MSG_DEST],
]);

/** Result slots of {@link readAnyValue}: a string value's byte range, or a number. */
let avStrStart = -1;
let avStrEnd = -1;
let avNum = NaN;

/** Reads an AnyValue message [pos, end): string/int/double/bool are captured, the rest skipped. */
function readAnyValue(r: Reader, end: number): void {
  avStrStart = -1;
  avNum = NaN;
  while (r.pos < end) {
    const f = r.tag(end);
    switch (f) {
      case 1: {
        expectWt(r, 2, "AnyValue.string_value");
        const e = r.len(end);
        avStrStart = r.pos;
        avStrEnd = e;
        r.pos = e;
        break;
      }
      case 2:
        expectWt(r, 0, "AnyValue.bool_value");
        avNum = r.varint(end) ? 1 : 0;
        break;
      case 3:
        expectWt(r, 0, "AnyValue.int_value");
        avNum = r.int64(end);
        break;
      case 4:
        expectWt(r, 1, "AnyValue.double_value");
        avNum = r.double(end);
        break;
      default:
        r.skip(r.wt, end);
    }
  }
}

/** Reads one KeyValue [pos, end); returns the matched id (0 when the key is not of interest). */
function readKeyValue(r: Reader, end: number, keys: KeyTable): number {
  let id = 0;
  let valStart = -1;
  let valEnd = -1;
  while (r.pos < end) {
    const f = r.tag(end);
    if (f === 1) {
      expectWt(r, 2, "KeyValue.key");
      const e = r.len(end);
      id = keys.match(r.view, r.buf, r.pos, e);
      r.pos = e;
      // a key Vigil does not read: the value is not looked at (the caller moves to the KeyValue's end)
      if (id === 0) return 0;
    } else if (f === 2) {
      expectWt(r, 2, "KeyValue.value");
      valEnd = r.len(end);
      valStart = r.pos;
      r.pos = valEnd;
    } else r.skip(r.wt, end);
  }
  avStrStart = -1;
  avNum = NaN;
  if (id !== 0 && valStart >= 0) {
    const save = r.pos;
    r.pos = valStart;
    readAnyValue(r, valEnd);
    r.pos = save;
  }
  return id;
}

function avString(r: Reader, interner: Interner): string {
  if (avStrStart >= 0) return interner.intern(r.buf, avStrStart, avStrEnd, r.view);
  return Number.isNaN(avNum) ? "" : String(avNum);
}

function newResource(): ResourceView {
  return {
    service: "",
    namespace: "",
    instance: "",
    pod: "",
    k8s_namespace: "",
    node: "",
    host: "",
    container: "",
  };
}

function readResource(r: Reader, end: number, res: ResourceView, interner: Interner): void {
  res.service =
    res.namespace =
    res.instance =
    res.pod =
    res.k8s_namespace =
    res.node =
    res.host =
      "";
  res.container = "";
  while (r.pos < end) {
    const f = r.tag(end);
    if (f === 1) {
      expectWt(r, 2, "Resource.attributes");
      const e = r.len(end);
      const id = readKeyValue(r, e, RESOURCE_KEYS);
      r.pos = e;
      if (id === 0) continue;
      const v = avString(r, interner);
      switch (id) {
        case A_SERVICE:
          res.service = v;
          break;
        case A_NAMESPACE:
          res.namespace = v;
          break;
        case A_INSTANCE:
          res.instance = v;
          break;
        case A_POD:
          res.pod = v;
          break;
        case A_K8S_NS:
          res.k8s_namespace = v;
          break;
        case A_NODE:
          res.node = v;
          break;
        case A_HOST:
          res.host = v;
          break;
        case A_CONTAINER:
          res.container = v;
          break;
      }
    } else r.skip(r.wt, end);
  }
  if (res.service === "") res.service = "unknown_service";
}

/**
 * Walks a request's top level: field 1 (Resource{Spans,Metrics,Logs}) → field 1 resource, field 2 scopes →
 * field 2 items. The resource is read before the scopes whatever their order on the wire.
 */
function walk(
  bytes: Uint8Array,
  res: ResourceView,
  interner: Interner,
  onItem: (r: Reader, end: number) => void,
  stats: ScanStats,
  fast: boolean,
): void {
  const r = new Reader(bytes);
  const end = bytes.length;
  const scopes: number[] = [];
  while (r.pos < end) {
    const f = r.tag(end);
    if (f !== 1) {
      r.skip(r.wt, end);
      continue;
    }
    expectWt(r, 2, "request.resource_*");
    const rEnd = r.len(end);
    let resStart = -1, resEnd = -1;
    scopes.length = 0;
    while (r.pos < rEnd) {
      const g = r.tag(rEnd);
      if (g === 1) {
        expectWt(r, 2, "resource");
        resEnd = r.len(rEnd);
        resStart = r.pos;
        r.pos = resEnd;
      } else if (g === 2) {
        expectWt(r, 2, "scope_*");
        const e = r.len(rEnd);
        scopes.push(r.pos, e);
        r.pos = e;
      } else r.skip(r.wt, rEnd);
    }
    if (resStart >= 0) {
      r.pos = resStart;
      readResource(r, resEnd, res, interner);
    } else readResource(r, r.pos, res, interner);
    stats.resources++;
    for (let i = 0; i < scopes.length; i += 2) {
      const sEnd = scopes[i + 1];
      r.pos = scopes[i];
      while (r.pos < sEnd) {
        // fast path: the item's tag and a length of one or two bytes (an item's bytes are read by onItem)
        const p = r.pos;
        if (fast && bytes[p] === 0x12 && p + 2 < sEnd) {
          let n = bytes[p + 1], v = p + 2;
          if (n >= 0x80 && bytes[v] < 0x80) n = (n & 0x7f) | (bytes[v++] << 7);
          if ((n < 0x80 || v === p + 3) && v + n <= sEnd) {
            r.pos = v;
            onItem(r, v + n);
            r.pos = v + n;
            stats.items++;
            continue;
          }
        }
        const g = r.tag(sEnd);
        if (g === 2) {
          expectWt(r, 2, "scope item");
          const e = r.len(sEnd);
          onItem(r, e);
          r.pos = e;
          stats.items++;
        } else r.skip(r.wt, sEnd);
      }
    }
    r.pos = rEnd;
  }
}

// ---------------------------------------------------------------------------------------------- traces

const EMPTY = new Uint8Array(0);

export interface ScanOptions {
  /** String cache shared across calls. @default a module-wide interner */
  interner?: Interner;
  /**
   * Read every field through the general reader, without the fast paths. They give the same results and
   * the same errors; this is for differential tests and debugging. @default false
   */
  general_only?: boolean;
}

/** Calls `onSpan` for every span of an ExportTraceServiceRequest. Throws OtlpScanError when malformed. */
export function scanTraces(
  bytes: Uint8Array,
  onSpan: (span: SpanView) => void,
  options: ScanOptions = {},
): ScanStats {
  const interner = options.interner ?? defaultInterner;
  const res = newResource();
  const s = new ReusedSpan(bytes, res);
  const stats: ScanStats = { resources: 0, items: 0 };
  const fast = options.general_only !== true;
  // two closures, so that the product's call site stays monomorphic
  const onItem = fast
    ? (r: Reader, end: number) => {
      readSpan(r, end, s, interner);
      onSpan(s);
    }
    : (r: Reader, end: number) => {
      readSpanGeneral(r, end, s, interner);
      onSpan(s);
    };
  walk(bytes, res, interner, onItem, stats, fast);
  return stats;
}

/**
 * The span view scanTraces() hands out: ids are byte ranges of the input, made into subarrays only when
 * read (most consumers never read them, and three typed-array allocations per span showed in profiles).
 */
class ReusedSpan implements SpanView {
  /** [start, end) of trace id, span id, parent span id in `buf`; start -1 when absent */
  ts = -1;
  te = -1;
  ss = -1;
  se = -1;
  ps = -1;
  pe = -1;
  name = "";
  kind = 0;
  start_ms = 0;
  duration_ms = 0;
  status_code = 0;
  http_status = 0;
  grpc_status = -1;
  db_system = "";
  db_name = "";
  peer_service = "";
  server_address = "";
  messaging_system = "";
  messaging_destination = "";
  /** start and end time, fixed64 nanoseconds as 32-bit halves */
  sLo = 0;
  sHi = 0;
  eLo = 0;
  eHi = 0;
  constructor(readonly buf: Uint8Array, readonly resource: ResourceView) {}
  /** Notes where the id of Span field `field` (1 trace, 2 span, 4 parent span) lies: [start, end). */
  setId(field: number, start: number, end: number): void {
    if (field === 1) {
      this.ts = start;
      this.te = end;
    } else if (field === 2) {
      this.ss = start;
      this.se = end;
    } else {
      this.ps = start;
      this.pe = end;
    }
  }
  get trace_id(): Uint8Array {
    return this.ts < 0 ? EMPTY : this.buf.subarray(this.ts, this.te);
  }
  get span_id(): Uint8Array {
    return this.ss < 0 ? EMPTY : this.buf.subarray(this.ss, this.se);
  }
  get parent_span_id(): Uint8Array {
    return this.ps < 0 ? EMPTY : this.buf.subarray(this.ps, this.pe);
  }
}

/**
 * Reads one span [r.pos, end). The loop takes a fast path for the fields an SDK writes: a one-byte tag of a
 * field Vigil reads with its expected wire type, and a length of one or two bytes or a fixed width, all
 * inside the span. An attribute is rejected by its key's slot in SPAN_KEYS (length, first and last byte)
 * before any compare, and the value of one Vigil reads is taken in place when it is a plain string or a
 * small int. Any other byte (another field, a longer length, another value shape, or a malformed one) goes
 * to {@link readSpanField}, which reads that field again from its tag, so the fast path changes no result
 * and no error (otlp_scan_test.ts checks both against ScanOptions.general_only on malformed input).
 */
function readSpan(r: Reader, end: number, s: ReusedSpan, interner: Interner): void {
  const buf = r.buf, view = r.view;
  clearSpan(s);
  let pos = r.pos;
  while (pos < end) {
    const t = buf[pos];
    if ((t & 7) === 2 && pos + 1 < end) { // length-delimited: a one- or two-byte length
      let n = buf[pos + 1];
      let v = pos + 2;
      if (n >= 0x80 && v < end && buf[v] < 0x80) n = (n & 0x7f) | (buf[v++] << 7);
      const e = v + n;
      if (e <= end && (n < 0x80 || v === pos + 3)) {
        if (t === 0x4a) { // attribute: key, then value
          if (v + 1 < e && buf[v] === 0x0a) {
            const kl = buf[v + 1];
            const ke = v + 2 + kl;
            if (kl < 0x80 && ke <= e) {
              // most keys are rejected here, by their slot, without a call
              const id = SPAN_KEYS.slot[keySlot(kl, buf[v + 2], buf[ke - 1])] === 0
                ? 0
                : SPAN_KEYS.match(view, buf, v + 2, ke);
              if (id === 0) {
                pos = e;
                continue;
              }
              // the value as an SDK writes it: an AnyValue of one short string or int, ending the attribute
              if (ke + 3 < e && buf[ke] === 0x12 && buf[ke + 1] < 0x80 && ke + 2 + buf[ke + 1] === e) {
                const a = ke + 2, w = buf[a + 1];
                if (buf[a] === 0x0a && w < 0x80 && a + 2 + w === e) {
                  avStrStart = a + 2;
                  avStrEnd = e;
                  avNum = NaN;
                  spanAttr(s, id, r, interner);
                  pos = e;
                  continue;
                }
                if (buf[a] === 0x18 && (w < 0x80 ? a + 2 === e : a + 3 === e && buf[a + 2] < 0x80)) {
                  avStrStart = -1;
                  avNum = w < 0x80 ? w : (w & 0x7f) | (buf[a + 2] << 7);
                  spanAttr(s, id, r, interner);
                  pos = e;
                  continue;
                }
              }
            }
          }
          r.pos = v;
          const id = readKeyValue(r, e, SPAN_KEYS);
          if (id !== 0) spanAttr(s, id, r, interner);
          pos = e;
          continue;
        }
        if (t === 0x0a || t === 0x12 || t === 0x22) { // trace id, span id, parent span id
          s.setId(t >> 3, v, e);
          pos = e;
          continue;
        }
        if (t === 0x2a) {
          s.name = interner.intern(buf, v, e, view);
          pos = e;
          continue;
        }
        if (t === 0x7a) { // status: a code and a short message, or fall back to the general path
          // (which reads the same code fields again, in the same order: what is set here is overwritten)
          let q = v;
          while (q + 1 < e && buf[q + 1] < 0x80) {
            if (buf[q] === 0x18) {
              s.status_code = buf[q + 1];
              q += 2;
            } else if (buf[q] === 0x12 && q + 2 + buf[q + 1] <= e) q += 2 + buf[q + 1];
            else break;
          }
          if (q === e) {
            pos = e;
            continue;
          }
        }
      }
    } else if (t === 0x39 || t === 0x41) { // start / end time, fixed64
      if (pos + 9 <= end) {
        const lo = view.getUint32(pos + 1, true), hi = view.getUint32(pos + 5, true);
        if (t === 0x39) {
          s.sLo = lo;
          s.sHi = hi;
        } else {
          s.eLo = lo;
          s.eHi = hi;
        }
        pos += 9;
        continue;
      }
    } else if (t === 0x30) { // kind
      if (pos + 1 < end && buf[pos + 1] < 0x80) {
        s.kind = buf[pos + 1];
        pos += 2;
        continue;
      }
    }
    r.pos = pos;
    readSpanField(r, end, s, interner);
    pos = r.pos;
  }
  r.pos = pos;
  finishSpan(s);
}

/** Reads one span [r.pos, end) through the general reader only (ScanOptions.general_only). */
function readSpanGeneral(r: Reader, end: number, s: ReusedSpan, interner: Interner): void {
  clearSpan(s);
  while (r.pos < end) readSpanField(r, end, s, interner);
  finishSpan(s);
}

/** Sets every field a span may lack to its absent value. */
function clearSpan(s: ReusedSpan): void {
  s.ts = s.ss = s.ps = -1;
  s.name = "";
  s.kind = 0;
  s.status_code = 0;
  s.http_status = 0;
  s.grpc_status = -1;
  s.db_system =
    s.db_name =
    s.peer_service =
    s.server_address =
    s.messaging_system =
      "";
  s.messaging_destination = "";
  s.sLo =
    s.sHi =
    s.eLo =
    s.eHi =
      0;
}

/** The times of a span read: start and duration from the fixed64 halves. */
function finishSpan(s: ReusedSpan): void {
  s.start_ms = nanosToMs(s.sHi, s.sLo);
  s.duration_ms = ((s.eHi - s.sHi) * TWO_32 + (s.eLo - s.sLo)) / 1e6;
}

/** Reads one field of a span from its tag at r.pos: every field, every wire type, every error. */
function readSpanField(r: Reader, end: number, s: ReusedSpan, interner: Interner): void {
  const f = r.tag(end);
  switch (f) {
    case 1:
    case 2:
    case 4: {
      expectWt(r, 2, f === 1 ? "Span.trace_id" : f === 2 ? "Span.span_id" : "Span.parent_span_id");
      const e = r.len(end);
      s.setId(f, r.pos, e);
      r.pos = e;
      return;
    }
    case 5:
      s.name = readString(r, end, interner, "Span.name");
      return;
    case 6:
      expectWt(r, 0, "Span.kind");
      s.kind = r.varint(end);
      return;
    case 7:
      expectWt(r, 1, "Span.start_time_unix_nano");
      s.sLo = r.fixed64Split(end);
      s.sHi = r.hi;
      return;
    case 8:
      expectWt(r, 1, "Span.end_time_unix_nano");
      s.eLo = r.fixed64Split(end);
      s.eHi = r.hi;
      return;
    case 9: {
      expectWt(r, 2, "Span.attributes");
      const e = r.len(end);
      const id = readKeyValue(r, e, SPAN_KEYS);
      r.pos = e;
      if (id !== 0) spanAttr(s, id, r, interner);
      return;
    }
    case 15: {
      expectWt(r, 2, "Span.status");
      const e = r.len(end);
      while (r.pos < e) {
        const g = r.tag(e);
        if (g === 3) {
          expectWt(r, 0, "Status.code");
          s.status_code = r.varint(e);
        } else r.skip(r.wt, e);
      }
      return;
    }
    default:
      r.skip(r.wt, end);
  }
}

function spanAttr(s: SpanView, id: number, r: Reader, interner: Interner): void {
  switch (id) {
    case A_HTTP_STATUS:
      s.http_status = avStrStart >= 0 ? Number(avString(r, interner)) || 0 : (avNum || 0);
      return;
    case A_GRPC_STATUS:
      if (!Number.isNaN(avNum)) s.grpc_status = avNum;
      else if (avStrStart >= 0) s.grpc_status = Number(avString(r, interner));
      return;
    case A_DB_SYSTEM:
      s.db_system = avString(r, interner);
      return;
    case A_DB_NAME:
      s.db_name = avString(r, interner);
      return;
    case A_PEER_SERVICE:
      s.peer_service = avString(r, interner);
      return;
    case A_SERVER_ADDRESS:
      s.server_address = avString(r, interner);
      return;
    case A_MSG_SYSTEM:
      s.messaging_system = avString(r, interner);
      return;
    case A_MSG_DEST:
      s.messaging_destination = avString(r, interner);
      return;
  }
}

// ---------------------------------------------------------------------------------------------- metrics

/** Calls `onPoint` for every data point of an ExportMetricsServiceRequest. */
export function scanMetrics(
  bytes: Uint8Array,
  onPoint: (point: MetricPointView) => void,
  options: ScanOptions = {},
): ScanStats {
  const interner = options.interner ?? defaultInterner;
  const res = newResource();
  const p: MetricPointView = {
    resource: res,
    name: "",
    unit: "",
    kind: "gauge",
    temporality: 0,
    monotonic: false,
    time_ms: 0,
    start_ms: 0,
    value: NaN,
    count: 0,
    sum: 0,
    min: NaN,
    max: NaN,
    bucket_counts: null,
    explicit_bounds: null,
    labels: "",
  };
  const stats: ScanStats = { resources: 0, items: 0 };
  walk(
    bytes,
    res,
    interner,
    (r, end) => readMetric(r, end, p, interner, onPoint),
    stats,
    !options.general_only,
  );
  return stats;
}

const METRIC_KINDS: Record<number, MetricKind> = {
  5: "gauge",
  7: "sum",
  9: "histogram",
  10: "exponential_histogram",
  11: "summary",
};

function readMetric(
  r: Reader,
  end: number,
  p: MetricPointView,
  interner: Interner,
  onPoint: (point: MetricPointView) => void,
): void {
  p.name = p.unit = "";
  let dataField = 0, dataStart = -1, dataEnd = -1;
  while (r.pos < end) {
    const f = r.tag(end);
    if (f === 1 || f === 3) {
      const v = readString(r, end, interner, f === 1 ? "Metric.name" : "Metric.unit");
      if (f === 1) p.name = v;
      else p.unit = v;
    } else if (METRIC_KINDS[f] !== undefined) {
      expectWt(r, 2, `Metric.${METRIC_KINDS[f]}`);
      dataEnd = r.len(end);
      dataStart = r.pos;
      dataField = f;
      r.pos = dataEnd;
    } else r.skip(r.wt, end);
  }
  if (dataStart < 0) return;
  p.kind = METRIC_KINDS[dataField];
  p.temporality = 0;
  p.monotonic = false;
  // First pass: temporality / monotonic (they follow the data points on the wire).
  r.pos = dataStart;
  while (r.pos < dataEnd) {
    const f = r.tag(dataEnd);
    if (f === 2 && r.wt === 0 && dataField !== 5 && dataField !== 11) p.temporality = r.varint(dataEnd);
    else if (f === 3 && r.wt === 0 && dataField === 7) p.monotonic = r.varint(dataEnd) !== 0;
    else r.skip(r.wt, dataEnd);
  }
  r.pos = dataStart;
  while (r.pos < dataEnd) {
    const f = r.tag(dataEnd);
    if (f === 1) {
      expectWt(r, 2, "data_points");
      const e = r.len(dataEnd);
      readPoint(r, e, p, dataField, interner);
      r.pos = e;
      onPoint(p);
    } else r.skip(r.wt, dataEnd);
  }
  r.pos = end;
}

function readPoint(r: Reader, end: number, p: MetricPointView, kind: number, interner: Interner): void {
  p.value = NaN;
  p.count = 0;
  p.sum = 0;
  p.min = p.max = NaN;
  p.bucket_counts = p.explicit_bounds = null;
  p.time_ms = p.start_ms = 0;
  let labels: string[] | null = null;
  const numberPoint = kind === 5 || kind === 7;
  const attrField = numberPoint || kind === 11 ? 7 : kind === 9 ? 9 : 1;
  while (r.pos < end) {
    const f = r.tag(end);
    if (f === attrField && r.wt === 2) {
      const e = r.len(end);
      const kv = readLabel(r, e, interner);
      r.pos = e;
      if (kv !== "") (labels ??= []).push(kv);
      continue;
    }
    if (f === 2 || f === 3) {
      expectWt(r, 1, "data point time");
      const t = r.fixed64Ms(end);
      if (f === 3) p.time_ms = t;
      else p.start_ms = t;
      continue;
    }
    if (numberPoint) {
      if (f === 4) {
        expectWt(r, 1, "NumberDataPoint.as_double");
        p.value = r.double(end);
      } else if (f === 6) {
        expectWt(r, 1, "NumberDataPoint.as_int");
        const lo = r.fixed64Split(end);
        p.value = (r.hi | 0) * TWO_32 + lo;
      } else r.skip(r.wt, end);
      continue;
    }
    // Histogram (9), exponential histogram (10), summary (11) share count=4 fixed64, sum=5 double.
    if (f === 4) {
      expectWt(r, 1, "count");
      p.count = r.fixed64(end);
    } else if (f === 5) {
      expectWt(r, 1, "sum");
      p.sum = r.double(end);
    } else if (kind === 9 && f === 6) {
      p.bucket_counts ??= [];
      if (r.wt === 2) {
        const e = r.len(end);
        while (r.pos < e) p.bucket_counts.push(r.fixed64(e));
      } else {
        expectWt(r, 1, "bucket_counts");
        p.bucket_counts.push(r.fixed64(end));
      }
    } else if (kind === 9 && f === 7) {
      p.explicit_bounds ??= [];
      if (r.wt === 2) {
        const e = r.len(end);
        while (r.pos < e) p.explicit_bounds.push(r.double(e));
      } else {
        expectWt(r, 1, "explicit_bounds");
        p.explicit_bounds.push(r.double(end));
      }
    } else if ((kind === 9 && f === 11) || (kind === 10 && f === 12)) {
      expectWt(r, 1, "min");
      p.min = r.double(end);
    } else if ((kind === 9 && f === 12) || (kind === 10 && f === 13)) {
      expectWt(r, 1, "max");
      p.max = r.double(end);
    } else r.skip(r.wt, end);
  }
  p.labels = labels === null ? "" : labels.sort().join(",");
}

function readLabel(r: Reader, end: number, interner: Interner): string {
  let key = "";
  let valStart = -1, valEnd = -1;
  while (r.pos < end) {
    const f = r.tag(end);
    if (f === 1) {
      key = readString(r, end, interner, "KeyValue.key");
    } else if (f === 2) {
      expectWt(r, 2, "KeyValue.value");
      valEnd = r.len(end);
      valStart = r.pos;
      r.pos = valEnd;
    } else r.skip(r.wt, end);
  }
  if (key === "" || valStart < 0) return "";
  r.pos = valStart;
  readAnyValue(r, valEnd);
  r.pos = end;
  return `${key}=${avString(r, interner)}`;
}

// ---------------------------------------------------------------------------------------------- logs

/** Calls `onRecord` for every log record of an ExportLogsServiceRequest. */
export function scanLogs(
  bytes: Uint8Array,
  onRecord: (record: LogRecordView) => void,
  options: ScanOptions = {},
): ScanStats {
  const interner = options.interner ?? defaultInterner;
  const res = newResource();
  const l: LogRecordView = {
    resource: res,
    time_ms: 0,
    severity_number: 0,
    severity_text: "",
    body: "",
    trace_id: EMPTY,
    span_id: EMPTY,
  };
  const stats: ScanStats = { resources: 0, items: 0 };
  walk(
    bytes,
    res,
    interner,
    (r, end) => {
      readLog(r, end, l, interner);
      onRecord(l);
    },
    stats,
    !options.general_only,
  );
  return stats;
}

function readLog(r: Reader, end: number, l: LogRecordView, interner: Interner): void {
  let time = 0, observed = 0;
  l.severity_number = 0;
  l.severity_text = l.body = "";
  l.trace_id = l.span_id = EMPTY;
  while (r.pos < end) {
    const f = r.tag(end);
    switch (f) {
      case 1:
        expectWt(r, 1, "LogRecord.time_unix_nano");
        time = r.fixed64Ms(end);
        break;
      case 11:
        expectWt(r, 1, "LogRecord.observed_time_unix_nano");
        observed = r.fixed64Ms(end);
        break;
      case 2:
        expectWt(r, 0, "LogRecord.severity_number");
        l.severity_number = r.varint(end);
        break;
      case 3:
        l.severity_text = readString(r, end, interner, "LogRecord.severity_text");
        break;
      case 5: {
        expectWt(r, 2, "LogRecord.body");
        const e = r.len(end);
        readAnyValue(r, e);
        if (avStrStart >= 0) l.body = decodeUtf8(r.buf, avStrStart, avStrEnd);
        r.pos = e;
        break;
      }
      case 9: {
        expectWt(r, 2, "LogRecord.trace_id");
        const e = r.len(end);
        l.trace_id = r.buf.subarray(r.pos, e);
        r.pos = e;
        break;
      }
      case 10: {
        expectWt(r, 2, "LogRecord.span_id");
        const e = r.len(end);
        l.span_id = r.buf.subarray(r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(r.wt, end);
    }
  }
  l.time_ms = time !== 0 ? time : observed;
}

// ---------------------------------------------------------------------------------------------- validation

/**
 * Checks that `bytes` is a well-formed Export{Trace,Metrics,Logs}ServiceRequest along the paths Vigil reads
 * (throws {@link OtlpScanError} otherwise) and returns the number of spans / data points / log records.
 */
export function validateOtlp(signal: "traces" | "metrics" | "logs", bytes: Uint8Array): number {
  const noop = () => {};
  const stats = signal === "traces"
    ? scanTraces(bytes, noop)
    : signal === "metrics"
    ? scanMetrics(bytes, noop)
    : scanLogs(bytes, noop);
  return stats.items;
}

/** Lower-case hex of an id (16-byte trace id, 8-byte span id). */
export function idHex(id: Uint8Array): string {
  let s = "";
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Host of the Wasm OTLP span scanner spike (otlp_scan.ts beside this file, AssemblyScript): the same
 * contract as scanTraces() in src/features/otlp_scan.ts (same SpanView, same ScanStats, same OtlpScanError
 * on the same byte, spans before the failing byte delivered first). The request is copied into the
 * scanner's memory, the Wasm walk writes one fixed-size record per span (times, kind, status, byte ranges
 * of ids and name, the span attributes Vigil reads, strings as interned ids), and this host turns each
 * record into the reused span view and calls `onSpan`, a batch of records at a time.
 *
 * ```ts
 * const scanner = new WasmTraceScanner(module);                 // module: the compiled otlp_scan.ts
 * scanner.scanTraces(bytes, (span) => agg.add(span));           // span views are reused
 * ```
 *
 * Strings: the Wasm side interns span names and attribute values by their bytes into small ids (a hash
 * table and byte arena in its memory, kept across calls), and this host decodes each id once. When the
 * table fills up, strings come back un-interned (the JS Interner takes over) until the next call resets
 * both sides. Not re-entrant: a call from inside an `onSpan` callback runs the JS scanner.
 *
 * @module
 */
import {
  decodeUtf8,
  Interner,
  OtlpScanError,
  type ResourceView,
  type ScanOptions,
  type ScanStats,
  scanTraces,
  type SpanView,
} from "../../../src/features/otlp_scan.ts";

/** The raw scanner exports of the kernel module (byte addresses; see kernels/assembly/otlp_scan.ts). */
interface ScanExports {
  memory: WebAssembly.Memory;
  heap_base(): number;
  otlp_scan_init(
    keysResource: number,
    keysSpan: number,
    internTable: number,
    internSlots: number,
    arena: number,
    arenaBytes: number,
    res: number,
    out: number,
    outCap: number,
    state: number,
  ): void;
  otlp_intern_reset(): void;
  otlp_intern_count(): number;
  otlp_scan_begin(inp: number, n: number): void;
  otlp_scan_next(): number;
}

// Layout contract with kernels/assembly/otlp_scan.ts (byte offsets).
const REC_BYTES = 264;
const R_NAME = 32;
const R_IDS = 44;
const R_MASK = 68;
const R_SLOTS = 72;
const SLOT_BYTES = 24;
const RES_SLOTS = 8;
const S_RESOURCES = 0;
const S_ITEMS = 4;
const S_ERR = 8;
const S_COUNT = 28;
const S_ERR_N = 32;

/** Span records per otlp_scan_next() call: 264 bytes each, so the batch stays in L2. */
const OUT_CAP = 256;
/** Intern hash-table slots (half may be filled) and byte arena. */
const INTERN_SLOTS = 1 << 15;
const ARENA_BYTES = 1 << 20;
const PAGE_BYTES = 65536;

/** Attribute keys by slot, as in otlp_scan.ts (RESOURCE_KEYS / SPAN_KEYS): the id is slot + 1. */
const RESOURCE_KEYS: [string, number][] = [
  ["service.name", 0],
  ["service.namespace", 1],
  ["service.instance.id", 2],
  ["k8s.pod.name", 3],
  ["k8s.namespace.name", 4],
  ["k8s.node.name", 5],
  ["host.name", 6],
  ["k8s.container.name", 7],
];
const SPAN_KEYS: [string, number][] = [
  ["http.response.status_code", 0],
  ["http.status_code", 0],
  ["rpc.grpc.status_code", 1],
  ["db.system", 2],
  ["db.system.name", 2],
  ["db.name", 3],
  ["db.namespace", 3],
  ["peer.service", 4],
  ["server.address", 5],
  ["net.peer.name", 5],
  ["messaging.system", 6],
  ["messaging.destination.name", 7],
  ["messaging.destination", 7],
];
const SPAN_STRING_FIELDS = [
  null, // http_status
  null, // grpc_status
  "db_system",
  "db_name",
  "peer_service",
  "server_address",
  "messaging_system",
  "messaging_destination",
] as const;
const RESOURCE_FIELDS = [
  "service",
  "namespace",
  "instance",
  "pod",
  "k8s_namespace",
  "node",
  "host",
  "container",
] as const;

/** Field names of wrong-wire-type errors, by the index the Wasm scanner reports. */
const FIELD_NAMES = [
  "request.resource_*",
  "resource",
  "scope_*",
  "scope item",
  "Resource.attributes",
  "KeyValue.key",
  "KeyValue.value",
  "AnyValue.string_value",
  "AnyValue.bool_value",
  "AnyValue.int_value",
  "AnyValue.double_value",
  "Span.trace_id",
  "Span.span_id",
  "Span.parent_span_id",
  "Span.name",
  "Span.kind",
  "Span.start_time_unix_nano",
  "Span.end_time_unix_nano",
  "Span.attributes",
  "Span.status",
  "Status.code",
];

const EMPTY = new Uint8Array(0);

/** The span view handed out: ids are byte ranges of the input, made into subarrays only when read. */
class WasmSpan implements SpanView {
  buf: Uint8Array = EMPTY;
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
  constructor(readonly resource: ResourceView) {}
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

const defaultInterner = new Interner();

/** One instance of the scanner (its own Wasm memory) with its host-side string table. */
export class WasmTraceScanner {
  readonly #x: ScanExports;
  readonly #state: number;
  readonly #res: number;
  readonly #out: number;
  readonly #input: number;
  readonly #internLimit = INTERN_SLOTS >> 1;
  /** Decoded strings by intern id (undefined until first read). */
  #strings: (string | undefined)[] = [];
  #buffer: ArrayBuffer | null = null;
  #i32 = new Int32Array(0);
  #f64 = new Float64Array(0);
  #u8 = new Uint8Array(0);
  #busy = false;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, { env: { abort() {} } });
    this.#x = instance.exports as unknown as ScanExports;
    const heap = (this.#x.heap_base() + 15) & ~15;
    const keysResource = heap;
    const keysSpan = heap + 1024;
    this.#state = heap + 2048;
    this.#res = heap + 2112;
    this.#out = heap + 2368;
    const table = this.#out + OUT_CAP * REC_BYTES;
    const arena = table + INTERN_SLOTS * 16;
    this.#input = arena + ARENA_BYTES;
    this.#ensure(this.#input);
    this.#writeKeys(keysResource, RESOURCE_KEYS);
    this.#writeKeys(keysSpan, SPAN_KEYS);
    this.#x.otlp_scan_init(
      keysResource,
      keysSpan,
      table,
      INTERN_SLOTS,
      arena,
      ARENA_BYTES,
      this.#res,
      this.#out,
      OUT_CAP,
      this.#state,
    );
    this.#resetStrings();
  }

  /** Key table: 64 u32 (first entry | count << 16) by key length, (id, address) entries at +256, bytes at +512. */
  #writeKeys(at: number, keys: [string, number][]): void {
    const enc = new TextEncoder();
    const sorted = keys.map(([k, slot]) => ({ bytes: enc.encode(k), id: slot + 1 }))
      .sort((a, b) => a.bytes.length - b.bytes.length);
    const view = new DataView(this.#x.memory.buffer);
    let bytesAt = at + 512;
    sorted.forEach((k, j) => {
      const n = k.bytes.length;
      const li = view.getUint32(at + 4 * n, true);
      view.setUint32(at + 4 * n, li === 0 ? (j | 1 << 16) : li + (1 << 16), true);
      view.setInt32(at + 256 + 8 * j, k.id, true);
      view.setUint32(at + 256 + 8 * j + 4, bytesAt, true);
      new Uint8Array(this.#x.memory.buffer, bytesAt, n).set(k.bytes);
      bytesAt += n;
    });
    if (bytesAt > at + 1024 || sorted.length > 32) throw new Error("OTLP scanner key table overflows");
  }

  #resetStrings(): void {
    this.#x.otlp_intern_reset();
    this.#strings = new Array(this.#internLimit + 1).fill(undefined);
    this.#strings[0] = "";
  }

  #ensure(endByte: number): void {
    const have = this.#x.memory.buffer.byteLength;
    if (endByte > have) this.#x.memory.grow(Math.ceil((endByte - have) / PAGE_BYTES));
    this.#refresh();
  }

  #refresh(): void {
    if (this.#buffer !== null && this.#buffer.byteLength !== 0) return;
    const buffer = this.#x.memory.buffer as ArrayBuffer;
    this.#buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#u8 = new Uint8Array(buffer);
  }

  /** A string slot [id, offset, length] at i32 index w: the string, or undefined when it has none. */
  #slotString(w: number, bytes: Uint8Array, interner: Interner): string | undefined {
    const i32 = this.#i32;
    const n = i32[w + 2];
    if (n < 0) return undefined;
    const id = i32[w];
    const off = i32[w + 1];
    if (id < 0) return interner.intern(bytes, off, off + n);
    return this.#strings[id] ?? (this.#strings[id] = decodeUtf8(bytes, off, off + n));
  }

  #readResource(res: ResourceView, bytes: Uint8Array, interner: Interner): void {
    const i32 = this.#i32;
    const mask = i32[this.#res >> 2];
    for (let k = 0; k < 8; k++) {
      let v = "";
      if (mask & (1 << k)) {
        const at = this.#res + RES_SLOTS + k * SLOT_BYTES;
        const num = this.#f64[(at + 16) >> 3];
        v = this.#slotString(at >> 2, bytes, interner) ?? (Number.isNaN(num) ? "" : String(num));
      }
      res[RESOURCE_FIELDS[k]] = v;
    }
    if (res.service === "") res.service = "unknown_service";
  }

  #readAttributes(s: WasmSpan, rec: number, mask: number, bytes: Uint8Array, interner: Interner): void {
    for (let k = 0; k < 8; k++) {
      if ((mask & (1 << k)) === 0) continue;
      const at = rec + R_SLOTS + k * SLOT_BYTES;
      const num = this.#f64[(at + 16) >> 3];
      const str = this.#slotString(at >> 2, bytes, interner);
      if (k === 0) s.http_status = str !== undefined ? Number(str) || 0 : num || 0;
      else if (k === 1) s.grpc_status = !Number.isNaN(num) ? num : Number(str);
      else s[SPAN_STRING_FIELDS[k]!] = str ?? (Number.isNaN(num) ? "" : String(num));
    }
  }

  /** Delivers the n records of the last call, in order. */
  #drain(
    n: number,
    s: WasmSpan,
    bytes: Uint8Array,
    interner: Interner,
    onSpan: (span: SpanView) => void,
  ): void {
    for (let k = 0; k < n; k++) {
      const rec = this.#out + k * REC_BYTES;
      const i32 = this.#i32;
      const f64 = this.#f64;
      const d = rec >> 3;
      const w = rec >> 2;
      s.start_ms = f64[d];
      s.duration_ms = f64[d + 1];
      s.kind = f64[d + 2];
      s.status_code = f64[d + 3];
      const nameId = i32[w + (R_NAME >> 2)];
      s.name = nameId >= 0
        ? this.#strings[nameId] ?? this.#slotString(w + (R_NAME >> 2), bytes, interner)!
        : this.#slotString(w + (R_NAME >> 2), bytes, interner)!;
      const ids = w + (R_IDS >> 2);
      s.ts = i32[ids];
      s.te = i32[ids + 1];
      s.ss = i32[ids + 2];
      s.se = i32[ids + 3];
      s.ps = i32[ids + 4];
      s.pe = i32[ids + 5];
      s.http_status = 0;
      s.grpc_status = -1;
      s.db_system =
        s.db_name =
        s.peer_service =
        s.server_address =
          "";
      s.messaging_system = s.messaging_destination = "";
      const mask = i32[w + (R_MASK >> 2)];
      if (mask !== 0) this.#readAttributes(s, rec, mask, bytes, interner);
      onSpan(s);
    }
  }

  /** scanTraces() on Wasm: same spans, same order, same stats, same OtlpScanError. */
  scanTraces(bytes: Uint8Array, onSpan: (span: SpanView) => void, options: ScanOptions = {}): ScanStats {
    if (this.#busy) return scanTraces(bytes, onSpan, options);
    this.#busy = true;
    try {
      return this.#scan(bytes, onSpan, options.interner ?? defaultInterner);
    } finally {
      this.#busy = false;
    }
  }

  #scan(bytes: Uint8Array, onSpan: (span: SpanView) => void, interner: Interner): ScanStats {
    const x = this.#x;
    if (x.otlp_intern_count() >= this.#internLimit) this.#resetStrings();
    this.#ensure(this.#input + bytes.length);
    this.#u8.set(bytes, this.#input);
    x.otlp_scan_begin(this.#input, bytes.length);
    const res: ResourceView = {
      service: "",
      namespace: "",
      instance: "",
      pod: "",
      k8s_namespace: "",
      node: "",
      host: "",
      container: "",
    };
    const s = new WasmSpan(res);
    s.buf = bytes;
    const state = this.#state >> 2;
    let resources = 0;
    for (;;) {
      let r: number;
      try {
        r = x.otlp_scan_next();
      } catch (e) {
        this.#fail(e, bytes, res, resources, s, interner, onSpan);
      }
      const n = r < 0 ? ~r : r;
      if (this.#i32[state + (S_RESOURCES >> 2)] !== resources) {
        resources = this.#i32[state + (S_RESOURCES >> 2)];
        this.#readResource(res, bytes, interner);
      }
      this.#drain(n, s, bytes, interner, onSpan);
      if (r < 0) break;
    }
    return { resources, items: this.#i32[state + (S_ITEMS >> 2)] };
  }

  /** After a trap: delivers the records written before the failing byte, then throws its OtlpScanError. */
  #fail(
    e: unknown,
    bytes: Uint8Array,
    res: ResourceView,
    resources: number,
    s: WasmSpan,
    interner: Interner,
    onSpan: (span: SpanView) => void,
  ): never {
    const state = this.#state >> 2;
    const i32 = this.#i32;
    const code = i32[state + (S_ERR >> 2)];
    if (!(e instanceof WebAssembly.RuntimeError) || code === 0) throw e;
    const pending = i32[state + (S_COUNT >> 2)];
    if (pending > 0) {
      if (i32[state + (S_RESOURCES >> 2)] !== resources) this.#readResource(res, bytes, interner);
      this.#drain(pending, s, bytes, interner, onSpan);
    }
    const [pos, a, b, c] = i32.subarray(state + 3, state + 7);
    const what = code === 1
      ? "a varint is truncated"
      : code === 2
      ? "a varint is longer than 10 bytes"
      : code === 3
      ? `a length of ${this.#f64[(this.#state + S_ERR_N) >> 3]} runs past its message`
      : code === 4
      ? "a fixed64 is truncated"
      : code === 5
      ? "a fixed32 is truncated"
      : code === 6
      ? `wire type ${a} is not allowed`
      : code === 7
      ? "field number 0 is not allowed"
      : code === 8
      ? `${FIELD_NAMES[c]} has wire type ${a}, expected ${b}`
      : "a double is truncated";
    throw new OtlpScanError(`Cannot decode OTLP as ${what}: at byte ${pos}`);
  }
}

// OTLP span scanner SPIKE (measured by kernels/bench/otlp_scan.ts, not part of the product: it was not
// 2x faster than the JS scanner, and since the JS scanner's fast path it is slower: the figures are in the
// header of kernels/bench/otlp_scan.ts). Compiled on its own by that benchmark, which also uses it as an
// independent reader to check the JS scanner against.
//
// Walks an ExportTraceServiceRequest (protobuf wire format) in linear memory and writes
// one fixed-size record per span (times, kind, status, byte ranges of ids and name, the span attributes
// Vigil reads) plus one resource record per ResourceSpans. It is the Wasm twin of scanTraces() in
// src/features/otlp_scan.ts and mirrors its general path step for step (same fields read, same fields
// skipped unread, same order), so that it reports the same spans and fails on the same byte with the same
// error.
//
// Errors: the failing check records a code and the byte position in the state area, then executes
// `unreachable`; the host catches the trap and throws OtlpScanError. Every read is checked against the end
// of its enclosing message, and every end lies inside the input, so the walk never reads past the input.
//
// Strings (span names, attribute values) are interned here: a hash table over a byte arena, persistent
// across calls, gives each distinct byte string a small id, and the host decodes each id once.
//
// Resumable: otlp_scan_next() returns when the output holds out_cap records, or before a new resource
// when records are pending (so all records of one call share the resource record), and carries on from
// there at the next call. See otlp_scan_wasm.ts beside this file for the layout contract.

// ---------------------------------------------------------------------------------------------- layout

/** Span record: 66 i32 words (264 bytes). f64 at bytes 0/8/16/24: start_ms, duration_ms, kind, status. */
const REC_BYTES: usize = 264;
const R_NAME: usize = 32; // name id, name offset, name length (i32 x 3)
const R_IDS: usize = 44; // trace id, span id, parent span id: [start, end) pairs, start -1 when absent
const R_MASK: usize = 68; // bit k: attribute slot k present
const R_SLOTS: usize = 72; // 8 slots of 24 bytes: string id, string offset, string length, pad, f64 number
const SLOT_BYTES: usize = 24;
/** Resource record: mask (i32), pad, then 8 slots. */
const RES_SLOTS: usize = 8;

// State area (i32 words): resources, items, error code, error position, error args a/b/c, pending count,
// f64 error number at byte 32.
const S_RESOURCES: usize = 0;
const S_ITEMS: usize = 4;
const S_ERR: usize = 8;
const S_ERR_POS: usize = 12;
const S_ERR_A: usize = 16;
const S_ERR_B: usize = 20;
const S_ERR_C: usize = 24;
const S_COUNT: usize = 28;
const S_ERR_N: usize = 32;

// Error codes (the host maps them to the JS scanner's messages).
const E_VARINT_TRUNCATED: i32 = 1;
const E_VARINT_LONG: i32 = 2;
const E_LENGTH_PAST: i32 = 3;
const E_FIXED64: i32 = 4;
const E_FIXED32: i32 = 5;
const E_WIRE_TYPE: i32 = 6;
const E_FIELD_ZERO: i32 = 7;
const E_EXPECT_WT: i32 = 8;
const E_DOUBLE: i32 = 9;

// Field names of wrong-wire-type errors (index into the host's list).
const N_REQUEST_RESOURCE: i32 = 0;
const N_RESOURCE: i32 = 1;
const N_SCOPE: i32 = 2;
const N_SCOPE_ITEM: i32 = 3;
const N_RESOURCE_ATTRIBUTES: i32 = 4;
const N_KEY: i32 = 5;
const N_VALUE: i32 = 6;
const N_STRING_VALUE: i32 = 7;
const N_BOOL_VALUE: i32 = 8;
const N_INT_VALUE: i32 = 9;
const N_DOUBLE_VALUE: i32 = 10;
const N_TRACE_ID: i32 = 11;
const N_SPAN_ID: i32 = 12;
const N_PARENT_SPAN_ID: i32 = 13;
const N_NAME: i32 = 14;
const N_KIND: i32 = 15;
const N_START: i32 = 16;
const N_END: i32 = 17;
const N_SPAN_ATTRIBUTES: i32 = 18;
const N_STATUS: i32 = 19;
const N_STATUS_CODE: i32 = 20;

/** Span attribute slot of rpc.grpc.status_code: an occurrence without a value leaves it unchanged. */
const SLOT_GRPC: i32 = 1;
const NO_FIELD: i32 = 0x7fffffff;
const MAX_INTERNED_BYTES: usize = 256;

// ---------------------------------------------------------------------------------------------- state

let keysResource: usize = 0;
let keysSpan: usize = 0;
let spanKeyLengths: u64 = 0; // bit n: some span key Vigil reads is n bytes long
let internTable: usize = 0;
let internMask: u32 = 0;
let internLimit: i32 = 0;
let internCount: i32 = 1; // id 0 is the empty string
let arenaStart: usize = 0;
let arenaTop: usize = 0;
let arenaEnd: usize = 0;
let resArea: usize = 0;
let outArea: usize = 0;
let outCap: i32 = 0;
let stateArea: usize = 0;

let base: usize = 0; // input start: offsets and error positions are relative to it
let inEnd: usize = 0;
let topPos: usize = 0; // cursor over the request's fields
let inResource = false; // between otlp_scan_next() calls: inside a resource's scopes
let rPos: usize = 0; // cursor over the current ResourceSpans' fields (second pass)
let rEnd: usize = 0;
let inScope = false;
let sPos: usize = 0; // cursor over the current ScopeSpans' fields
let sEnd: usize = 0;
let count: i32 = 0;

// Results of the small readers (one global each, so the cursor stays a local of the caller).
let V: f64 = 0; // varint value
let F: i32 = 0; // field number
let WT: i32 = 0; // wire type
let LE: usize = 0; // end of a length-delimited field
let avStr: isize = -1; // AnyValue string [avStr, avEnd), -1 when none
let avEnd: usize = 0;
let avNum: f64 = NaN;

// ---------------------------------------------------------------------------------------------- wire

function fail(code: i32, p: usize, a: i32, b: i32, c: i32): void {
  store<i32>(stateArea, code, S_ERR);
  store<i32>(stateArea, <i32> (p - base), S_ERR_POS);
  store<i32>(stateArea, a, S_ERR_A);
  store<i32>(stateArea, b, S_ERR_B);
  store<i32>(stateArea, c, S_ERR_C);
  unreachable();
}

// @ts-ignore: decorator
function expectWt(want: i32, name: i32, p: usize): void {
  if (WT != want) fail(E_EXPECT_WT, p, WT, want, name);
}

function varintSlow(p: usize, end: usize, first: u32): usize {
  let v = <f64> (first & 0x7f);
  let mul: f64 = 128;
  for (let i = 1; i < 10; i++) {
    if (p >= end) fail(E_VARINT_TRUNCATED, p, 0, 0, 0);
    const b = <u32> load<u8>(p++);
    v += <f64> (b & 0x7f) * mul;
    if (b < 0x80) {
      V = v;
      return p;
    }
    mul *= 128;
  }
  fail(E_VARINT_LONG, p, 0, 0, 0);
  return p;
}

/** Unsigned varint into V as a double, summed like the JS scanner (identical above 2^53 too). */
// @ts-ignore: decorator
function varint(p: usize, end: usize): usize {
  if (p >= end) fail(E_VARINT_TRUNCATED, p, 0, 0, 0);
  const b = <u32> load<u8>(p);
  if (b < 0x80) {
    V = <f64> b;
    return p + 1;
  }
  return varintSlow(p + 1, end, b);
}

/** Length prefix: LE = end of the delimited bytes; returns their start. */
// @ts-ignore: decorator
function len(p: usize, end: usize): usize {
  p = varint(p, end);
  if (<f64> (p - base) + V > <f64> (end - base)) {
    store<f64>(stateArea, V, S_ERR_N);
    fail(E_LENGTH_PAST, p, 0, 0, 0);
  }
  LE = p + <usize> V;
  return p;
}

function tagSlow(p: usize, end: usize): usize {
  p = varint(p, end);
  const t = V;
  WT = <i32> (t % 8);
  const f = Math.floor(t / 8);
  if (f == 0) fail(E_FIELD_ZERO, p, 0, 0, 0);
  F = f > 1e9 ? NO_FIELD : <i32> f;
  return p;
}

/** Tag: F = field number, WT = wire type. */
// @ts-ignore: decorator
function tag(p: usize, end: usize): usize {
  if (p < end) {
    const b = <i32> load<u8>(p);
    if (b < 0x80) {
      WT = b & 7;
      if (b < 8) fail(E_FIELD_ZERO, p + 1, 0, 0, 0);
      F = b >> 3;
      return p + 1;
    }
  }
  return tagSlow(p, end);
}

function skip(wt: i32, p: usize, end: usize): usize {
  switch (wt) {
    case 0:
      return varint(p, end);
    case 1:
      if (p + 8 > end) fail(E_FIXED64, p, 0, 0, 0);
      return p + 8;
    case 2:
      len(p, end);
      return LE;
    case 5:
      if (p + 4 > end) fail(E_FIXED32, p, 0, 0, 0);
      return p + 4;
    default:
      fail(E_WIRE_TYPE, p, wt, 0, 0);
      return p;
  }
}

// ---------------------------------------------------------------------------------------------- strings

// @ts-ignore: decorator
function bytesEqual(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
  }
  for (; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

/**
 * Id of the byte string [p, p + n): 0 for the empty string, -1 when not interned (longer than 256 bytes,
 * or the table or arena is full until the host resets it).
 */
function intern(p: usize, n: usize): i32 {
  if (n == 0) return 0;
  if (n > MAX_INTERNED_BYTES) return -1;
  // Hash of the length and the first and last 8 bytes (names like `GET /api/v1/resource12` differ at the
  // end); strings that share them only cost a compare.
  let x: u64;
  if (n >= 8) x = load<u64>(p) * 0x9e3779b97f4a7c15 ^ load<u64>(p + n - 8) * 0xc2b2ae3d27d4eb4f;
  else {
    x = 0;
    for (let i: usize = 0; i < n; i++) x = (x << 8) | <u64> load<u8>(p + i);
    x *= 0x9e3779b97f4a7c15;
  }
  x ^= <u64> n;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9;
  const h = <u32> (x >> 32);
  let slot = h & internMask;
  while (true) {
    const e = internTable + (<usize> slot << 4);
    const id = load<i32>(e, 4);
    if (id == 0) break;
    if (load<u32>(e) == h && load<u32>(e, 12) == <u32> n && bytesEqual(load<u32>(e, 8), p, n)) return id;
    slot = (slot + 1) & internMask;
  }
  if (internCount >= internLimit || arenaTop + n > arenaEnd) return -1;
  memory.copy(arenaTop, p, n);
  const e = internTable + (<usize> slot << 4);
  const id = internCount++;
  store<u32>(e, h);
  store<i32>(e, id, 4);
  store<u32>(e, <u32> arenaTop, 8);
  store<u32>(e, <u32> n, 12);
  arenaTop += n;
  return id;
}

// ---------------------------------------------------------------------------------------------- attributes

/** Key table lookup (layout written by the host): 64 u32 (first entry | count << 16) by key length, then (id, address) entries. */
function matchKey(table: usize, p: usize, n: usize): i32 {
  if (n >= 64) return 0;
  const li = load<u32>(table + (n << 2));
  const first = <usize> (li & 0xffff);
  const last = first + <usize> (li >>> 16);
  for (let j = first; j < last; j++) {
    const e = table + 256 + (j << 3);
    if (bytesEqual(load<u32>(e, 4), p, n)) return load<i32>(e);
  }
  return 0;
}

/** AnyValue [p, end): string / bool / int / double into avStr/avEnd/avNum, the rest skipped. */
function readAnyValue(p: usize, end: usize): void {
  avStr = -1;
  avNum = NaN;
  while (p < end) {
    p = tag(p, end);
    switch (F) {
      case 1: {
        expectWt(2, N_STRING_VALUE, p);
        p = len(p, end);
        avStr = <isize> p;
        avEnd = LE;
        p = LE;
        break;
      }
      case 2: {
        expectWt(0, N_BOOL_VALUE, p);
        p = varint(p, end);
        avNum = V != 0 ? 1 : 0;
        break;
      }
      case 3: {
        expectWt(0, N_INT_VALUE, p);
        p = varint(p, end);
        avNum = V >= 9223372036854775808.0 ? V - 18446744073709551616.0 : V;
        break;
      }
      case 4: {
        expectWt(1, N_DOUBLE_VALUE, p);
        if (p + 8 > end) fail(E_DOUBLE, p, 0, 0, 0);
        avNum = load<f64>(p);
        p += 8;
        break;
      }
      default:
        p = skip(WT, p, end);
    }
  }
}

/** KeyValue [p, end): the key's id in `table` (0 when Vigil does not read it: the value is then never looked at). */
function readKeyValue(p: usize, end: usize, table: usize): i32 {
  let id = 0;
  let valStart: isize = -1;
  let valEnd: usize = 0;
  while (p < end) {
    p = tag(p, end);
    if (F == 1) {
      expectWt(2, N_KEY, p);
      p = len(p, end);
      id = matchKey(table, p, LE - p);
      p = LE;
      if (id == 0) return 0;
    } else if (F == 2) {
      expectWt(2, N_VALUE, p);
      p = len(p, end);
      valStart = <isize> p;
      valEnd = LE;
      p = LE;
    } else p = skip(WT, p, end);
  }
  avStr = -1;
  avNum = NaN;
  if (id != 0 && valStart >= 0) readAnyValue(<usize> valStart, valEnd);
  return id;
}

/** Writes the AnyValue just read into slot k of a record whose slots start at `slots`. */
// @ts-ignore: decorator
function putSlot(slots: usize, k: i32): void {
  const e = slots + <usize> k * SLOT_BYTES;
  if (avStr >= 0) {
    const s = <usize> avStr;
    store<i32>(e, intern(s, avEnd - s));
    store<i32>(e, <i32> (s - base), 4);
    store<i32>(e, <i32> (avEnd - s), 8);
  } else {
    store<i32>(e, -1);
    store<i32>(e, 0, 4);
    store<i32>(e, -1, 8);
  }
  store<f64>(e, avNum, 16);
}

function readResource(p: usize, end: usize): void {
  let mask = 0;
  while (p < end) {
    p = tag(p, end);
    if (F == 1) {
      expectWt(2, N_RESOURCE_ATTRIBUTES, p);
      p = len(p, end);
      const e = LE;
      const id = readKeyValue(p, e, keysResource);
      p = e;
      if (id == 0) continue;
      putSlot(resArea + RES_SLOTS, id - 1);
      mask |= 1 << (id - 1);
    } else p = skip(WT, p, end);
  }
  store<i32>(resArea, mask);
}

// ---------------------------------------------------------------------------------------------- spans

/**
 * Length-delimited field at p (its length prefix): [start, end) packed as end << 32 | start. One- and
 * two-byte prefixes that fit are decoded here; anything else (and every error) goes through len().
 */
// @ts-ignore: decorator
function lenAt(p: usize, end: usize): u64 {
  if (p + 1 < end) {
    let n = <usize> load<u8>(p);
    let s = p + 1;
    if (n >= 0x80) {
      const b = <usize> load<u8>(s);
      n = (n & 0x7f) | (b << 7);
      s++;
      if (b >= 0x80) n = <usize> -1;
    }
    if (n <= end - s) return (<u64> (s + n) << 32) | <u64> s;
  }
  const s = len(p, end);
  return (<u64> LE << 32) | <u64> s;
}

/**
 * Span [p, end) into the record at rec. One-byte tags are decoded into locals (the wire type checked with
 * the field); only multi-byte tags and failures go through tag() and the globals.
 */
function readSpan(p: usize, end: usize, rec: usize): void {
  let sLo: f64 = 0, sHi: f64 = 0, eLo: f64 = 0, eHi: f64 = 0;
  let kind: f64 = 0, status: f64 = 0;
  let nameId = 0;
  let nameS = base, nameE = base;
  let ts: usize = 0, te: usize = 0, ss: usize = 0, se: usize = 0, ps: usize = 0, pe: usize = 0;
  let has = 0; // 1 trace id, 2 span id, 4 parent span id
  let mask = 0;
  const slots = rec + R_SLOTS;
  const keyLens = spanKeyLengths;
  while (p < end) {
    let f: i32, wt: i32;
    const b = <i32> load<u8>(p);
    if (b < 0x80 && b >= 8) {
      f = b >> 3;
      wt = b & 7;
      p++;
    } else {
      p = tag(p, end);
      f = F;
      wt = WT;
    }
    switch (f) {
      case 1: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_TRACE_ID);
        const r = lenAt(p, end);
        ts = <usize> r;
        te = p = <usize> (r >>> 32);
        has |= 1;
        break;
      }
      case 2: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_SPAN_ID);
        const r = lenAt(p, end);
        ss = <usize> r;
        se = p = <usize> (r >>> 32);
        has |= 2;
        break;
      }
      case 4: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_PARENT_SPAN_ID);
        const r = lenAt(p, end);
        ps = <usize> r;
        pe = p = <usize> (r >>> 32);
        has |= 4;
        break;
      }
      case 5: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_NAME);
        const r = lenAt(p, end);
        nameS = <usize> r;
        nameE = p = <usize> (r >>> 32);
        nameId = intern(nameS, nameE - nameS);
        break;
      }
      case 6: {
        if (wt != 0) fail(E_EXPECT_WT, p, wt, 0, N_KIND);
        if (p < end && load<u8>(p) < 0x80) kind = <f64> load<u8>(p++);
        else {
          p = varint(p, end);
          kind = V;
        }
        break;
      }
      case 7: {
        if (wt != 1) fail(E_EXPECT_WT, p, wt, 1, N_START);
        if (p + 8 > end) fail(E_FIXED64, p, 0, 0, 0);
        sLo = <f64> load<u32>(p);
        sHi = <f64> load<u32>(p, 4);
        p += 8;
        break;
      }
      case 8: {
        if (wt != 1) fail(E_EXPECT_WT, p, wt, 1, N_END);
        if (p + 8 > end) fail(E_FIXED64, p, 0, 0, 0);
        eLo = <f64> load<u32>(p);
        eHi = <f64> load<u32>(p, 4);
        p += 8;
        break;
      }
      case 9: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_SPAN_ATTRIBUTES);
        const r = lenAt(p, end);
        const s = <usize> r;
        const e = <usize> (r >>> 32);
        p = e;
        // The common shape, a key first with a one-byte length that no key Vigil reads has: the JS
        // scanner reads the key's tag and length, finds no match and moves on, and so does this.
        if (s + 2 <= e && load<u8>(s) == 0x0a) {
          const kl = <usize> load<u8>(s + 1);
          if (kl < 64 && ((keyLens >> <u64> kl) & 1) == 0 && kl <= e - s - 2) break;
        }
        const id = readKeyValue(s, e, keysSpan);
        if (id == 0) break;
        const k = id - 1;
        if (k == SLOT_GRPC && avStr < 0 && isNaN(avNum)) break; // no value: the JS scanner keeps the last one
        putSlot(slots, k);
        mask |= 1 << k;
        break;
      }
      case 15: {
        if (wt != 2) fail(E_EXPECT_WT, p, wt, 2, N_STATUS);
        const r = lenAt(p, end);
        const e = <usize> (r >>> 32);
        p = <usize> r;
        while (p < e) {
          p = tag(p, e);
          if (F == 3) {
            expectWt(0, N_STATUS_CODE, p);
            p = varint(p, e);
            status = V;
          } else p = skip(WT, p, e);
        }
        break;
      }
      default:
        p = skip(wt, p, end);
    }
  }
  store<f64>(rec, sHi * 4294.0 + (sHi * 967296.0 + sLo) / 1e6); // as nanosToMs in src/features/otlp_scan.ts
  store<f64>(rec, ((eHi - sHi) * 4294967296.0 + (eLo - sLo)) / 1e6, 8);
  store<f64>(rec, kind, 16);
  store<f64>(rec, status, 24);
  store<i32>(rec, nameId, R_NAME);
  store<i32>(rec, <i32> (nameS - base), R_NAME + 4);
  store<i32>(rec, <i32> (nameE - nameS), R_NAME + 8);
  store<i32>(rec, has & 1 ? <i32> (ts - base) : -1, R_IDS);
  store<i32>(rec, <i32> (te - base), R_IDS + 4);
  store<i32>(rec, has & 2 ? <i32> (ss - base) : -1, R_IDS + 8);
  store<i32>(rec, <i32> (se - base), R_IDS + 12);
  store<i32>(rec, has & 4 ? <i32> (ps - base) : -1, R_IDS + 16);
  store<i32>(rec, <i32> (pe - base), R_IDS + 20);
  store<i32>(rec, mask, R_MASK);
}

/** Items of the current ScopeSpans from sPos; false when the output filled up (sPos saved). */
function scopeItems(): bool {
  let p = sPos;
  const end = sEnd;
  while (p < end) {
    p = tag(p, end);
    if (F == 2) {
      expectWt(2, N_SCOPE_ITEM, p);
      const r = lenAt(p, end);
      const e = <usize> (r >>> 32);
      p = <usize> r;
      readSpan(p, e, outArea + <usize> count * REC_BYTES);
      p = e;
      store<i32>(stateArea, load<i32>(stateArea, S_ITEMS) + 1, S_ITEMS);
      count++;
      store<i32>(stateArea, count, S_COUNT);
      if (count == outCap) {
        sPos = p;
        return false;
      }
    } else p = skip(WT, p, end);
  }
  inScope = false;
  return true;
}

/** Second pass over the current ResourceSpans from rPos: every scope_spans in order; false when full. */
function resourceScopes(): bool {
  if (inScope && !scopeItems()) return false;
  let p = rPos;
  const end = rEnd;
  while (p < end) {
    p = tag(p, end);
    if (F == 2) {
      // checked by the first pass: a length-delimited field inside the ResourceSpans
      p = len(p, end);
      sPos = p;
      sEnd = LE;
      rPos = LE;
      inScope = true;
      if (!scopeItems()) return false;
      p = LE;
    } else p = skip(WT, p, end);
  }
  inResource = false;
  return true;
}

// ---------------------------------------------------------------------------------------------- exports

/** First free byte after the module's static data. */
export function heap_base(): usize {
  return __heap_base;
}

/** Sets the memory layout (byte addresses chosen by the host) and empties the intern table. */
export function otlp_scan_init(
  keys_resource: usize,
  keys_span: usize,
  intern_table: usize,
  intern_slots: u32,
  arena: usize,
  arena_bytes: usize,
  res: usize,
  out: usize,
  out_cap: i32,
  state: usize,
): void {
  keysResource = keys_resource;
  keysSpan = keys_span;
  spanKeyLengths = 0;
  for (let n: usize = 0; n < 64; n++) {
    if (load<u32>(keys_span + (n << 2)) >>> 16 != 0) spanKeyLengths |= (<u64> 1) << <u64> n;
  }
  internTable = intern_table;
  internMask = intern_slots - 1;
  internLimit = <i32> (intern_slots >> 1);
  arenaStart = arena;
  arenaEnd = arena + arena_bytes;
  resArea = res;
  outArea = out;
  outCap = out_cap;
  stateArea = state;
  otlp_intern_reset();
}

/** Forgets every interned string (ids restart at 1). */
export function otlp_intern_reset(): void {
  memory.fill(internTable, 0, (<usize> internMask + 1) << 4);
  internCount = 1;
  arenaTop = arenaStart;
}

/** Number of ids handed out so far (the next new string gets this id). */
export function otlp_intern_count(): i32 {
  return internCount;
}

/** Starts a scan of the request at [inp, inp + n). */
export function otlp_scan_begin(inp: usize, n: usize): void {
  base = inp;
  inEnd = inp + n;
  topPos = inp;
  inResource = false;
  inScope = false;
  count = 0;
  memory.fill(stateArea, 0, 40);
}

/**
 * Scans on: writes up to out_cap span records and returns their number, or its complement (~n, < 0) when
 * the request is finished. All records of one call belong to the resource in the resource record.
 */
export function otlp_scan_next(): i32 {
  count = 0;
  store<i32>(stateArea, 0, S_COUNT);
  if (inResource && !resourceScopes()) return count;
  const end = inEnd;
  while (topPos < end) {
    if (count > 0) return count; // hand these over before the resource record changes
    let p = tag(topPos, end);
    if (F != 1) {
      topPos = skip(WT, p, end);
      continue;
    }
    expectWt(2, N_REQUEST_RESOURCE, p);
    p = len(p, end);
    const start = p;
    const stop = LE;
    let resStart: usize = 0, resEnd: usize = 0;
    while (p < stop) {
      p = tag(p, stop);
      if (F == 1) {
        expectWt(2, N_RESOURCE, p);
        p = len(p, stop);
        resStart = p;
        resEnd = LE;
        p = LE;
      } else if (F == 2) {
        expectWt(2, N_SCOPE, p);
        p = len(p, stop);
        p = LE;
      } else p = skip(WT, p, stop);
    }
    readResource(resStart, resEnd);
    store<i32>(stateArea, load<i32>(stateArea, S_RESOURCES) + 1, S_RESOURCES);
    topPos = stop;
    rPos = start;
    rEnd = stop;
    inResource = true;
    inScope = false;
    if (!resourceScopes()) return count;
  }
  return ~count;
}

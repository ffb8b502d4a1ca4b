/**
 * The binary wire form of span halves messages (`vigil.spans.{p}`), used instead of JSON: JSON encode +
 * parse of halves cost the feature worker and the graph assembler about as much CPU as extracting them
 * (bench:features, 512-span requests: ~43 KB of JSON per request, mostly field names and hex ids).
 *
 * ```ts
 * const bytes = encodeHalves(msg);      // msg: HalfColumnsMessage (what the worker builds) or SpanHalvesMessage
 * decodeHalfColumns(bytes);             // HalfColumnsMessage: what the graph assembler reads, no per-half object
 * decodeHalves(bytes);                  // SpanHalvesMessage (EdgeHalf objects, hex ids)
 * isBinaryHalves(bytes);                // false for JSON messages (they start with `{`)
 * ```
 *
 * Layout (little endian; `uv` = unsigned LEB128 varint, `str` = uv length + UTF-8, `f64` = double):
 *
 * ```
 * message  := 0x56 0x48 0x03 (magic "VH", version 3)  str tenant  str src  f64 max_event_ms  covers
 *             uv n_strings  str*n_strings                 (table of svc, peer, pk, pod, host values)
 *             uv n_halves  half*n_halves  uv n_resources  resource*n_resources  uv |keys|  keys
 * half     := uv svc  uv k  uv e  uv peer  uv pk  f64 st  f64 d  uv |key|
 * resource := uv svc  uv pod  uv host  f64 t
 * covers   := the input units the message stands for (src/features/input_units.ts)
 * key      := u8 |trace id|  trace id  span id     (raw bytes: src/graph/half_columns.ts)
 * ```
 *
 * svc, peer, pk, pod and host are indexes into the string table. `keys` is every half's join key back to
 * back: its trace id and the span id the join needs (its own for a client or producer, its parent's for a
 * server or consumer), as raw bytes, which halves the message against hex ids and lets the assembler's join
 * table read them in place. Decoding is strict: truncation, bad magic or version, indexes out of
 * the table, keys that run past the column or whose trace id runs past the key, and trailing bytes throw
 * RangeError. Versions 1 (no covers) and 2 (hex ids, both span ids) are still read.
 */
import { ByteWriter } from "../core/binary/byte_writer.ts";
import { readCovers, writeCovers } from "../features/input_units.ts";
import type { HalfColumnsMessage, SpanHalvesMessage } from "./graph_assembler.ts";
import type { EdgeHalf, ResourceLink } from "./edge_half.ts";
import { HalfColumns } from "./half_columns.ts";

const MAGIC0 = 0x56, MAGIC1 = 0x48, VERSION = 3;

export function isBinaryHalves(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === MAGIC0 && bytes[1] === MAGIC1;
}

const dec = new TextDecoder();

const scratch = new ByteWriter(8192);

/** Encodes a span halves message. Throws RangeError for EdgeHalf ids that are not hex. */
export function encodeHalves(msg: HalfColumnsMessage | SpanHalvesMessage): Uint8Array {
  const hs = msg.halves instanceof HalfColumns ? msg.halves : HalfColumns.fromHalves(msg.halves);
  const rs = msg.resources;
  const table = new Map<string, number>();
  const ix = (s: string) => {
    let i = table.get(s);
    if (i === undefined) table.set(s, i = table.size);
    return i;
  };
  const n = hs.length;
  const { svc, peer, pk } = hs;
  // the table first (its section precedes the halves); consecutive halves mostly share svc, peer and pk
  // (one resource's spans), so only changes are looked up, here and when writing
  for (let i = 0; i < n; i++) {
    if (i === 0 || svc[i] !== svc[i - 1]) ix(svc[i]);
    if (i === 0 || peer[i] !== peer[i - 1]) ix(peer[i]);
    if (i === 0 || pk[i] !== pk[i - 1]) ix(pk[i]);
  }
  for (const r of rs) {
    ix(r.svc);
    ix(r.pod);
    ix(r.host);
  }
  const w = scratch.begin([MAGIC0, MAGIC1, VERSION]);
  w.str(msg.tenant);
  w.str(msg.src);
  w.f64(msg.max_event_ms);
  writeCovers(w, msg);
  w.uv(table.size);
  for (const s of table.keys()) w.str(s);
  w.uv(n);
  // a half takes at most 5 × 8 (varints) + 16 (doubles) + 8 (key length) bytes
  w.reserve(64 * n);
  const { kind, err, st, d, keyEnd } = hs;
  let iSvc = 0, iPeer = 0, iPk = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || svc[i] !== svc[i - 1]) iSvc = table.get(svc[i])!;
    if (i === 0 || peer[i] !== peer[i - 1]) iPeer = table.get(peer[i])!;
    if (i === 0 || pk[i] !== pk[i - 1]) iPk = table.get(pk[i])!;
    w.uv(iSvc);
    w.uv(kind[i]);
    w.uv(err[i]);
    w.uv(iPeer);
    w.uv(iPk);
    w.f64(st[i]);
    w.f64(d[i]);
    w.uv(keyEnd[i] - (i === 0 ? 0 : keyEnd[i - 1]));
  }
  w.uv(rs.length);
  for (const r of rs) {
    w.uv(table.get(r.svc)!);
    w.uv(table.get(r.pod)!);
    w.uv(table.get(r.host)!);
    w.f64(r.t);
  }
  w.uv(hs.keyBytes);
  w.bytes(hs.keys.subarray(0, hs.keyBytes));
  return w.finish();
}

function bad(what: string, pos: number): never {
  throw new RangeError(`Cannot decode span halves as ${what}: at byte ${pos}`);
}

/** Decodes a binary span halves message into EdgeHalf objects. Throws RangeError naming the offset. */
export function decodeHalves(bytes: Uint8Array): SpanHalvesMessage {
  const { halves, ...rest } = decodeHalfColumns(bytes);
  return { ...rest, halves: halves.toHalves() };
}

/**
 * Decodes a binary span halves message into columns (keys are a view of `bytes`, not a copy). Throws
 * RangeError naming the offset when it is not one.
 */
export function decodeHalfColumns(bytes: Uint8Array): HalfColumnsMessage {
  if (!isBinaryHalves(bytes)) bad("the magic bytes are missing", 0);
  const version = bytes[2];
  if (version !== VERSION && version !== 2 && version !== 1) {
    bad(`version ${version} is not supported (expected 1 to ${VERSION})`, 2);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let pos = 3;
  const uv = (): number => {
    let v = 0, mul = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= n) bad("a varint is truncated", pos);
      const c = bytes[pos++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 0x80;
    }
    return bad("a varint is longer than 8 bytes", pos);
  };
  const f64 = (): number => {
    if (pos + 8 > n) bad("a double is truncated", pos);
    pos += 8;
    return view.getFloat64(pos - 8, true);
  };
  const utf8 = (len: number): string => {
    if (pos + len > n) bad(`a string of ${len} bytes is truncated`, pos);
    pos += len;
    return dec.decode(bytes.subarray(pos - len, pos));
  };
  const tenant = utf8(uv());
  const src = utf8(uv());
  const max_event_ms = f64();
  const { covers, partition } = version === 1 ? {} : readCovers(uv, () => n - pos, (what) => bad(what, pos));
  const nStr = uv();
  if (nStr > n - pos) bad(`${nStr} strings cannot fit`, pos);
  const table: string[] = new Array(nStr);
  for (let i = 0; i < nStr; i++) table[i] = utf8(uv());
  const str = (): string => {
    const i = uv();
    if (i >= nStr) bad(`string index ${i} is out of the table (${nStr})`, pos);
    return table[i];
  };
  const nH = uv();
  if (nH > n - pos) bad(`${nH} halves cannot fit`, pos);
  let halves: HalfColumns;
  let resources: ResourceLink[];
  if (version === VERSION) {
    const c = {
      length: nH,
      svc: new Array<string>(nH),
      kind: new Uint8Array(nH),
      err: new Uint8Array(nH),
      peer: new Array<string>(nH),
      pk: new Array<string>(nH),
      st: new Float64Array(nH),
      d: new Float64Array(nH),
      keyEnd: new Uint32Array(nH),
    };
    const { st, d, keyEnd } = c;
    let end = 0;
    for (let i = 0; i < nH; i++) {
      c.svc[i] = str();
      const k = uv();
      if (k > 255) bad(`span kind ${k} is over 255`, pos);
      c.kind[i] = k;
      const e = uv();
      if (e > 1) bad(`error flag ${e} is not 0 or 1`, pos);
      c.err[i] = e;
      c.peer[i] = str();
      c.pk[i] = str();
      st[i] = f64();
      d[i] = f64();
      keyEnd[i] = end += uv();
    }
    resources = readResources();
    const nK = uv();
    if (nK !== end) bad(`the key column has ${nK} bytes, the halves' keys ${end}`, pos);
    if (pos + nK > n) bad(`a key column of ${nK} bytes is truncated`, pos);
    // a plain Uint8Array view whatever `bytes` is (a Node Buffer from the socket would make the join
    // table's byte loads polymorphic)
    const keys = new Uint8Array(bytes.buffer, bytes.byteOffset + pos, nK);
    pos += nK;
    let a = 0;
    for (let i = 0; i < nH; i++) {
      if (keyEnd[i] < a + 1 || a + 1 + keys[a] > keyEnd[i]) bad(`key ${i} is shorter than its trace id`, pos);
      if (keys[a] === 255) bad(`key ${i} has a trace id of 255 bytes (at most 254)`, pos);
      a = keyEnd[i];
    }
    halves = new HalfColumns({ ...c, keys });
  } else {
    const hs = readHexHalves(nH);
    resources = readResources();
    const ids = utf8(uv());
    let at = 0;
    for (let i = 0; i < nH; i++) {
      const h = hs[i].h, [lt, li, lp] = hs[i].lens;
      const a = at + lt, b = a + li, c = b + lp;
      if (c > ids.length) bad(`id lengths run past the id column (${ids.length})`, pos);
      h.tr = ids.slice(at, a);
      h.id = ids.slice(a, b);
      h.par = ids.slice(b, c);
      at = c;
    }
    if (at !== ids.length) bad(`${ids.length - at} id characters are left over`, pos);
    try {
      halves = HalfColumns.fromHalves(hs.map((x) => x.h));
    } catch (e) {
      bad((e as Error).message, pos);
    }
  }
  if (pos !== n) bad(`${n - pos} trailing bytes follow the message`, pos);
  const msg: HalfColumnsMessage = { v: 1, tenant, src, max_event_ms, halves, resources };
  if (covers !== undefined) {
    msg.covers = covers;
    msg.partition = partition;
  }
  return msg;

  function readResources(): ResourceLink[] {
    const nR = uv();
    if (nR > n - pos) bad(`${nR} resources cannot fit`, pos);
    const resources: ResourceLink[] = new Array(nR);
    for (let i = 0; i < nR; i++) resources[i] = { svc: str(), pod: str(), host: str(), t: f64() };
    return resources;
  }

  /** Versions 1 and 2: hex ids in one string column after the resources. */
  function readHexHalves(nH: number): { h: EdgeHalf; lens: [number, number, number] }[] {
    const out: { h: EdgeHalf; lens: [number, number, number] }[] = new Array(nH);
    for (let i = 0; i < nH; i++) {
      const svc = str(), k = uv(), e = uv(), peer = str(), pk = str(), st = f64(), d = f64();
      if (e > 1) bad(`error flag ${e} is not 0 or 1`, pos);
      const lens: [number, number, number] = [uv(), uv(), uv()];
      out[i] = { h: { tr: "", id: "", par: "", svc, k, st, d, e: e as 0 | 1, peer, pk }, lens };
    }
    return out;
  }
}

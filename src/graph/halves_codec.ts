/**
 * The binary wire form of span halves messages (`vigil.spans.{p}`), used instead of JSON: JSON encode +
 * parse of halves cost the feature worker and the graph assembler about as much CPU as extracting them
 * (bench:features, 512-span requests: ~43 KB of JSON per request, mostly field names and hex ids).
 *
 * ```ts
 * const bytes = encodeHalves(msg);      // msg: SpanHalvesMessage
 * decodeHalves(bytes);                  // the same SpanHalvesMessage (ids as lower-case hex again)
 * isBinaryHalves(bytes);                // false for JSON messages (they start with `{`)
 * ```
 *
 * Layout (little endian; `uv` = unsigned LEB128 varint, `str` = uv length + UTF-8, `f64` = double):
 *
 * ```
 * message  := 0x56 0x48 0x02 (magic "VH", version 2)  str tenant  str src  f64 max_event_ms  covers
 *             uv n_strings  str*n_strings                 (table of svc, peer, pk, pod, host values)
 *             uv n_halves  half*n_halves  uv n_resources  resource*n_resources  str ids
 * half     := uv svc  uv k  uv e  uv peer  uv pk  f64 st  f64 d  uv |tr|  uv |id|  uv |par|
 * resource := uv svc  uv pod  uv host  f64 t
 * covers   := the input units the message stands for (src/features/input_units.ts)
 * ```
 *
 * svc, peer, pk, pod and host are indexes into the string table. `ids` is every half's trace id, span id
 * and parent span id (hex, as in {@link EdgeHalf}) concatenated, and |x| their lengths in UTF-16 units:
 * one decode call gives one flat string that the ids are sliced from (building each id from bytes made
 * the assembler's Map keys slower to hash than JSON's). Decoding is strict: truncation, bad magic or
 * version, indexes out of the table, id lengths past the column or trailing bytes throw RangeError. Version 1
 * (no covers section) is still read.
 */
import { ByteWriter } from "../core/binary/byte_writer.ts";
import { readCovers, writeCovers } from "../features/input_units.ts";
import type { SpanHalvesMessage } from "./graph_assembler.ts";
import type { EdgeHalf, ResourceLink } from "./edge_half.ts";

const MAGIC0 = 0x56, MAGIC1 = 0x48, VERSION = 2;

export function isBinaryHalves(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === MAGIC0 && bytes[1] === MAGIC1;
}

const dec = new TextDecoder();

const scratch = new ByteWriter(8192);

/** Encodes a span halves message. */
export function encodeHalves(msg: SpanHalvesMessage): Uint8Array {
  const table = new Map<string, number>();
  const ix = (s: string) => {
    let i = table.get(s);
    if (i === undefined) table.set(s, i = table.size);
    return i;
  };
  const hs = msg.halves, rs = msg.resources;
  const refs = new Array<number>(hs.length * 3 + rs.length * 3);
  let j = 0;
  for (const h of hs) {
    refs[j++] = ix(h.svc);
    refs[j++] = ix(h.peer);
    refs[j++] = ix(h.pk);
  }
  for (const r of rs) {
    refs[j++] = ix(r.svc);
    refs[j++] = ix(r.pod);
    refs[j++] = ix(r.host);
  }
  const w = scratch.begin([MAGIC0, MAGIC1, VERSION]);
  w.str(msg.tenant);
  w.str(msg.src);
  w.f64(msg.max_event_ms);
  writeCovers(w, msg);
  w.uv(table.size);
  for (const s of table.keys()) w.str(s);
  w.uv(hs.length);
  j = 0;
  let ids = "";
  for (const h of hs) {
    w.uv(refs[j++]);
    w.uv(h.k);
    w.uv(h.e);
    w.uv(refs[j++]);
    w.uv(refs[j++]);
    w.f64(h.st);
    w.f64(h.d);
    w.uv(h.tr.length);
    w.uv(h.id.length);
    w.uv(h.par.length);
    ids += h.tr + h.id + h.par;
  }
  w.uv(rs.length);
  for (const r of rs) {
    w.uv(refs[j++]);
    w.uv(refs[j++]);
    w.uv(refs[j++]);
    w.f64(r.t);
  }
  w.str(ids);
  return w.finish();
}

function bad(what: string, pos: number): never {
  throw new RangeError(`Cannot decode span halves as ${what}: at byte ${pos}`);
}

/** Decodes a binary span halves message. Throws RangeError naming the offset when it is not one. */
export function decodeHalves(bytes: Uint8Array): SpanHalvesMessage {
  if (!isBinaryHalves(bytes)) bad("the magic bytes are missing", 0);
  const version = bytes[2];
  if (version !== VERSION && version !== 1) {
    bad(`version ${version} is not supported (expected 1 or ${VERSION})`, 2);
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
  const halves: EdgeHalf[] = new Array(nH);
  const idLens: number[] = new Array(3 * nH);
  for (let i = 0; i < nH; i++) {
    const svc = str(), k = uv(), e = uv(), peer = str(), pk = str(), st = f64(), d = f64();
    if (e > 1) bad(`error flag ${e} is not 0 or 1`, pos);
    idLens[3 * i] = uv();
    idLens[3 * i + 1] = uv();
    idLens[3 * i + 2] = uv();
    halves[i] = { tr: "", id: "", par: "", svc, k, st, d, e: e as 0 | 1, peer, pk };
  }
  const nR = uv();
  if (nR > n - pos) bad(`${nR} resources cannot fit`, pos);
  const resources: ResourceLink[] = new Array(nR);
  for (let i = 0; i < nR; i++) resources[i] = { svc: str(), pod: str(), host: str(), t: f64() };
  const ids = utf8(uv());
  let at = 0;
  for (let i = 0; i < nH; i++) {
    const h = halves[i];
    const a = at + idLens[3 * i], b = a + idLens[3 * i + 1], c = b + idLens[3 * i + 2];
    if (c > ids.length) bad(`id lengths run past the id column (${ids.length})`, pos);
    h.tr = ids.slice(at, a);
    h.id = ids.slice(a, b);
    h.par = ids.slice(b, c);
    at = c;
  }
  if (at !== ids.length) bad(`${ids.length - at} id characters are left over`, pos);
  if (pos !== n) bad(`${n - pos} trailing bytes follow the message`, pos);
  const msg: SpanHalvesMessage = { v: 1, tenant, src, max_event_ms, halves, resources };
  if (covers !== undefined) {
    msg.covers = covers;
    msg.partition = partition;
  }
  return msg;
}

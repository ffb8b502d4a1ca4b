/**
 * Span halves column by column: what the extractor appends to, the halves codec writes and reads, and the
 * graph assembler pairs. One array per field instead of one {@link EdgeHalf} object per half, and each
 * half's join key as raw bytes instead of hex strings: the graph path allocated, hex-encoded, concatenated
 * and hashed ~100 bytes of strings per half, which cost as much CPU as extracting the features
 * (src/graph/graph_assembler_bench.ts).
 *
 * A half's join key is its trace id and the one span id the join needs: its own span id for a caller
 * (client, producer: a callee names it as its parent), its parent span id for a callee (server,
 * consumer); none (empty) for a root callee. Stored as `[|trace id|] trace id  span id` bytes, so that two
 * keys are equal exactly when trace id and span id are.
 *
 * ```ts
 * const c = new HalfColumns();
 * c.push(svc, kind, err, peer, pk, start_ms, duration_ms, trace_id, span_id_or_parent); // per span
 * c.keyStrings(); // one string per half, equal exactly when the join keys are (the assembler's Map keys)
 * c.toHalves();   // EdgeHalf[] (hex ids) for JSON and tests
 * ```
 */
import type { EdgeHalf } from "./edge_half.ts";

const HEX = "0123456789abcdef";
const HEX_CODES = new TextEncoder().encode(HEX);
// windows-1252 maps each of the 256 byte values to a distinct code point, so equal strings ⇔ equal bytes
const bytesAsText = new TextDecoder("latin1");

/** True for client (3) and producer (4) spans: the half names its own span id, a callee its parent's. */
export function isCaller(kind: number): boolean {
  return kind === 3 || kind === 4;
}

export class HalfColumns {
  length = 0;
  svc: string[] = [];
  /** OTLP span kind: 2 server, 3 client, 4 producer, 5 consumer */
  kind: number[] = [];
  /** 1 when the span is an error */
  err: number[] = [];
  peer: string[] = [];
  pk: string[] = [];
  /** start, epoch ms */
  st: number[] = [];
  /** duration, ms */
  d: number[] = [];
  /** join keys, back to back: `|trace id|` (one byte), trace id, span id */
  keys: Uint8Array;
  /** where half i's key ends in `keys` (it starts where half i − 1's ends) */
  keyEnd: number[] = [];
  #keyLen = 0;

  constructor(keys?: Uint8Array) {
    this.keys = keys ?? new Uint8Array(4096);
    if (keys) this.#keyLen = keys.length;
  }

  /** Bytes of `keys` in use. */
  get keyBytes(): number {
    return this.#keyLen;
  }

  /** Appends a half. `span` is the span id for a caller, the parent span id for a callee. */
  push(
    svc: string,
    kind: number,
    err: number,
    peer: string,
    pk: string,
    st: number,
    d: number,
    trace: Uint8Array,
    span: Uint8Array,
  ): void {
    if (trace.length > 255) {
      throw new RangeError(
        `Cannot add a span half as its trace id is over 255 bytes: current value is ${trace.length}`,
      );
    }
    const i = this.length++;
    this.svc[i] = svc;
    this.kind[i] = kind;
    this.err[i] = err;
    this.peer[i] = peer;
    this.pk[i] = pk;
    this.st[i] = st;
    this.d[i] = d;
    const need = 1 + trace.length + span.length;
    let p = this.#keyLen;
    if (p + need > this.keys.length) this.#grow(p + need);
    const k = this.keys;
    k[p++] = trace.length;
    k.set(trace, p);
    p += trace.length;
    k.set(span, p);
    this.#keyLen = p += span.length;
    this.keyEnd[i] = p;
  }

  /** Appends half `i` of `from`. */
  pushFrom(from: HalfColumns, i: number): void {
    const a = i === 0 ? 0 : from.keyEnd[i - 1], b = from.keyEnd[i];
    const j = this.length++;
    this.svc[j] = from.svc[i];
    this.kind[j] = from.kind[i];
    this.err[j] = from.err[i];
    this.peer[j] = from.peer[i];
    this.pk[j] = from.pk[i];
    this.st[j] = from.st[i];
    this.d[j] = from.d[i];
    if (this.#keyLen + b - a > this.keys.length) this.#grow(this.#keyLen + b - a);
    this.keys.set(from.keys.subarray(a, b), this.#keyLen);
    this.keyEnd[j] = this.#keyLen += b - a;
  }

  /** Drops the halves from `n` on (what a scan that threw had appended). */
  truncate(n: number): void {
    if (n >= this.length) return;
    this.length = n;
    for (const col of [this.svc, this.kind, this.err, this.peer, this.pk, this.st, this.d, this.keyEnd]) {
      col.length = n;
    }
    this.#keyLen = n === 0 ? 0 : this.keyEnd[n - 1];
  }

  #grow(need: number): void {
    let cap = this.keys.length * 2 || 4096;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.keys.subarray(0, this.#keyLen));
    this.keys = next;
  }

  /**
   * Span partition of half `i` (p = hash(trace id) mod `partitions`): FNV-1a over the lower-case hex of
   * the trace id, so the same value as hash32() of the hex id (src/features/feature_worker.ts) had.
   */
  partitionOf(i: number, partitions: number): number {
    if (partitions === 1) return 0;
    const k = this.keys, a = i === 0 ? 0 : this.keyEnd[i - 1];
    let h = 0x811c9dc5;
    for (let p = a + 1, end = a + 1 + k[a]; p < end; p++) {
      h = Math.imul(h ^ HEX_CODES[k[p] >> 4], 0x01000193);
      h = Math.imul(h ^ HEX_CODES[k[p] & 15], 0x01000193);
    }
    return (h >>> 0) % partitions;
  }

  /**
   * One string per half, equal exactly when the join keys are: the bytes read as windows-1252 (one
   * decode call, then slices), half as long as hex and hashed as fast.
   */
  keyStrings(): string[] {
    const all = bytesAsText.decode(this.keys.subarray(0, this.#keyLen));
    if (all.length !== this.#keyLen) throw new Error("windows-1252 decoding is not one code unit per byte");
    const out: string[] = new Array(this.length);
    let a = 0;
    for (let i = 0; i < this.length; i++) out[i] = all.slice(a, a = this.keyEnd[i]);
    return out;
  }

  /** The halves as {@link EdgeHalf} objects (hex ids; id for callers, par for callees, "" otherwise). */
  toHalves(): EdgeHalf[] {
    const out: EdgeHalf[] = new Array(this.length);
    const k = this.keys;
    const hex = (a: number, b: number) => {
      let s = "";
      for (let p = a; p < b; p++) s += HEX[k[p] >> 4] + HEX[k[p] & 15];
      return s;
    };
    let a = 0;
    for (let i = 0; i < this.length; i++) {
      const b = this.keyEnd[i], t = a + 1 + k[a];
      const span = hex(t, b), caller = isCaller(this.kind[i]);
      out[i] = {
        tr: hex(a + 1, t),
        id: caller ? span : "",
        par: caller ? "" : span,
        svc: this.svc[i],
        k: this.kind[i],
        st: this.st[i],
        d: this.d[i],
        e: this.err[i] === 1 ? 1 : 0,
        peer: this.peer[i],
        pk: this.pk[i],
      };
      a = b;
    }
    return out;
  }

  /** Columns of {@link EdgeHalf} objects (ids must be hex: throws RangeError naming one that is not). */
  static fromHalves(halves: readonly EdgeHalf[]): HalfColumns {
    const c = new HalfColumns();
    for (const h of halves) {
      c.push(
        h.svc,
        h.k,
        h.e,
        h.peer,
        h.pk,
        h.st,
        h.d,
        hexBytes(h.tr),
        hexBytes(isCaller(h.k) ? h.id : h.par),
      );
    }
    return c;
  }
}

function hexBytes(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new RangeError(
      `Cannot read a span half id as it is not hex: current value is ${JSON.stringify(s)}`,
    );
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The join key of an {@link EdgeHalf} as {@link HalfColumns.keyStrings} gives it when its ids are hex (so
 * JSON and binary halves of one trace pair); ids that are not hex (hand-written tests, foreign producers)
 * get keys of their own, which no binary key equals (U+FFFF is no windows-1252 character).
 */
export function joinKeyOf(h: EdgeHalf): string {
  const span = isCaller(h.k) ? h.id : h.par;
  const hex = /^(?:[0-9a-fA-F]{2})*$/;
  if (h.tr.length > 510 || !hex.test(h.tr) || !hex.test(span)) return `\uffff${h.tr}\u0000${span}`;
  const tr = hexBytes(h.tr), sp = hexBytes(span);
  const key = new Uint8Array(1 + tr.length + sp.length);
  key[0] = tr.length;
  key.set(tr, 1);
  key.set(sp, 1 + tr.length);
  return bytesAsText.decode(key);
}

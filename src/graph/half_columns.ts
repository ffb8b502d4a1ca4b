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
 * c.keys.subarray(i ? c.keyEnd[i - 1] : 0, c.keyEnd[i]); // half i's key (the join table reads it in place)
 * c.toHalves();   // EdgeHalf[] (hex ids) for JSON and tests
 * ```
 */
import type { EdgeHalf } from "./edge_half.ts";
import { idHex } from "../features/otlp_scan.ts";
import { parseHex } from "../core/otlp/codec.ts";

const HEX = "0123456789abcdef";
const HEX_CODES = new TextEncoder().encode(HEX);
const utf8 = new TextEncoder();
/** First key byte of a text key (fromHalves with text_ids); a trace id is at most 254 bytes. */
const TEXT_KEY = 255;

/** True for client (3) and producer (4) spans: the half names its own span id, a callee its parent's. */
export function isCaller(kind: number): boolean {
  return kind === 3 || kind === 4;
}

/** The numeric columns, as typed arrays (with room past `length`). */
interface NumericColumns {
  kind: Uint8Array;
  err: Uint8Array;
  st: Float64Array;
  d: Float64Array;
  keyEnd: Uint32Array;
}

export class HalfColumns {
  /** Halves held (the typed columns have room for more). */
  length = 0;
  svc: string[] = [];
  /** OTLP span kind: 2 server, 3 client, 4 producer, 5 consumer */
  kind: Uint8Array;
  /** 1 when the span is an error */
  err: Uint8Array;
  peer: string[] = [];
  pk: string[] = [];
  /** start, epoch ms */
  st: Float64Array;
  /** duration, ms */
  d: Float64Array;
  /** join keys, back to back: `|trace id|` (one byte), trace id, span id */
  keys: Uint8Array;
  /** where half i's key ends in `keys` (it starts where half i − 1's ends) */
  keyEnd: Uint32Array;
  #keyLen = 0;

  /** Empty columns, or (the decoder's) `length` halves over the given columns and keys. */
  constructor(
    from?: { length: number; keys: Uint8Array; svc: string[]; peer: string[]; pk: string[] } & NumericColumns,
  ) {
    if (from) {
      ({ length: this.length, svc: this.svc, peer: this.peer, pk: this.pk } = from);
      ({ kind: this.kind, err: this.err, st: this.st, d: this.d, keyEnd: this.keyEnd } = from);
      this.keys = from.keys;
      this.#keyLen = from.keys.length;
    } else {
      // room comes with the first half: most messages (metrics, logs, a worker without the graph) have none
      this.kind = new Uint8Array(0);
      this.err = new Uint8Array(0);
      this.st = new Float64Array(0);
      this.d = new Float64Array(0);
      this.keyEnd = new Uint32Array(0);
      this.keys = new Uint8Array(0);
    }
  }

  #room(): void {
    const n = Math.max(256, 2 * this.kind.length);
    const grown = <A extends Uint8Array | Float64Array | Uint32Array>(
      a: A,
      make: new (n: number) => A,
    ): A => {
      const b = new make(n);
      b.set(a as never);
      return b;
    };
    this.kind = grown(this.kind, Uint8Array);
    this.err = grown(this.err, Uint8Array);
    this.st = grown(this.st, Float64Array);
    this.d = grown(this.d, Float64Array);
    this.keyEnd = grown(this.keyEnd, Uint32Array);
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
    if (trace.length >= TEXT_KEY) {
      throw new RangeError(
        `Cannot add a span half as its trace id is over ${
          TEXT_KEY - 1
        } bytes: current value is ${trace.length}`,
      );
    }
    this.#row(svc, kind, err, peer, pk, st, d);
    const need = 1 + trace.length + span.length;
    let p = this.#keyLen;
    if (p + need > this.keys.length) this.#grow(p + need);
    const k = this.keys;
    k[p++] = trace.length;
    // ids are 8 to 16 bytes: a loop beats TypedArray.set's call
    for (let q = 0; q < trace.length; q++) k[p++] = trace[q];
    for (let q = 0; q < span.length; q++) k[p++] = span[q];
    this.#keyLen = p;
    this.keyEnd[this.length - 1] = p;
  }

  /** Appends a half whose key is `key` as is. */
  #pushKey(h: EdgeHalf, key: Uint8Array): void {
    this.#row(h.svc, h.k, h.e, h.peer, h.pk, h.st, h.d);
    if (this.#keyLen + key.length > this.keys.length) this.#grow(this.#keyLen + key.length);
    this.keys.set(key, this.#keyLen);
    this.keyEnd[this.length - 1] = this.#keyLen += key.length;
  }

  #row(svc: string, kind: number, err: number, peer: string, pk: string, st: number, d: number): void {
    if (!(kind >= 0 && kind <= 255)) {
      throw new RangeError(`Cannot add a span half as its kind must be 0 to 255: current value is ${kind}`);
    }
    if (this.length === this.kind.length) this.#room();
    const i = this.length++;
    this.svc[i] = svc;
    this.kind[i] = kind;
    this.err[i] = err;
    this.peer[i] = peer;
    this.pk[i] = pk;
    this.st[i] = st;
    this.d[i] = d;
  }

  /** True when half i's key has no span id (a callee without a parent: a root). */
  noSpan(i: number): boolean {
    const a = i === 0 ? 0 : this.keyEnd[i - 1];
    return this.keys[a] !== TEXT_KEY && this.keyEnd[i] - a === 1 + this.keys[a];
  }

  /** Appends half `i` of `from`. */
  pushFrom(from: HalfColumns, i: number): void {
    const a = i === 0 ? 0 : from.keyEnd[i - 1], b = from.keyEnd[i];
    this.#row(from.svc[i], from.kind[i], from.err[i], from.peer[i], from.pk[i], from.st[i], from.d[i]);
    const j = this.length - 1;
    if (this.#keyLen + b - a > this.keys.length) this.#grow(this.#keyLen + b - a);
    this.keys.set(from.keys.subarray(a, b), this.#keyLen);
    this.keyEnd[j] = this.#keyLen += b - a;
  }

  /** Drops the halves from `n` on (what a scan that threw had appended). */
  truncate(n: number): void {
    if (n >= this.length) return;
    this.length = n;
    for (const col of [this.svc, this.peer, this.pk]) col.length = n;
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

  /** The halves as {@link EdgeHalf} objects (hex ids; id for callers, par for callees, "" otherwise). */
  toHalves(): EdgeHalf[] {
    const out: EdgeHalf[] = new Array(this.length);
    const k = this.keys;
    const hex = (a: number, b: number) => idHex(k.subarray(a, b));
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

  /**
   * Columns of {@link EdgeHalf} objects. Ids must be hex (throws RangeError naming one that is not), unless
   * `text_ids`: then other ids get keys of their own (first byte 255, never a hex key's: what the graph
   * assembler does with JSON from foreign producers; such keys are not for the wire).
   */
  static fromHalves(halves: readonly EdgeHalf[], options: { text_ids?: boolean } = {}): HalfColumns {
    const c = new HalfColumns();
    for (const h of halves) {
      const span = isCaller(h.k) ? h.id : h.par;
      const tr = parseHex(h.tr), sp = parseHex(span);
      if (tr && sp && !(options.text_ids && tr.length >= TEXT_KEY)) {
        c.push(h.svc, h.k, h.e, h.peer, h.pk, h.st, h.d, tr, sp);
      } else if (options.text_ids) {
        c.#pushKey(h, utf8.encode(`${String.fromCharCode(TEXT_KEY)}${JSON.stringify([h.tr, span])}`));
      } else {
        throw new RangeError(
          `Cannot read a span half id as it is not hex: current value is ${JSON.stringify(tr ? span : h.tr)}`,
        );
      }
    }
    return c;
  }
}

/**
 * A growable little-endian byte writer for Vigil's compact binary records (feature partials, span
 * halves): unsigned and zigzag varints, f64, raw bytes, and length-prefixed UTF-8 strings with an ASCII
 * fast path. `begin(magic)` rewinds it for the next message, so one writer serves every call (encoding is
 * synchronous); `finish()` copies the message out and drops a buffer grown past 4 MiB.
 */

const enc = new TextEncoder();
const MAX_KEPT_BYTES = 1 << 22;

export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  readonly #initial: number;

  constructor(initial_bytes = 4096) {
    this.#initial = initial_bytes;
    this.buf = new Uint8Array(initial_bytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Rewinds to an empty message that starts with `header` (magic bytes and version). */
  begin(header: readonly number[]): this {
    this.pos = 0;
    this.reserve(header.length);
    for (const b of header) this.buf[this.pos++] = b;
    return this;
  }

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  uv(v: number): void {
    this.reserve(8);
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.pos = p;
  }

  /** Signed integer as a zigzag varint. */
  sv(v: number): void {
    this.uv(v < 0 ? -2 * v - 1 : 2 * v);
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Length-prefixed UTF-8. */
  str(s: string): void {
    const n = s.length;
    // ASCII fast path: one byte per UTF-16 unit, no encoder call
    this.reserve(n + 8);
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.uv(n);
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    const bytes = enc.encode(s);
    this.uv(bytes.length);
    this.bytes(bytes);
  }

  /** A copy of the message; a buffer grown past 4 MiB by a huge message is not kept. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    if (this.buf.length > MAX_KEPT_BYTES) {
      this.buf = new Uint8Array(this.#initial);
      this.view = new DataView(this.buf.buffer);
    }
    this.pos = 0;
    return out;
  }
}

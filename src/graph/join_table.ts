/**
 * A hash map from join keys (short byte strings: src/graph/half_columns.ts) to values, for the graph
 * assembler's unpaired halves: open addressing with linear probing over typed arrays, keys compared as
 * bytes in place. Looking a half up costs no allocation: no key string is made, hashed or kept (a Map
 * keyed by strings sliced from each message cost most of the assembler's time, and kept every message's
 * key column alive while one of its halves waited).
 *
 * ```ts
 * const t = new JoinTable<Pending>();
 * t.set(keys, a, b, v);   // the key is keys[a..b); returns the value it replaced, if any
 * t.get(keys, a, b);      // the value, or undefined
 * t.delete(keys, a, b);   // the value removed, or undefined
 * t.retain((v) => live);  // drops every entry whose value fails the test (rebuilds the table)
 * ```
 *
 * Keys of up to 31 bytes (`SLOT` − 1: a 16-byte trace id and an 8-byte span id take 25)
 * live in the table; longer ones in a Map by their hex, so any length works.
 */

import { idHex } from "../features/otlp_scan.ts";

const SLOT = 32;

export class JoinTable<V> {
  #mask: number;
  /** hashOf() the key (never 0: 0 marks an empty slot) */
  #hash: Uint32Array;
  #keys: Uint8Array;
  #vals: (V | undefined)[];
  #size = 0;
  readonly #long = new Map<string, V>();

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.#mask = cap - 1;
    this.#hash = new Uint32Array(cap);
    this.#keys = new Uint8Array(cap * SLOT);
    this.#vals = new Array(cap);
  }

  /** Entries held. */
  get size(): number {
    return this.#size + this.#long.size;
  }

  get(k: Uint8Array, a: number, b: number): V | undefined {
    if (b - a >= SLOT) return this.#long.get(hexOf(k, a, b));
    const i = this.#find(k, a, b, hashOf(k, a, b));
    return i < 0 ? undefined : this.#vals[i];
  }

  /** Sets the value of key k[a..b); returns the value it replaced (undefined when the key was new). */
  set(k: Uint8Array, a: number, b: number, v: V): V | undefined {
    if (b - a >= SLOT) {
      const key = hexOf(k, a, b), old = this.#long.get(key);
      this.#long.set(key, v);
      return old;
    }
    const h = hashOf(k, a, b);
    const found = this.#find(k, a, b, h);
    if (found >= 0) {
      const old = this.#vals[found];
      this.#vals[found] = v;
      return old;
    }
    if (2 * (this.#size + 1) > this.#mask + 1) {
      this.#rebuild(2 * (this.#mask + 1), () => true);
    }
    this.#put(k, a, b, h, v);
    return undefined;
  }

  delete(k: Uint8Array, a: number, b: number): V | undefined {
    if (b - a >= SLOT) {
      const key = hexOf(k, a, b), old = this.#long.get(key);
      this.#long.delete(key);
      return old;
    }
    let i = this.#find(k, a, b, hashOf(k, a, b));
    if (i < 0) return undefined;
    const old = this.#vals[i];
    // backward-shift deletion: move later entries of the probe run into the hole, so that no lookup
    // stops early at it (no tombstones)
    const mask = this.#mask, hs = this.#hash, ks = this.#keys, vs = this.#vals;
    for (let j = (i + 1) & mask; hs[j] !== 0; j = (j + 1) & mask) {
      const home = hs[j] & mask;
      // the entry at j may move to i unless its home lies cyclically in (i, j]
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        hs[i] = hs[j];
        ks.copyWithin(i * SLOT, j * SLOT, j * SLOT + SLOT);
        vs[i] = vs[j];
        i = j;
      }
    }
    hs[i] = 0;
    vs[i] = undefined;
    this.#size--;
    return old;
  }

  /** Keeps only the entries whose value passes `keep` (in place for long keys, by rebuilding otherwise). */
  retain(keep: (v: V) => boolean): void {
    for (const [key, v] of this.#long) if (!keep(v)) this.#long.delete(key);
    let kept = 0;
    for (let i = 0; i < this.#hash.length; i++) if (this.#hash[i] !== 0 && keep(this.#vals[i]!)) kept++;
    let cap = 1024;
    while (cap < 2 * kept) cap *= 2;
    this.#rebuild(cap, keep);
  }

  #find(k: Uint8Array, a: number, b: number, h: number): number {
    const mask = this.#mask, hs = this.#hash, ks = this.#keys, n = b - a;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const x = hs[i];
      if (x === 0) return -1;
      if (x !== h) continue;
      const p = i * SLOT + 1 - a;
      if (ks[p - 1 + a] !== n) continue;
      let q = a;
      while (q < b && ks[p + q] === k[q]) q++;
      if (q === b) return i;
    }
  }

  #put(k: Uint8Array, a: number, b: number, h: number, v: V): void {
    const mask = this.#mask, hs = this.#hash;
    let i = h & mask;
    while (hs[i] !== 0) i = (i + 1) & mask;
    hs[i] = h;
    const ks = this.#keys, p = i * SLOT + 1 - a;
    ks[p - 1 + a] = b - a;
    for (let q = a; q < b; q++) ks[p + q] = k[q];
    this.#vals[i] = v;
    this.#size++;
  }

  #rebuild(cap: number, keep: (v: V) => boolean): void {
    const hs = this.#hash, ks = this.#keys, vs = this.#vals;
    this.#mask = cap - 1;
    this.#hash = new Uint32Array(cap);
    this.#keys = new Uint8Array(cap * SLOT);
    this.#vals = new Array(cap);
    this.#size = 0;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i] === 0 || !keep(vs[i]!)) continue;
      const p = i * SLOT;
      this.#put(ks, p + 1, p + 1 + ks[p], hs[i], vs[i]!);
    }
  }
}

/** The hash of key k[a..b) (nonzero; its low bits pick the slot). */
export function hashOf(k: Uint8Array, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let p = a; p < b; p++) h = Math.imul(h ^ k[p], 0x01000193);
  // a final avalanche, so that the low bits (the slot) depend on every byte
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h | 0x80000000) >>> 0; // never 0 (an empty slot), low bits kept
}

const hexOf = (k: Uint8Array, a: number, b: number) => idHex(k.subarray(a, b));

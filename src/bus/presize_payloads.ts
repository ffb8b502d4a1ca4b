/**
 * One exact-size buffer per inbound message that spans several socket reads, instead of nats.js's
 * doubling buffer.
 *
 * nats.js (nats-core 3.4 `Parser`) hands a message that arrived in one socket read to the client as a view
 * of that read: no copy. A message split over reads (any message over the 64 KiB a Deno socket read
 * returns; OTLP requests are ~200 KB) is accumulated in a `DenoBuffer` that starts as a copy of the first
 * piece and doubles as pieces arrive (capacity 2c + n, copying what it holds each time): a 200 KB message
 * allocated ~450 KB and copied ~400 KB, and those allocations and copies (`DenoBuffer._grow` / `copy`)
 * were the largest single cost of a feature worker after decoding (bench:features profile, 1,000
 * requests: 0.46 s of 1.2 s of pipeline CPU). The parser knows the message's size from its `MSG` / `HMSG`
 * line before the first payload byte, so after each `parse()` call this wrapper swaps a just-started
 * accumulator for one with capacity for exactly that size: one allocation and one copy of each byte (the
 * first piece's bytes twice). The client's behaviour is otherwise unchanged (same bytes, same views).
 *
 * nats.js offers no option for this (no read-buffer setting in the Node transport), so the wrapper patches
 * the prototype of the connection's own parser, once per process, using only `DenoBuffer`'s public
 * methods (`capacity`, `length`, `bytes`, `reset`, `write`). It checks the shape it relies on first and
 * leaves the client alone (returns false) when a nats.js version differs: slower, never wrong.
 */
import type { NatsConnection } from "@nats-io/transport-node";

/** What the wrapper relies on in nats-core's `DenoBuffer`. */
interface Accumulator {
  readonly capacity: number;
  readonly length: number;
  bytes(options: { copy: false }): Uint8Array;
  reset(): void;
  write(p: Uint8Array): number;
}

interface ParserLike {
  parse(buf: Uint8Array): void;
  msgBuf?: Accumulator;
  ma: { size: number };
}

const INSTALLED = Symbol.for("vigil.presizedPayloads");

function isAccumulator(x: unknown): x is Accumulator {
  const b = x as Accumulator | undefined;
  return typeof b?.reset === "function" && typeof b.write === "function" && typeof b.bytes === "function" &&
    typeof b.capacity === "number" && typeof b.length === "number";
}

/**
 * Installs the exact-size accumulator on the parser class of `nc` (every connection of the process shares
 * it; reconnects create parsers of the same class). Idempotent. Returns false, changing nothing, when
 * `nc`'s internals are not those of the nats.js version this was written for.
 */
export function presizeSplitPayloads(nc: NatsConnection): boolean {
  const parser = (nc as unknown as { protocol?: { parser?: ParserLike } }).protocol?.parser;
  // (class fields: own properties from construction on, undefined until a message comes)
  if (parser === undefined || typeof parser.parse !== "function" || !("msgBuf" in parser && "ma" in parser)) {
    return false;
  }
  const proto = Object.getPrototypeOf(parser) as ParserLike & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return true;
  const parse = proto.parse;
  proto.parse = function (this: ParserLike, buf: Uint8Array): void {
    parse.call(this, buf);
    // the parser keeps `msgBuf` only while a message's payload is incomplete; `ma.size` is its full size
    // (headers included). A capacity below it means the parser has just started one of its own.
    const acc = this.msgBuf;
    if (acc === undefined || acc.capacity >= this.ma.size || !isAccumulator(acc)) return;
    const exact = new (acc.constructor as new (ab: ArrayBuffer) => Accumulator)(
      new ArrayBuffer(this.ma.size),
    );
    exact.reset(); // length 0, capacity ma.size: every write lands in place
    exact.write(acc.bytes({ copy: false }));
    this.msgBuf = exact;
  };
  proto[INSTALLED] = true;
  return true;
}

import { AckPolicy } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { connectBus } from "./connection.ts";
import { presizeSplitPayloads } from "./presize_payloads.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { assert, assertEquals } from "../../tests/helpers/assert.ts";

/** Sizes around a socket read (64 KiB) and well past it; bytes from a seeded generator. */
const SIZES = [0, 1, 65_535, 65_536, 65_537, 200_000, 1_000_003, 7];
function payload(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Byte equality (the client hands over Buffer views and Uint8Arrays alike). */
function assertBytes(actual: Uint8Array, expected: Uint8Array, msg: string): void {
  assertEquals(actual.length, expected.length, msg);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      assert(false, `${msg}: byte ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

Deno.test("presizeSplitPayloads() is installed on the pinned nats.js and refuses unknown internals", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  assert(presizeSplitPayloads(bus.nc), "the exact-size accumulator was not installed");
  assert(presizeSplitPayloads(bus.nc), "a second call must be a no-op that reports it installed");
  assertEquals(presizeSplitPayloads({} as NatsConnection), false);
});

Deno.test("connectBus() receives messages split over socket reads intact, each in a buffer of its size", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  const sub = bus.nc.subscribe("big.core", { max: SIZES.length * 3 });
  const got: Uint8Array[] = [];
  const done = (async () => {
    for await (const m of sub) got.push(m.data);
  })();
  // back to back, so that messages share socket reads and start in the middle of one
  for (let r = 0; r < 3; r++) SIZES.forEach((n, i) => bus.nc.publish("big.core", payload(n, 10 * r + i)));
  await done;
  assertEquals(got.length, SIZES.length * 3);
  for (let r = 0; r < 3; r++) {
    SIZES.forEach((n, i) => {
      const d = got[r * SIZES.length + i];
      assertBytes(d, payload(n, 10 * r + i), `message ${r}/${i} of ${n} bytes`);
      // split messages get their own exact buffer (nats.js alone doubles: up to ~2.3× the size)
      if (n > 128 * 1024) assertEquals(d.buffer.byteLength, n, `message of ${n} bytes`);
    });
  }
});

Deno.test("connectBus() receives large JetStream messages (headers and payload) intact", async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  const jsm = await bus.jsm();
  await jsm.streams.add({ name: "BIG", subjects: ["big.js"] });
  await jsm.consumers.add("BIG", { durable_name: "c", ack_policy: AckPolicy.Explicit });
  await Promise.all(SIZES.map((n, i) => bus.js.publish("big.js", payload(n, 100 + i), { msgID: `m${i}` })));
  const consumer = await bus.js.consumers.get("BIG", "c");
  const iter = await consumer.consume({ max_messages: 4 });
  let i = 0;
  for await (const m of iter) {
    assertBytes(m.data, payload(SIZES[i], 100 + i), `message ${i} of ${SIZES[i]} bytes`);
    assertEquals(m.info.streamSequence, i + 1);
    m.ack();
    if (++i === SIZES.length) break;
  }
  assertEquals(i, SIZES.length);
});

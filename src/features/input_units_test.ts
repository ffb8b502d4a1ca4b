import { assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { ByteWriter } from "../core/binary/byte_writer.ts";
import { inputUnits, readCovers, unitsSeen, writeCovers } from "./input_units.ts";

Deno.test("inputUnits() names a one-message input by its src and a batch by its covered sequences", () => {
  assertEquals(inputUnits({ src: "17/2" }), ["17/2"]);
  // the same unit either way: a batch covering 17 on partition 2 holds unit "17/2"
  assertEquals(inputUnits({ src: "b/15/2/x", covers: [15, 17], partition: 2 }), ["15/2", "17/2"]);
  assertEquals(inputUnits({ src: "b/15/2/x", covers: [] }), ["b/15/2/x"]);
});

Deno.test("writeCovers() and readCovers() round-trip, and bad covers are refused", () => {
  const w = new ByteWriter();
  writeCovers(w, { src: "b", covers: [3, 9, 400], partition: 5 });
  const r = reader(w.finish());
  assertEquals(r.read(), { covers: [3, 9, 400], partition: 5 });
  assertEquals(r.left(), 0);
  assertThrows(() => writeCovers(new ByteWriter(), { src: "b", covers: [9, 3] }), RangeError, "ascending");
  assertEquals(reader(Uint8Array.of(0)).read(), {});
  // a count that cannot fit in what is left is refused before anything is allocated
  const huge = new ByteWriter();
  huge.uv(1_000_000);
  assertThrows(() => reader(huge.finish()).read(), RangeError, "cannot fit");
});

function reader(bytes: Uint8Array) {
  let pos = 0;
  const uv = () => {
    let v = 0, mul = 1;
    for (;;) {
      const c = bytes[pos++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v;
      mul *= 0x80;
    }
  };
  const fail = (what: string): never => {
    throw new RangeError(what);
  };
  return { read: () => readCovers(uv, () => bytes.length - pos, fail), left: () => bytes.length - pos };
}

Deno.test("unitsSeen() tells a new message, a duplicate and an overlap apart", () => {
  const merged = new Set(["1/0", "2/0"]);
  assertEquals(unitsSeen(["3/0", "4/0"], merged), "new");
  assertEquals(unitsSeen(["1/0", "2/0"], merged), "duplicate");
  assertEquals(unitsSeen(["2/0", "3/0"], merged), "overlapping");
});

import fc from "fast-check";
import { assertEquals } from "../../../tests/helpers/assert.ts";
import { ByteWriter } from "./byte_writer.ts";

function readUv(b: Uint8Array, at: { p: number }): number {
  let v = 0, mul = 1;
  while (true) {
    const c = b[at.p++];
    v += (c & 0x7f) * mul;
    if (c < 0x80) return v;
    mul *= 0x80;
  }
}

Deno.test("ByteWriter writes varints, zigzag, f64 and strings that read back, growing as needed (property)", () => {
  const w = new ByteWriter(8);
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer(), fc.double(), fc.string()), {
      maxLength: 40,
    }),
    (rows) => {
      w.begin([0x56, 0x01]);
      for (const [u, s, d, t] of rows) {
        w.uv(u);
        w.sv(s);
        w.f64(d);
        w.str(t);
      }
      const out = w.finish();
      assertEquals([out[0], out[1]], [0x56, 0x01]);
      const at = { p: 2 };
      const view = new DataView(out.buffer);
      for (const [u, s, d, t] of rows) {
        assertEquals(readUv(out, at), u);
        const z = readUv(out, at);
        assertEquals(z % 2 === 1 ? -(z + 1) / 2 : z / 2, s);
        assertEquals(
          Object.is(view.getFloat64(at.p, true), d) || (isNaN(d) && isNaN(view.getFloat64(at.p, true))),
          true,
        );
        at.p += 8;
        const n = readUv(out, at);
        assertEquals(new TextDecoder().decode(out.subarray(at.p, at.p + n)), t);
        at.p += n;
      }
      assertEquals(at.p, out.length);
    },
  ));
});

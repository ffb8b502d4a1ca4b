import { deepStrictEqual as assertEquals } from "node:assert";
import fc from "fast-check";
import { hashOf, JoinTable } from "./join_table.ts";

const hex = (k: Uint8Array) => [...k].map((b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("JoinTable behaves as a Map of byte keys under any sequence of set, delete and retain (property)", () => {
  // short keys from a small alphabet collide often; 40-byte keys take the long-key path
  const key = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 3, max: 3 }),
    fc.uint8Array({ minLength: 25, maxLength: 25, max: 1 }),
    fc.uint8Array({ minLength: 40, maxLength: 40, max: 1 }),
  );
  const op = fc.oneof(
    fc.record({ op: fc.constant("set" as const), key, v: fc.integer() }),
    fc.record({ op: fc.constant("delete" as const), key }),
    fc.record({ op: fc.constant("get" as const), key }),
    fc.record({ op: fc.constant("retain" as const), odd: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), fc.nat(8), (ops, pad) => {
      const t = new JoinTable<number>(16), m = new Map<string, number>();
      for (const o of ops) {
        if (o.op === "retain") {
          const keep = (v: number) => (Math.abs(v) % 2 === 1) === o.odd;
          t.retain(keep);
          for (const [k, v] of m) if (!keep(v)) m.delete(k);
          continue;
        }
        // the key sits at an offset inside a larger buffer, as in a message
        const buf = new Uint8Array(pad + o.key.length + 3).fill(7);
        buf.set(o.key, pad);
        const [a, b] = [pad, pad + o.key.length], k = hex(o.key);
        if (o.op === "set") {
          assertEquals(t.set(buf, a, b, o.v), m.get(k));
          m.set(k, o.v);
        } else if (o.op === "delete") {
          assertEquals(t.delete(buf, a, b), m.get(k));
          m.delete(k);
        } else assertEquals(t.get(buf, a, b), m.get(k));
        assertEquals(t.size, m.size);
      }
      for (const [k, v] of m) {
        const bytes = Uint8Array.from(k.match(/../g) ?? [], (x) => parseInt(x, 16));
        assertEquals(t.get(bytes, 0, bytes.length), v);
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("JoinTable holds many keys through growth and deletes every one", () => {
  const t = new JoinTable<number>(16);
  const key = (i: number) =>
    new Uint8Array([
      16,
      ...new Uint8Array(new Uint32Array([i, i * 7, 0, 1]).buffer),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      i & 255,
    ]);
  for (let i = 0; i < 50_000; i++) assertEquals(t.set(key(i), 0, 25, i), undefined);
  assertEquals(t.size, 50_000);
  for (let i = 0; i < 50_000; i += 2) assertEquals(t.delete(key(i), 0, 25), i);
  for (let i = 0; i < 50_000; i++) assertEquals(t.get(key(i), 0, 25), i % 2 ? i : undefined);
  assertEquals(t.size, 25_000);
});

Deno.test("JoinTable.delete() keeps entries findable when their probe run wraps past the end of the table", () => {
  // keys whose home is the last slot of a 16-slot table, and one whose home is slot 0
  const home = (want: number) => {
    const out: Uint8Array[] = [];
    for (let i = 0; out.length < 3; i++) {
      const k = new Uint8Array([i & 255, i >> 8]);
      if ((hashOf(k, 0, 2) & 15) === want) out.push(k);
    }
    return out;
  };
  const [l1, l2, l3] = home(15), [z1] = home(0);
  for (let order = 0; order < 4; order++) {
    const t = new JoinTable<string>(16);
    t.set(l1, 0, 2, "l1"); // slot 15
    t.set(l2, 0, 2, "l2"); // wraps to 0
    t.set(z1, 0, 2, "z1"); // slot 1
    t.set(l3, 0, 2, "l3"); // slot 2
    const gone = [l1, l2, z1, l3][order];
    t.delete(gone, 0, 2);
    for (const [k, v] of [[l1, "l1"], [l2, "l2"], [z1, "z1"], [l3, "l3"]] as const) {
      assertEquals(t.get(k, 0, 2), k === gone ? undefined : v);
    }
  }
});

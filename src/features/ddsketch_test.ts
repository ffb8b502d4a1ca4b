import { deepStrictEqual as assertEquals, ok } from "node:assert";
import fc from "fast-check";
import { DDSketch } from "./ddsketch.ts";

function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

Deno.test("DDSketch.quantile() is within 1 % of the exact quantile of the same rank", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.1, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
      fc.constantFrom(0, 0.5, 0.9, 0.95, 0.99, 1),
      (values, q) => {
        const s = new DDSketch();
        for (const v of values) s.add(v);
        const want = exact([...values].sort((a, b) => a - b), q);
        const got = s.quantile(q);
        ok(Math.abs(got - want) <= 0.01 * want + 1e-12, `q=${q} got ${got} want ${want}`);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("DDSketch.merge() gives the same sketch whatever the split and order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 5 }),
      (values, parts) => {
        const whole = new DDSketch({ max_bins: 64 });
        for (const v of values) whole.add(v);
        const pieces = Array.from({ length: parts }, () => new DDSketch({ max_bins: 64 }));
        values.forEach((v, i) => pieces[(i * 7) % parts].add(v));
        const merged = new DDSketch({ max_bins: 64 });
        for (const p of pieces.reverse()) merged.merge(DDSketch.fromJSON(p.toJSON(), { max_bins: 64 }));
        const strip = (s: DDSketch) => ({ ...s.toJSON(), s: 0 });
        assertEquals(strip(merged), strip(whole));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("DDSketch keeps its state under 4 KiB for latencies from 1 µs to 1 h", () => {
  const s = new DDSketch();
  for (let v = 0.001; v < 3_600_000; v *= 1.001) s.add(v);
  ok(s.byte_size <= 4096, `byte_size ${s.byte_size}`);
  const values: number[] = [];
  for (let v = 0.001; v < 3_600_000; v *= 1.001) values.push(v);
  for (const q of [0.5, 0.9, 0.99]) {
    const want = exact(values, q);
    ok(Math.abs(s.quantile(q) - want) <= 0.01 * want, `q=${q}`);
  }
});

Deno.test("DDSketch keys a value just below 1 as 0, never -0 (the binary codec keeps no sign of zero)", () => {
  const s = new DDSketch();
  s.add(0.9801980198019803);
  const [key] = s.toJSON().k;
  ok(key === 0 && !Object.is(key, -0), `key is ${Object.is(key, -0) ? "-0" : key}`);
});

Deno.test("DDSketch has the same bins whatever the insertion order, split and decoding (dense stores growing both ways)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 1e-4, max: 1e8, noNaN: true }), {
        minLength: 9,
        maxLength: 1500,
        size: "max",
      }),
      fc.constantFrom(768, 200, 16),
      fc.integer({ min: 1, max: 4 }),
      (values, max_bins, parts) => {
        const of = (vs: number[]) => {
          const s = new DDSketch({ max_bins });
          for (const v of vs) s.add(v);
          return s;
        };
        const want = of(values).toJSON();
        const strip = (j: ReturnType<DDSketch["toJSON"]>) => ({ ...j, s: 0 });
        const up = [...values].sort((a, b) => a - b);
        assertEquals(strip(of(up).toJSON()), strip(want));
        assertEquals(strip(of([...up].reverse()).toJSON()), strip(want));
        const merged = new DDSketch({ max_bins });
        for (let p = 0; p < parts; p++) {
          const piece = of(values.filter((_, i) => i % parts === p));
          merged.merge(DDSketch.fromJSON(piece.toJSON(), { max_bins }));
        }
        assertEquals(strip(merged.toJSON()), strip(want));
        const decoded = DDSketch.fromJSON(want, { max_bins });
        assertEquals(decoded.toJSON(), want);
        for (const q of [0.01, 0.5, 0.99]) assertEquals(decoded.quantile(q), of(values).quantile(q));
      },
    ),
    { numRuns: 200 },
  );
});

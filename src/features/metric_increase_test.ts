import { deepStrictEqual as assertEquals, throws } from "node:assert";
import fc from "fast-check";
import { compactPoints, cumulativeIncrease, type CumulativePoint } from "./metric_increase.ts";

const W0 = 1_000_000;

Deno.test("cumulativeIncrease() measures from the previous window's last point", () => {
  const base: CumulativePoint = [W0 - 5_000, 1, 100, 0];
  assertEquals(cumulativeIncrease([[W0 + 5_000, 1, 130, 0]], { window_start_ms: W0, baseline: base }), {
    value: 30,
    sum: 0,
    since_ms: W0 - 5_000,
    resets: 0,
  });
});

Deno.test("cumulativeIncrease() is null for a single point with no baseline whose series started earlier", () => {
  assertEquals(cumulativeIncrease([[W0 + 5_000, 1, 130, 0]], { window_start_ms: W0 }), null);
  assertEquals(cumulativeIncrease([[W0 + 5_000, 0, 130, 0]], { window_start_ms: W0 }), null); // start unset
  assertEquals(cumulativeIncrease([], { window_start_ms: W0 }), null);
});

Deno.test("cumulativeIncrease() counts a series that started inside the window in full", () => {
  assertEquals(cumulativeIncrease([[W0 + 5_000, W0 + 1_000, 7, 3.5]], { window_start_ms: W0 }), {
    value: 7,
    sum: 3.5,
    since_ms: W0 + 1_000,
    resets: 0,
  });
});

Deno.test("cumulativeIncrease() treats a changed start time or a falling value as a reset", () => {
  const base: CumulativePoint = [W0 - 1_000, 1, 100, 50];
  // process restarted: new start time, count starts again from 0
  assertEquals(
    cumulativeIncrease([[W0 + 2_000, 1, 104, 52], [W0 + 6_000, W0 + 3_000, 5, 2]], {
      window_start_ms: W0,
      baseline: base,
    }),
    { value: 4 + 5, sum: 2 + 2, since_ms: W0 - 1_000, resets: 1 },
  );
  // no start time, the value falls: a reset for a monotonic series
  assertEquals(
    cumulativeIncrease([[W0 + 2_000, 0, 3, 0]], { window_start_ms: W0, baseline: [W0 - 1_000, 0, 100, 0] }),
    { value: 3, sum: 0, since_ms: W0 - 1_000, resets: 1 },
  );
  // an up-down counter going down is not a reset
  assertEquals(
    cumulativeIncrease([[W0 + 2_000, 0, 80, 0]], {
      window_start_ms: W0,
      baseline: [W0 - 1_000, 0, 100, 0],
      monotonic: false,
    }),
    { value: -20, sum: 0, since_ms: W0 - 1_000, resets: 0 },
  );
});

Deno.test("cumulativeIncrease() ignores a baseline that is not earlier than the window's points", () => {
  assertEquals(
    cumulativeIncrease([[W0 + 1_000, 1, 10, 0], [W0 + 2_000, 1, 15, 0]], {
      window_start_ms: W0,
      baseline: [W0 + 1_000, 1, 10, 0],
    }),
    { value: 5, sum: 0, since_ms: W0 + 1_000, resets: 0 },
  );
});

const point = fc.tuple(
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom(0, 1, 2),
  fc.integer({ min: 0, max: 50 }),
  fc.constantFrom(0, 0.5),
) as fc.Arbitrary<CumulativePoint>;

Deno.test("compactPoints() keeps the same points however the set is split, ordered and compacted (property)", () => {
  fc.assert(
    fc.property(fc.array(point, { maxLength: 60 }), fc.array(fc.nat(3), { maxLength: 60 }), (pts, parts) => {
      const whole = compactPoints(pts.map((p) => [...p] as CumulativePoint), 6);
      const pieces: CumulativePoint[][] = [[], [], [], []];
      pts.forEach((p, i) => pieces[parts[i] ?? 0].push([...p] as CumulativePoint));
      let merged: CumulativePoint[] = [];
      for (const piece of pieces.reverse()) merged = compactPoints(merged.concat(compactPoints(piece, 6)), 6);
      assertEquals(merged, whole);
      if (whole.length > 0) {
        const sorted = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
        assertEquals(whole[0], sorted[0]);
        assertEquals(whole[whole.length - 1], sorted[sorted.length - 1]);
      }
    }),
  );
});

Deno.test("compactPoints() throws RangeError naming a bad max_points", () => {
  throws(() => compactPoints([], 1), /max_points must be an integer >= 2: current value is 1/);
});

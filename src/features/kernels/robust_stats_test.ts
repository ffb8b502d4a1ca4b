import { assertEquals, assertThrows } from "../../../tests/helpers/assert.ts";
import fc from "fast-check";
import { mad, madBatch, median, medianBatch, quantile, quantileBatch } from "./robust_stats.ts";
import { madTwin, medianTwin, quantileTwin } from "./robust_stats_twin.ts";

const values = fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 300 });

Deno.test("quantile(), median() and mad() equal the sort-based twins exactly (property)", () => {
  fc.assert(
    fc.property(values, fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
      return quantile(xs, q) === quantileTwin(xs, q) && median(xs) === medianTwin(xs) &&
        mad(xs) === madTwin(xs);
    }),
    { numRuns: 500 },
  );
});

Deno.test("quantile() handles duplicates, small series and the extremes", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertEquals(quantile([5, 5, 5, 5, 1], 0.1), 2.6);
  assertEquals(quantile([7], 0.3), 7);
  assertEquals(quantile([9, -2, 4], 0), -2);
  assertEquals(quantile([9, -2, 4], 1), 9);
  assertEquals(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  assertEquals(mad([1, 1, 2, 2, 4, 6, 9], { scale: 1.4826 }), 1.4826);
});

Deno.test("batched robust statistics equal one call per series", () => {
  const series = [[5, 1, 4, 2], [10, 30, 20, 0], [-1, -1, -1, 7]];
  const flat = series.flat();
  const med = medianBatch(flat, new Float64Array(3), { series_length: 4 });
  const mads = madBatch(flat, new Float64Array(3), { series_length: 4 });
  const qs = quantileBatch(flat, new Float64Array(6), { series_length: 4, quantiles: [0.25, 0.75] });
  series.forEach((s, k) => {
    assertEquals(med[k], medianTwin(s));
    assertEquals(mads[k], madTwin(s));
    assertEquals([qs[2 * k], qs[2 * k + 1]], [quantileTwin(s, 0.25), quantileTwin(s, 0.75)]);
  });
});

Deno.test("robust statistics reject NaN, empty input, bad q and bad batch shapes", () => {
  assertThrows(() => median([1, NaN, 3]), RangeError, "index 1 is NaN");
  assertThrows(() => median([]), RangeError, "series_length");
  assertThrows(() => quantile([1, 2], 1.5), RangeError, "current value is 1.5");
  assertThrows(
    () => medianBatch([1, 2, 3], new Float64Array(1), { series_length: 2 }),
    RangeError,
    "series_length",
  );
  assertThrows(
    () => medianBatch([1, 2, 3, 4], new Float64Array(1), { series_length: 2 }),
    RangeError,
    "output.length must be 2",
  );
});

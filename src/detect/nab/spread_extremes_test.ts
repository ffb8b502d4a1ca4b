import assert from "node:assert/strict";
import { SpreadExtremes } from "./spread_extremes.ts";
import { daily, reports } from "./nab_test_series.ts";

Deno.test("SpreadExtremes stays quiet on a noisy daily cycle after warm-up", () => {
  assert.deepEqual(reports(daily(4000, 1, 3), new SpreadExtremes(), 400), []);
});

Deno.test("SpreadExtremes reports a series stuck mid-range, once the window has stood still", () => {
  const values = daily(3000, 2, 3);
  for (let t = 2000; t < 2300; t++) values[t] = 50; // a level the cycle crosses twice a day
  const found = reports(values, new SpreadExtremes(), 400);
  assert.ok(found.length > 0 && found[0] >= 2000 && found[0] <= 2048, `first report at ${found[0]}`);
});

Deno.test("SpreadExtremes reports a burst of noise inside the usual range", () => {
  const values = daily(3000, 3, 1);
  for (let t = 2000; t < 2200; t++) values[t] += t % 2 === 0 ? 8 : -8; // ±8 around the cycle, range 40
  const found = reports(values, new SpreadExtremes(), 400);
  assert.ok(found.length > 0 && found[0] >= 2000 && found[0] <= 2030, `first report at ${found[0]}`);
});

Deno.test("SpreadExtremes rejects a window below 2, naming the value", () => {
  assert.throws(
    () => new SpreadExtremes({ window: 1 }),
    /window must be an integer >= 2: current value is 1/,
  );
});

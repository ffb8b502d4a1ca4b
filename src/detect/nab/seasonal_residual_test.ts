import assert from "node:assert/strict";
import { SeasonalResidual } from "./seasonal_residual.ts";
import { gaussian, reports } from "./nab_test_series.ts";

/** Half a day low (20), half a day high (80), 288 points a day, with noise. */
function squareDays(n: number, seed: number): number[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, t) => (t % 288 < 144 ? 20 : 80) + 2 * g());
}

Deno.test("SeasonalResidual finds the period and stays quiet on a regular noisy cycle", () => {
  for (const seed of [1, 6, 7]) {
    const values = squareDays(6000, seed);
    const model = new SeasonalResidual();
    assert.deepEqual(reports(values, model, 1600), [], `seed ${seed}`);
    assert.ok(Math.abs(model.period - 288) <= 2, `seed ${seed}: period ${model.period}`);
  }
});

Deno.test("SeasonalResidual reports a skipped daily jump inside the usual range, within a few points", () => {
  const values = squareDays(4000, 2);
  const day = 288 * 10; // the high half of day 10 never comes: every value stays at the usual low level
  for (let t = day + 144; t < day + 288; t++) values[t] -= 60;
  const found = reports(values, new SeasonalResidual(), 1600);
  assert.ok(found.length > 0, "no report");
  assert.ok(found[0] >= day + 144 && found[0] <= day + 144 + 12, `first report at ${found[0]}`);
});

Deno.test("SeasonalResidual scores 0 throughout a series with no period", () => {
  const g = gaussian(4);
  assert.deepEqual(reports(Array.from({ length: 3000 }, () => g()), new SeasonalResidual()), []);
});

Deno.test("SeasonalResidual never looks ahead: a prefix scores as the full run does", () => {
  const values = squareDays(3500, 5);
  for (let t = 3000; t < 3100; t++) values[t] = 50;
  const run = (xs: readonly number[]) => {
    const m = new SeasonalResidual();
    return xs.map((v) => m.update(v));
  };
  const full = run(values);
  assert.ok(full.some((s) => s > 0), "the series must contain reports for this test to mean anything");
  for (const n of [1000, 2049, 3001, 3050]) assert.deepEqual(run(values.slice(0, n)), full.slice(0, n));
});

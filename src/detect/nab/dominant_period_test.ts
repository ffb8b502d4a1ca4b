import assert from "node:assert/strict";
import { dominantPeriod } from "./dominant_period.ts";
import { daily, gaussian } from "./nab_test_series.ts";

Deno.test("dominantPeriod() finds the daily period of a noisy daily cycle", () => {
  const p = dominantPeriod(daily(2000, 1, 5));
  assert.ok(p !== null);
  assert.ok(Math.abs(p.lag - 288) <= 2, `lag ${p.lag}`);
  assert.ok(p.acf > 0.8, `acf ${p.acf}`);
});

Deno.test("dominantPeriod() returns the period, not a multiple, when several lags correlate as well", () => {
  // a weekly pattern (2016 points) on top of a strong daily one: the days repeat, weekends differ a little
  const g = gaussian(3);
  const values = Array.from(
    { length: 8192 },
    (_, t) => 50 + 20 * Math.sin(2 * Math.PI * t / 288) + (Math.floor(t / 288) % 7 >= 5 ? -2 : 0) + g(),
  );
  const p = dominantPeriod(values);
  assert.ok(p !== null && Math.abs(p.lag - 288) <= 2, `lag ${p?.lag}`);
});

Deno.test("dominantPeriod() returns null for noise, a random walk, a constant and a short series", () => {
  const g = gaussian(5);
  const noise = Array.from({ length: 3000 }, () => g());
  let x = 0;
  const walk = Array.from({ length: 3000 }, () => (x += g()));
  assert.equal(dominantPeriod(noise), null);
  assert.equal(dominantPeriod(walk), null, "a slowly decaying autocorrelation is no period");
  assert.equal(dominantPeriod(new Array(3000).fill(7)), null);
  assert.equal(dominantPeriod([1, 2, 3, 1, 2, 3]), null);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import { RecentLevelExtremes } from "./recent_level_extremes.ts";
import { gaussian, reports } from "./nab_test_series.ts";

Deno.test("RecentLevelExtremes reports a shift to a level the series held only long ago", () => {
  const g = gaussian(1);
  // a start-up transient passes through 28, then the series sits at 17 and later shifts to 28
  const values = Array.from({ length: 4000 }, (_, t) => (t < 50 ? 70 - t : t < 2500 ? 17 : 28) + 0.5 * g());
  const found = reports(values, new RecentLevelExtremes(), 1100);
  assert.ok(found.length > 0 && found[0] >= 2500 && found[0] <= 2506, `first report at ${found[0]}`);
});

Deno.test("RecentLevelExtremes stays quiet on stationary noise and on isolated spikes", () => {
  const g = gaussian(2);
  const values = Array.from({ length: 5000 }, (_, t) => 10 + g() + (t % 700 === 0 ? 15 : 0));
  assert.deepEqual(reports(values, new RecentLevelExtremes()), []);
});

Deno.test("RecentLevelExtremes matches a brute-force sliding range on any input", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 300 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 30 }),
      (xs, smooth, span) => {
        const model = new RecentLevelExtremes({ smooth, span, tolerance: 0.5 });
        const levels: number[] = [];
        return xs.every((x, i) => {
          const window = xs.slice(Math.max(0, i - smooth + 1), i + 1);
          levels.push(window.reduce((a, b) => a + b, 0) / window.length);
          const got = model.update(x);
          if (i < smooth + span) return got === 0;
          const recent = levels.slice(i - smooth - span + 1, i - smooth + 1);
          const lo = Math.min(...recent), hi = Math.max(...recent), margin = 0.5 * (hi - lo);
          const want = levels[i] > hi + margin || levels[i] < lo - margin ? 1 : 0;
          return got === want;
        });
      },
    ),
    { numRuns: 200 },
  );
});

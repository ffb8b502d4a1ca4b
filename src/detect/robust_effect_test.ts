import assert from "node:assert/strict";
import { RobustEffectModel } from "./robust_effect.ts";
import { RobustScoreModel } from "./robust_score.ts";

Deno.test("RobustEffectModel.update() does not flag one extra event on a sparse counter", () => {
  const sparse = [0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0];
  const effect = new RobustEffectModel({ min_history: 10 });
  const plain = new RobustScoreModel({ min_history: 10 });
  for (const x of sparse) {
    effect.update(x);
    plain.update(x);
  }
  assert.equal(effect.is_count, true);
  assert.ok(effect.update(3) < 5, "3 errors against a median of 0 is within Poisson noise");
  assert.ok(plain.update(3) > 5, "the plain robust score flags it (IQR 0)");
  assert.ok(effect.update(12) > 5, "a burst of 12 is flagged");
});

Deno.test("RobustEffectModel.update() needs a minimum relative change on a flat gauge", () => {
  const m = new RobustEffectModel({ min_history: 10, relative_floor: 0.05 });
  for (let i = 0; i < 30; i++) m.update(0.5 + (i % 2) * 0.001); // IQR ≈ 0.001
  assert.equal(m.is_count, false);
  assert.ok(m.update(0.52) < 1, "a 4 % move is below the effect floor");
  assert.ok(m.update(0.7) > 5, "a 40 % move is flagged");
});

Deno.test("RobustEffectModel rejects a negative relative_floor", () => {
  assert.throws(() => new RobustEffectModel({ relative_floor: -1 }), /current value is -1/);
});

Deno.test("RobustEffectModel.update() flags a count held for two windows sooner than a lone spike", () => {
  const held = new RobustEffectModel({ min_history: 10 });
  for (let i = 0; i < 30; i++) held.update(i % 5 === 0 ? 1 : 0);
  assert.ok(held.update(5) <= 5, "one window of 5 against a median of 0 is not enough");
  assert.ok(held.update(5) > 5, "a second window of 5 is");
});

Deno.test("RobustEffectModel keeps anomalous points out of its baseline: a repeat fault scores as high as the first", () => {
  const m = new RobustEffectModel({ window: 60, min_history: 10, guard: 5 });
  const noise = (i: number) => 10 + ((i * 7919) % 5) * 0.1;
  let i = 0;
  for (; i < 30; i++) m.update(noise(i));
  // a fault a third of the baseline long, then a short recovery, then the same fault again
  const first: number[] = [];
  for (let k = 0; k < 20; k++, i++) first.push(m.update(30));
  for (let k = 0; k < 10; k++, i++) m.update(noise(i));
  const second: number[] = [];
  for (let k = 0; k < 10; k++, i++) second.push(m.update(30));
  const min = (xs: number[]) => Math.min(...xs);
  assert(min(first) > 5, `first fault scored ${first}`);
  assert(min(second) >= 0.9 * min(first), `second fault scored ${second} after ${first}`);
});

Deno.test("RobustEffectModel learns a lasting shift as the new normal after adapt_after points", () => {
  const m = new RobustEffectModel({ window: 20, min_history: 10, guard: 5, adapt_after: 5 });
  for (let i = 0; i < 20; i++) m.update(10 + (i % 3) * 0.1);
  const scores: number[] = [];
  for (let i = 0; i < 60; i++) scores.push(m.update(30 + (i % 3) * 0.1));
  assert(scores[0] > 5, `the shift scored ${scores[0]}`);
  assert(scores.at(-1)! < 1, `the shift was never learned: last score ${scores.at(-1)}`);
});

Deno.test("createDetector('robust_effect') guards its baseline by default; guard 0 turns it off", async () => {
  const { createDetector } = await import("./registry.ts");
  const make = (config: unknown) => {
    const d = createDetector("robust_effect", config);
    const scores: number[] = [];
    for (let i = 0; i < 120; i++) {
      const v = i < 30 ? 10 + (i % 3) * 0.1 : 30 + (i % 3) * 0.1; // a lasting shift at 30
      scores.push(d.observe("s", { time_ms: i * 10_000, values: new Map([["cpu", v]]) }).severity);
    }
    return scores;
  };
  // guarded (the default), the shift is held out for adapt_after (30) points, then learned
  const guarded = make({});
  assert(guarded[65]! >= 1, `guarded scored ${guarded[65]} 35 points into the shift`);
  assert(guarded.at(-1)! < 1, "the new normal was never learned");
  // unguarded, the shift enters the 60-point baseline at once and stops scoring within it
  const open = make({ guard: 0 });
  assert(open[65]! < 1, `unguarded still scored ${open[65]} 35 points into the shift`);
});

Deno.test("RobustEffectModel scores one burst of a count in its own window only, not in the quiet one after", () => {
  const m = new RobustEffectModel({ window: 60, min_history: 10 });
  for (let i = 0; i < 40; i++) m.update(i % 9 === 0 ? 1 : 0); // a sparse error counter
  const burst = m.update(8);
  const after = m.update(0);
  assert(burst >= 5, `the burst scored ${burst}`);
  assert(after < 1, `the window after the burst scored ${after}`);
  // two windows of the same level are stronger evidence than either alone
  const n = new RobustEffectModel({ window: 60, min_history: 10 });
  for (let i = 0; i < 40; i++) n.update(i % 9 === 0 ? 1 : 0);
  const first = n.update(4);
  const second = n.update(4);
  assert(second > first, `two windows of 4 scored ${second}, one ${first}`);
});

Deno.test("RobustEffectModel calls a jump the series keeps making normal, and still flags a new height", () => {
  // a p99 from histogram buckets: one bucket value, and every 7th window the next bucket up
  const bucketed = (seen_before?: number) => {
    const m = new RobustEffectModel({ window: 60, min_history: 10, seen_before });
    const scores: number[] = [];
    for (let i = 0; i < 60; i++) scores.push(m.update(i % 7 === 6 ? 0.049 : 0.005));
    return { m, scores };
  };
  const { m, scores } = bucketed();
  // the first two jumps are news; from the third on the series is doing what it does
  const jumps = scores.filter((_, i) => i >= 10 && i % 7 === 6);
  assert(jumps[0] > 5 && jumps[1] > 5, `first jumps scored ${jumps}`);
  assert(jumps.slice(2).every((s) => s === 0), `recurring jumps scored ${jumps}`);
  assert(m.update(0.5) > 5, "a jump past every earlier one was not flagged");
  const off = bucketed(0).scores.filter((_, i) => i >= 10 && i % 7 === 6);
  assert(off.every((s) => s > 5), `seen_before 0 should flag every jump: ${off}`);
});

Deno.test("RobustEffectModel does not take one long earlier fault for a habit", () => {
  const m = new RobustEffectModel({ window: 60, min_history: 10 });
  const noise = (i: number) => 10 + ((i * 7919) % 5) * 0.1;
  let i = 0;
  for (; i < 20; i++) m.update(noise(i));
  for (let k = 0; k < 15; k++, i++) m.update(30); // one excursion, 15 windows long
  for (let k = 0; k < 5; k++, i++) m.update(noise(i));
  assert(m.update(30) > 5, "the same fault again went unflagged");
});

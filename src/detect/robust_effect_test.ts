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

import assert from "node:assert/strict";
import { effectScale } from "./robust_stats.ts";

Deno.test("effectScale() floors the IQR by a share of the level, and a count by its Poisson noise", () => {
  assert.equal(effectScale(100, 2, { relative_floor: 0.05, count: false }), 5);
  assert.equal(effectScale(100, 8, { relative_floor: 0.05, count: false }), 8);
  assert.equal(effectScale(3, 0, { relative_floor: 0.05, count: true }), 2);
  assert.equal(effectScale(0, 0, { relative_floor: 0.05, count: false }), 1e-9);
});

import assert from "node:assert/strict";
import { poissonLogTail, poissonZ, zOfLogTail } from "./poisson_tail.ts";

Deno.test("poissonLogTail() matches the closed form and stays finite far in the tail", () => {
  // P(X >= 1) = 1 − e^−μ
  assert.ok(Math.abs(Math.exp(poissonLogTail(1, 0.5)) - (1 - Math.exp(-0.5))) < 1e-12);
  // P(X >= 3 | 2) = 1 − e^−2 (1 + 2 + 2)
  assert.ok(Math.abs(Math.exp(poissonLogTail(3, 2)) - (1 - 5 * Math.exp(-2))) < 1e-12);
  // P(X >= 2 | 0.1) = 1 − e^−0.1 · 1.1 (tail series branch)
  assert.ok(Math.abs(Math.exp(poissonLogTail(2, 0.1)) - (1 - 1.1 * Math.exp(-0.1))) < 1e-12);
  const far = poissonLogTail(40, 0.01);
  assert.ok(Number.isFinite(far) && far < -200);
  assert.throws(() => poissonLogTail(1, 0), /mu must be > 0: current value is 0/);
});

Deno.test("zOfLogTail() inverts the normal upper tail", () => {
  assert.ok(Math.abs(zOfLogTail(Math.log(0.02275)) - 2) < 1e-3);
  assert.ok(Math.abs(zOfLogTail(Math.log(2.87e-7)) - 5) < 1e-2);
  assert.ok(Math.abs(zOfLogTail(Math.log(0.5))) < 1e-3);
  assert.ok(zOfLogTail(Math.log(0.9)) < 0);
});

Deno.test("poissonZ() grows with the count and falls with the expectation", () => {
  assert.equal(poissonZ(1, 2), 0);
  assert.ok(poissonZ(4, 0.03) > poissonZ(3, 0.03));
  assert.ok(poissonZ(4, 0.03) > poissonZ(4, 0.3));
  assert.ok(poissonZ(4, 0.033) > 5 && poissonZ(4, 0.033) < 6);
});

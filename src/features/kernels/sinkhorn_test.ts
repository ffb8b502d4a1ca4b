import { assert, assertEquals, assertThrows } from "../../../tests/helpers/assert.ts";
import fc from "fast-check";
import { sinkhorn, sinkhornBatch } from "./sinkhorn.ts";
import { sinkhornTwin } from "./sinkhorn_twin.ts";
import { assertAtMost, relMaxError, rng } from "./test_helpers.ts";

function histogram(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const h = new Float64Array(n).map(() => 0.2 + r());
  const sum = h.reduce((s, x) => s + x, 0);
  return h.map((x) => x / sum);
}

function gridCost(n: number, m: number, power: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) c[i * m + j] = Math.abs(i / n - j / m) ** power;
  return c;
}

Deno.test("sinkhorn() of equal marginals with a zero-diagonal cost transports nothing", () => {
  const n = 40;
  const a = histogram(n, 1);
  const cost = gridCost(n, n, 1);
  for (const method of ["stabilized", "log"] as const) {
    const r = sinkhorn({ a, b: a, cost }, { epsilon: 1e-3, method, return_plan: true });
    assert(r.converged, `${method} should converge`);
    assertAtMost(r.cost, 1e-9, `${method} cost`);
    for (let i = 0; i < n; i++) {
      assertAtMost(Math.abs(r.plan![i * n + i] - a[i]), 1e-9, `${method} diagonal ${i}`);
    }
  }
});

Deno.test("sinkhorn() approaches the exact 1-D Wasserstein distance as epsilon shrinks", () => {
  const n = 60;
  const a = histogram(n, 2);
  const b = histogram(n, 3);
  const cost = gridCost(n, n, 1);
  // W1 on a line = integral of |CDF_a - CDF_b| = sum over gaps of |cum diff| * spacing.
  let w1 = 0;
  let cum = 0;
  for (let i = 0; i < n - 1; i++) {
    cum += a[i] - b[i];
    w1 += Math.abs(cum) / n;
  }
  const errors = [1e-2, 3e-3].map((epsilon) => {
    const r = sinkhorn({ a, b, cost }, { epsilon, method: "log", max_iter: 50000, tolerance: 1e-7 });
    assert(r.converged, `epsilon ${epsilon} should converge`);
    return r.cost - w1;
  });
  // The converged entropic plan is feasible, so its cost is never below W1; the gap closes with epsilon.
  for (const e of errors) assertAtMost(-e, 1e-7, "cost below W1 beyond the marginal tolerance");
  assertAtMost(errors[0] / w1, 0.25, "relative gap at epsilon 1e-2");
  assertAtMost(errors[1] / w1, 1e-3, "relative gap at epsilon 3e-3");
});

Deno.test("sinkhorn() matches the TS twin for both methods (f64 1e-9, f32 1e-4)", () => {
  const n = 33;
  const m = 21;
  const a = histogram(n, 4);
  const b = histogram(m, 5);
  const cost = gridCost(n, m, 2);
  for (const method of ["stabilized", "log"] as const) {
    for (const precision of ["f64", "f32"] as const) {
      for (const epsilon of [0.1, 0.01, 0.002]) {
        const options = { epsilon, method, precision, max_iter: 300, tolerance: 0, return_plan: true };
        const got = sinkhorn({ a, b, cost }, options);
        const ref = sinkhornTwin({ a, b, cost }, options);
        const tol = precision === "f64" ? 1e-9 : 1e-4;
        const what = `${method} ${precision} eps=${epsilon}`;
        assertEquals(got.iterations, 300);
        assertAtMost(Math.abs(got.cost - ref.cost) / ref.cost, tol, `${what} cost`);
        assertAtMost(relMaxError(got.plan!, ref.plan!), tol, `${what} plan`);
        assertAtMost(relMaxError(got.f, ref.f), precision === "f64" ? 1e-9 : 1e-3, `${what} f`);
      }
    }
  }
});

Deno.test("sinkhorn() matches the TS twin at sizes that reach every row block and lane remainder", () => {
  // The stabilised sweep takes rows 8, then 4, then 1 at a time and columns 4 (f32) or 2 (f64) at a time.
  for (const n of [1, 3, 4, 5, 8, 12, 13, 29]) {
    for (const m of [1, 2, 3, 6, 8, 17]) {
      const a = histogram(n, 100 + n);
      const b = histogram(m, 200 + m);
      const cost = gridCost(n, m, 2);
      for (const precision of ["f64", "f32"] as const) {
        const options = { epsilon: 0.02, precision, max_iter: 60, tolerance: 0, return_plan: true };
        const got = sinkhorn({ a, b, cost }, options);
        const ref = sinkhornTwin({ a, b, cost }, options);
        const tol = precision === "f64" ? 1e-9 : 1e-4;
        const what = `${precision} ${n}x${m}`;
        // No iteration-count check: with tolerance 0 a 1 x m problem may stop on an error of exactly 0,
        // which depends on the summation order (lanes here, one by one in the twin).
        assertAtMost(relMaxError(got.plan!, ref.plan!), tol, `${what} plan`);
        assertAtMost(Math.abs(got.cost - ref.cost) / Math.max(ref.cost, 1e-300), tol, `${what} cost`);
      }
    }
  }
});

Deno.test("sinkhorn() plans have the requested marginals on random problems (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 0, max: 1e6 }),
      fc.constantFrom("stabilized" as const, "log" as const),
      (n, m, seed, method) => {
        const a = histogram(n, seed);
        const b = histogram(m, seed + 1);
        const r = rng(seed + 2);
        const cost = new Float64Array(n * m).map(() => r());
        const out = sinkhorn({ a, b, cost }, {
          epsilon: 0.25,
          method,
          max_iter: 5000,
          tolerance: 1e-10,
          return_plan: true,
        });
        const plan = out.plan!;
        for (let i = 0; i < n; i++) {
          let row = 0;
          for (let j = 0; j < m; j++) row += plan[i * m + j];
          if (Math.abs(row - a[i]) > 1e-9) return false;
        }
        let err = 0;
        for (let j = 0; j < m; j++) {
          let col = 0;
          for (let i = 0; i < n; i++) col += plan[i * m + j];
          err += Math.abs(col - b[j]);
        }
        return out.converged && err <= 1e-9;
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("sinkhornBatch() equals one call per problem, with shared or per-problem costs", () => {
  const n = 12;
  const m = 9;
  const as = [histogram(n, 10), histogram(n, 11), histogram(n, 12)];
  const bs = [histogram(m, 20), histogram(m, 21), histogram(m, 22)];
  const costs = [gridCost(n, m, 1), gridCost(n, m, 2), gridCost(n, m, 0.5)];
  const flat = (xs: Float64Array[]) => Float64Array.from(xs.flatMap((x) => Array.from(x)));
  const options = { epsilon: 0.02, max_iter: 200 };
  const shared = sinkhornBatch({ a: flat(as), b: flat(bs), cost: costs[0], n, m }, options);
  const own = sinkhornBatch({ a: flat(as), b: flat(bs), cost: flat(costs), n, m }, options);
  for (let k = 0; k < 3; k++) {
    assertEquals(shared[k].cost, sinkhorn({ a: as[k], b: bs[k], cost: costs[0] }, options).cost);
    assertEquals(own[k].cost, sinkhorn({ a: as[k], b: bs[k], cost: costs[k] }, options).cost);
  }
});

Deno.test("sinkhorn() rejects bad input and overflow with clear RangeErrors", () => {
  const a = histogram(4, 1);
  const cost = gridCost(4, 4, 1);
  const o = { epsilon: 0.1 };
  assertThrows(() => sinkhorn({ a: [0.5, NaN, 0.25, 0.25], b: a, cost }, o), RangeError, "index 1 is NaN");
  assertThrows(() => sinkhorn({ a: [0.5, -0.1, 0.3, 0.3], b: a, cost }, o), RangeError, "index 1 is -0.1");
  assertThrows(() => sinkhorn({ a, b: a, cost: cost.subarray(0, 15) }, o), RangeError, "current value is 15");
  assertThrows(() => sinkhorn({ a, b: [0.5, 0.5, 0.5, 0.5], cost }, o), RangeError, "same total mass");
  const badCost = cost.slice();
  badCost[6] = Infinity;
  assertThrows(() => sinkhorn({ a, b: a, cost: badCost }, o), RangeError, "index 6 is Infinity");
  assertThrows(() => sinkhorn({ a, b: a, cost }, { epsilon: 0 }), RangeError, "epsilon");
  assertThrows(
    () => sinkhorn({ a, b: a, cost }, { epsilon: 0.1, method: "fast" as never }),
    RangeError,
    "method",
  );
  const far = new Float64Array(16).fill(1e4);
  assertThrows(() => sinkhorn({ a, b: a, cost: far }, { epsilon: 1 }), RangeError, 'use method "log"');
  assert(Number.isFinite(sinkhorn({ a, b: a, cost: far }, { epsilon: 1, method: "log" }).cost));
});

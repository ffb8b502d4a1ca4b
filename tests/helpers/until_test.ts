import { deepStrictEqual as assertEquals, rejects } from "node:assert";
import { until } from "./until.ts";

Deno.test("until() resolves once a sync condition holds, polling it until then", async () => {
  let calls = 0;
  await until(() => ++calls === 3, "the third call", { interval_ms: 0 });
  assertEquals(calls, 3);
});

Deno.test("until() awaits an async condition", async () => {
  let calls = 0;
  await until(() => Promise.resolve(++calls >= 2), "the second call", { interval_ms: 0 });
  assertEquals(calls, 2);
});

Deno.test("until() rejects naming what it waited for when the condition never holds", async () => {
  let calls = 0;
  await rejects(
    until(() => (calls++, false), "the answer", { timeout_ms: 30, interval_ms: 1 }),
    (e: Error) => e.message === "Timed out after 30 ms waiting for the answer",
  );
  assertEquals(calls > 1, true);
});

Deno.test("until() rejects with the condition's own error, at once", async () => {
  let calls = 0;
  await rejects(
    until(() => {
      calls++;
      throw new TypeError("boom");
    }, "nothing"),
    TypeError,
  );
  assertEquals(calls, 1);
});

Deno.test("until() rejects a negative or NaN timeout_ms or interval_ms naming the value", async () => {
  await rejects(until(() => true, "x", { timeout_ms: -1 }), /timeout_ms must be >= 0: current value is -1/);
  await rejects(
    until(() => true, "x", { interval_ms: NaN }),
    /interval_ms must be >= 0: current value is NaN/,
  );
});

import assert from "node:assert/strict";
import type { LocalizeInput, LogTemplateSeries } from "../core/rca.ts";
import { logPointers } from "./log_pointers.ts";

const N = 40, ONSET = 30, STEP = 10_000;
const col = (f: (t: number) => number) => Float64Array.from({ length: N }, (_, t) => f(t));
const surge = (t: number) => (t >= ONSET ? 20 : 0);

function input(logs: LogTemplateSeries[]): LocalizeInput {
  const flat = new Map([["rate", col(() => 10)]]);
  return {
    anomaly_start_ms: ONSET * STEP,
    logs,
    frame: {
      times_ms: Array.from({ length: N }, (_, t) => t * STEP),
      step_ms: STEP,
      series: new Map([["web", flat], ["api", flat], ["cart", flat], ["pay", flat]]),
    },
  };
}
const tpl = (
  service: string,
  template: string,
  f: (t: number) => number,
  error = true,
): LogTemplateSeries => ({
  service,
  template_id: `${service}:${template}`,
  template,
  counts: col(f),
  error_counts: col((t) => (error ? f(t) : 0)),
});

Deno.test("logPointers() points a surging error template at the service it names", () => {
  const p = logPointers(input([
    tpl("api", "Checkout failed: invalid response from pay: Charge", surge),
    tpl("api", "handled request in <*> ms", () => 30, false),
  ]));
  assert.equal(p.length, 1);
  assert.equal(p[0].target, "pay");
  assert.equal(p[0].from, "api");
  assert.ok(p[0].z >= 5);
});

Deno.test("logPointers() ignores INFO templates, steady templates and the service naming itself", () => {
  const p = logPointers(input([
    tpl("api", "call to pay ok", surge, false),
    tpl("web", "call to cart failed", () => 20),
    tpl("cart", "cart failed to load", surge),
  ]));
  assert.deepEqual(p, []);
});

Deno.test("logPointers() distrusts a caller whose errors name several services unless another caller agrees", () => {
  const p = logPointers(input([
    tpl("api", "call to pay failed", surge),
    tpl("api", "call to cart failed", surge),
    tpl("web", "call to cart failed", surge),
  ]));
  assert.deepEqual(p.map((x) => `${x.from}->${x.target}`).sort(), ["api->cart", "web->cart"]);
});

Deno.test("logPointers() needs the named service's own change when the caller's network fails", () => {
  const i = input([tpl("api", "call to pay failed", surge)]);
  const series = new Map(i.frame.series);
  series.set("api", new Map([["k8s.pod.network.errors", col((t) => (t >= ONSET ? 12 : 0))]]));
  const failing = { ...i, frame: { ...i.frame, series } };
  assert.deepEqual(logPointers(failing), []);
  assert.equal(logPointers(failing, { corroborated: (s) => s === "pay" }).length, 1);
  assert.equal(logPointers(i).length, 1);
});

/** One conformance suite that every registered detector runs (CONVENTIONS habit 2). */
import assert from "node:assert/strict";
import { createDetector, DETECTORS } from "./registry.ts";
import { mulberry32 } from "../core/mulberry32.ts";
import type { ServiceWindow } from "./detector.ts";

function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

/** Three indicators of noise around fixed levels; from `change_at`, cpu jumps by 8 standard deviations. */
function windows(n: number, change_at: number, seed: number): ServiceWindow[] {
  const rnd = mulberry32(seed);
  const out: ServiceWindow[] = [];
  for (let t = 0; t < n; t++) {
    const cpu = 40 + 2 * gauss(rnd) + (t >= change_at ? 16 : 0);
    out.push({
      time_ms: 1_000_000 + t * 10_000,
      values: new Map([["cpu", cpu], ["mem", 500 + 5 * gauss(rnd)], ["latency_p99", 120 + 6 * gauss(rnd)]]),
    });
  }
  return out;
}

for (const spec of DETECTORS) {
  Deno.test(`${spec.name}: observe() flags a cpu step within 3 windows and names cpu first`, () => {
    const det = createDetector(spec.name);
    const change = 150;
    const ws = windows(170, change, 7);
    let falseAlarms = 0;
    let detectedAt = -1;
    let top = "";
    for (let t = 0; t < ws.length; t++) {
      const r = det.observe("svc", ws[t]);
      if (t < change && r.anomalous) falseAlarms++;
      if (t >= change && r.anomalous && detectedAt < 0) {
        detectedAt = t;
        top = r.indicators[0].indicator;
      }
    }
    assert.ok(detectedAt >= 0 && detectedAt <= change + 3, `detected at ${detectedAt}`);
    assert.equal(top, "cpu");
    // 150 normal windows × 3 indicators: a handful of false alarms at most.
    assert.ok(falseAlarms <= 5, `false alarms ${falseAlarms}`);
  });

  Deno.test(`${spec.name}: observe() rejects a window that is not after the last one`, () => {
    const det = createDetector(spec.name);
    const [a] = windows(1, 99, 1);
    det.observe("svc", a);
    assert.throws(() => det.observe("svc", a), RangeError);
    det.forget("svc");
    det.forget("svc");
    det.observe("svc", a); // state dropped: accepted again
  });

  Deno.test(`${spec.name}: observe() is deterministic and never reports during warm-up`, () => {
    const run = () => {
      const det = createDetector(spec.name);
      return windows(160, 150, 3).map((w) => det.observe("svc", w).severity);
    };
    const a = run();
    assert.deepEqual(a, run());
    const first = createDetector(spec.name).observe("svc", windows(1, 99, 3)[0]);
    assert.equal(first.anomalous, false);
  });
}

Deno.test("createDetector() rejects unknown names and unknown config keys", () => {
  assert.throws(() => createDetector("nope"), /current value is nope/);
  assert.throws(() => createDetector("nsigma", { windw: 3 }));
});

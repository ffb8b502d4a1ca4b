import { ok, strictEqual } from "node:assert/strict";
import { sharedDataExists, sharedDataPath } from "../replay/shared_data.ts";
import { readNabResults } from "./nab_results.ts";
import { NAB_PROFILES, probationaryLength, scaledSigmoid, scoreNab } from "./nab_scorer.ts";

const close = (a: number, b: number, tol: number) =>
  ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

Deno.test("scaledSigmoid() is ~0.9866 at the left window edge, 0 at the right edge and -1 from 3 on", () => {
  close(scaledSigmoid(-1), 0.98661, 1e-5);
  strictEqual(scaledSigmoid(0), 0);
  strictEqual(scaledSigmoid(3), -1);
});

Deno.test("probationaryLength() is 15 % of the series, capped at 750 points", () => {
  strictEqual(probationaryLength(1000), 150);
  strictEqual(probationaryLength(22695), 750);
});

/** 100 points, one window [60, 69]: probation covers the first 15. */
function toy(detections: number[]) {
  const times_ms = Float64Array.from({ length: 100 }, (_, i) => i * 1000);
  const scores = new Float64Array(100);
  for (const d of detections) scores[d] = 1;
  return [{ name: "toy", times_ms, scores, windows: [[60_000, 69_000] as const] }];
}

Deno.test("scoreNab() gives 100 to a detection at a window's first point and 0 to no detection", () => {
  const [perfect] = scoreNab(toy([60]), { thresholds: { standard: 0.5 } });
  close(perfect.normalized, 100, 1e-9);
  const [none] = scoreNab(toy([]), { thresholds: { standard: 0.5 } });
  close(none.normalized, 0, 1e-9);
});

Deno.test("scoreNab() charges an early false positive fpWeight and ignores probationary detections", () => {
  const [r] = scoreNab(toy([20, 5, 60]), { thresholds: { standard: 0.5 } });
  // one window found at its left edge (+1), one FP before any window (-0.11); the point at 5 is probationary
  close(r.raw, 1 - NAB_PROFILES.standard.fpWeight, 1e-12);
  strictEqual(r.fp, 1);
});

Deno.test("scoreNab() counts only the earliest detection of a window and optimises the threshold", () => {
  const corpus = toy([65, 69]);
  const [r] = scoreNab(corpus);
  ok(r.raw > 0 && r.raw < 1, `a late detection scores between 0 and 1: ${r.raw}`);
  strictEqual(r.threshold, 1);
  strictEqual(r.tp, 2);
});

const nabPresent = sharedDataExists("ad", "nab", "results", "windowedGaussian", "realKnownCause");

Deno.test({
  name: "scoreNab() reproduces windowedGaussian's published 39.6 / 20.9 / 47.4 from its raw scores",
  ignore: !nabPresent,
  fn: async () => {
    const corpus = await readNabResults(sharedDataPath("ad", "nab", "results", "windowedGaussian"));
    strictEqual(corpus.length, 58);
    const [standard, lowFp, lowFn] = scoreNab(corpus);
    close(standard.normalized, 39.649523496077585, 1e-6);
    close(lowFp.normalized, 20.86798582474138, 1e-6);
    close(lowFn.normalized, 47.4100271583046, 1e-6);
    strictEqual(standard.tp, 521); // NAB's windowedGaussian_standard_scores.csv totals
    strictEqual(standard.fp, 409);
  },
});

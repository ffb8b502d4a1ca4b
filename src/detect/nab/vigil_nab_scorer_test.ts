import assert from "node:assert/strict";
import fc from "fast-check";
import { VigilNabScorer } from "./vigil_nab_scorer.ts";

const STEP_MS = 300_000;

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A daily cycle (288 points a day) with noise, as most NAB series look. */
function daily(n: number, seed: number, noise = 2): number[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, t) => 50 + 20 * Math.sin(2 * Math.PI * t / 288) + noise * g());
}

function scoreAll(values: readonly number[], scorer = new VigilNabScorer()): number[] {
  return values.map((v, t) => scorer.update(t * STEP_MS, v));
}

const firstReport = (scores: readonly number[], from: number) =>
  scores.findIndex((s, i) => i >= from && s >= 0.5);

Deno.test("VigilNabScorer.update() never looks ahead: a prefix scores as the full run does", () => {
  const values = daily(3000, 7);
  for (let t = 2000; t < 2100; t++) values[t] += 35; // an excursion, so that reports happen
  const full = scoreAll(values);
  assert.ok(full.some((s) => s >= 0.5), "the series must contain reports for this test to mean anything");
  for (const n of [1, 150, 1999, 2001, 2050]) {
    assert.deepEqual(scoreAll(values.slice(0, n)), full.slice(0, n), `prefix of ${n} points`);
  }
});

Deno.test("VigilNabScorer.update() keeps scores in [0, 1] for any input, NaN and infinities included", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double(), fc.integer({ min: -5, max: 5 })), { maxLength: 400 }),
      (xs) => {
        const scores = scoreAll(xs);
        return scores.every((s) => s >= 0 && s <= 1);
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("VigilNabScorer.update() reports a level shift within a few points, and once", () => {
  const values = daily(2500, 11);
  for (let t = 1800; t < values.length; t++) values[t] += 30;
  const scores = scoreAll(values);
  assert.equal(firstReport(scores, 400), firstReport(scores, 1790), "no report before the shift");
  const at = firstReport(scores, 1790);
  assert.ok(at >= 1800 && at <= 1805, `first report at ${at}, shift at 1800`);
  assert.ok(scores.slice(at + 1, at + 100).every((s) => s === 0), "silent during the refractory period");
});

Deno.test("VigilNabScorer.update() reports a single spike inside the normal range's neighbourhood", () => {
  const values = daily(2500, 13);
  values[2000] += 45; // above the daily peak (70) by ~25, far beyond 5 % of the range
  const scores = scoreAll(values);
  assert.equal(firstReport(scores, 400), 2000);
});

Deno.test("VigilNabScorer.update() reports a drop of the daily cycle by the next trough", () => {
  const values = daily(3000, 17, 1);
  for (let t = 2300; t < 2400; t++) values[t] = 50 + 0.2 * Math.sin(t); // stuck mid-range, off the cycle
  for (let t = 2400; t < values.length; t++) values[t] -= 12; // then the whole cycle drops by 12
  const scores = scoreAll(values);
  const at = firstReport(scores, 600);
  // the stuck stretch sits at levels the cycle visits, so it is not novel; the shifted cycle is once it
  // goes below the old trough (2400 + 288 at the latest)
  assert.ok(at >= 2300 && at <= 2400 + 288, `first report at ${at}, change at 2300-2400`);
});

Deno.test("VigilNabScorer.update() raises nothing on flat, periodic or pure-noise series after warm-up", () => {
  const g = gaussian(23);
  const series: Record<string, number[]> = {
    flat: Array.from({ length: 4000 }, () => 42),
    square_wave: Array.from({ length: 4000 }, (_, t) => (Math.floor(t / 144) % 2 === 0 ? 10 : 80)),
    gaussian_noise: Array.from({ length: 4000 }, () => 100 + 10 * g()),
    noisy_daily: daily(4000, 29, 4),
  };
  for (const [name, values] of Object.entries(series)) {
    const scores = scoreAll(values);
    const late = scores.slice(600).filter((s) => s >= 0.5).length;
    assert.equal(late, 0, `${name}: ${late} reports after warm-up`);
  }
});

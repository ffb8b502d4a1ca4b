import { assert, assertEquals, assertThrows } from "../../../tests/helpers/assert.ts";
import fc from "fast-check";
import { autocorrelation, dominantPeriod, powerSpectrum, spectralResidual } from "./spectral.ts";
import {
  autocorrelationTwin,
  powerSpectrumTwin,
  spectralResidualTwin,
  twinSpectralBackend,
} from "./spectral_twin.ts";
import { assertAtMost, relMaxError, rng } from "./test_helpers.ts";

function noisySeasonal(n: number, period: number, seed: number): Float64Array {
  const r = rng(seed);
  return new Float64Array(n).map((_, t) => 10 + 3 * Math.sin((2 * Math.PI * t) / period) + 0.5 * (r() - 0.5));
}

Deno.test("powerSpectrum() matches the twin (f64 1e-12, f32 1e-5 of the peak), batched", () => {
  const n = 512;
  const x = noisySeasonal(2 * n, 24, 1);
  const got = powerSpectrum(x, new Float64Array(2 * (n / 2 + 1)), { size: n });
  for (let s = 0; s < 2; s++) {
    const ref = powerSpectrumTwin(x.subarray(s * n, (s + 1) * n));
    assertAtMost(
      relMaxError(got.subarray(s * (n / 2 + 1), (s + 1) * (n / 2 + 1)), ref),
      1e-12,
      `series ${s}`,
    );
  }
  const x32 = Float32Array.from(x.subarray(0, n));
  const got32 = powerSpectrum(x32, new Float32Array(n / 2 + 1));
  assertAtMost(relMaxError(got32, powerSpectrumTwin(x32)), 1e-5, "f32");
});

Deno.test("spectralResidual() matches the twin and peaks at an injected spike", () => {
  for (const n of [64, 1024, 4096]) {
    const x = noisySeasonal(n, 24, n);
    x[Math.floor(n * 0.7)] += 8;
    const ref = spectralResidualTwin(x, 3);
    const got = spectralResidual(x, new Float64Array(n));
    assertAtMost(relMaxError(got, ref), 1e-10, `f64 n=${n}`);
    const got32 = spectralResidual(Float32Array.from(x), new Float32Array(n));
    assertAtMost(relMaxError(got32, ref), 1e-3, `f32 n=${n}`);
    let argmax = 0;
    for (let t = 1; t < n; t++) if (got[t] > got[argmax]) argmax = t;
    assertEquals(argmax, Math.floor(n * 0.7));
  }
  const x = noisySeasonal(128, 10, 5);
  assertAtMost(
    relMaxError(spectralResidual(x, new Float64Array(128), { window_bins: 7 }), spectralResidualTwin(x, 7)),
    1e-10,
    "q=7",
  );
});

Deno.test("autocorrelation() matches the direct definition on random lengths (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 700 }), fc.integer({ min: 0, max: 1e9 }), (len, seed) => {
      const x = noisySeasonal(len, 1 + (seed % 50), seed);
      const lags = 1 + (seed % len);
      const got = autocorrelation(x, new Float64Array(lags));
      return relMaxError(got, autocorrelationTwin(x, lags - 1)) <= 1e-10;
    }),
    { numRuns: 100 },
  );
});

Deno.test("autocorrelation() is 1 at lag 0, zeros for a constant series, and works in f32", () => {
  const x = noisySeasonal(300, 12, 3);
  const r = autocorrelation(x, new Float64Array(40));
  assertAtMost(Math.abs(r[0] - 1), 1e-12, "lag 0");
  assert(r[12] > 0.8, `lag 12 should be strongly positive: ${r[12]}`);
  assertEquals(Array.from(autocorrelation(new Float64Array(50).fill(4), new Float64Array(5))), [
    0,
    0,
    0,
    0,
    0,
  ]);
  const r32 = autocorrelation(Float32Array.from(x), new Float32Array(40));
  assertAtMost(relMaxError(r32, r), 1e-5, "f32");
});

Deno.test("dominantPeriod() finds the period of a noisy seasonal series and none in white noise", () => {
  for (const period of [7, 24, 60]) {
    const found = dominantPeriod(noisySeasonal(720, period, period));
    assertEquals(found?.period, period);
    assertEquals(dominantPeriod(noisySeasonal(720, period, period), {}, twinSpectralBackend)?.period, period);
  }
  const r = rng(42);
  assertEquals(dominantPeriod(new Float64Array(512).map(() => r())), null);
  assertEquals(dominantPeriod(new Float64Array(64).fill(1)), null);
});

Deno.test("spectral calls reject bad input with clear errors", () => {
  assertThrows(
    () => spectralResidual(new Float64Array(100), new Float64Array(100)),
    RangeError,
    "current value is 100",
  );
  assertThrows(
    () => spectralResidual(new Float64Array(64), new Float64Array(64), { window_bins: 0 }),
    RangeError,
    "window_bins",
  );
  assertThrows(
    () => autocorrelation(new Float64Array(10), new Float64Array(11)),
    RangeError,
    "current value is 11",
  );
  assertThrows(() => dominantPeriod([1, 2, 3, 4, 5, 6], { min_period: 1 }), RangeError, "min_period");
});

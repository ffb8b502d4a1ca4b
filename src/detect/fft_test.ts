import assert from "node:assert/strict";
import { plainFft, wasmFft } from "./fft.ts";

Deno.test("plainFft.transform() matches a direct DFT and round-trips through the inverse", () => {
  const n = 16;
  const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + (i % 3) * 0.25);
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  plainFft.transform(re, im, false);
  for (let k = 0; k < n; k++) {
    let dr = 0;
    let di = 0;
    for (let t = 0; t < n; t++) {
      dr += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
      di += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(re[k] - dr) < 1e-9);
    assert.ok(Math.abs(im[k] - di) < 1e-9);
  }
  plainFft.transform(re, im, true);
  for (let t = 0; t < n; t++) assert.ok(Math.abs(re[t] - x[t]) < 1e-9);
});

Deno.test("plainFft.transform() rejects a length that is not a power of two", () => {
  assert.throws(
    () => plainFft.transform(new Float64Array(12), new Float64Array(12), false),
    /current value is 12/,
  );
});

Deno.test("wasmFft.transform() matches plainFft (≤ 1e-12 of the peak) forward and inverse, at 4 to 1024 points", () => {
  for (const n of [4, 8, 64, 1024]) {
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3 + ((i * 7919) % 11) / 10);
    const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
    for (const inverse of [false, true]) {
      const [ar, ai, br, bi] = [x.slice(), y.slice(), x.slice(), y.slice()];
      plainFft.transform(ar, ai, inverse);
      wasmFft.transform(br, bi, inverse);
      const peak = Math.max(...ar.map(Math.abs), ...ai.map(Math.abs));
      for (let k = 0; k < n; k++) {
        assert.ok(Math.abs(ar[k] - br[k]) <= 1e-12 * peak, `n=${n} inverse=${inverse} re[${k}]`);
        assert.ok(Math.abs(ai[k] - bi[k]) <= 1e-12 * peak, `n=${n} inverse=${inverse} im[${k}]`);
      }
    }
  }
});

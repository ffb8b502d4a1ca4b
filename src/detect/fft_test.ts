import assert from "node:assert/strict";
import { plainFft } from "./fft.ts";

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

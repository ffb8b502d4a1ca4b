import { assertEquals, assertThrows } from "../../../tests/helpers/assert.ts";
import fc from "fast-check";
import { fftComplex, fftReal, ifftComplex, ifftReal } from "./fft.ts";
import { fftComplexTwin, fftRealTwin } from "./fft_twin.ts";
import { assertAtMost, relMaxError, rng } from "./test_helpers.ts";

const TOL = { f64: 1e-12, f32: 1e-5 };
const SIZES = Array.from({ length: 14 }, (_, i) => 8 << i); // 8 .. 65536

function randomSeries(n: number, seed: number, Arr: Float32ArrayConstructor | Float64ArrayConstructor) {
  const r = rng(seed);
  const x = new Arr(n);
  for (let i = 0; i < n; i++) x[i] = 2 * r() - 1;
  return x;
}

for (const [precision, Arr] of [["f64", Float64Array], ["f32", Float32Array]] as const) {
  Deno.test(`fftReal() matches the twin within ${TOL[precision]} of the peak for every size (${precision})`, () => {
    for (const n of SIZES) {
      const x = randomSeries(n, n, Arr);
      const got = fftReal(x, new Arr(n + 2));
      assertAtMost(relMaxError(got, fftRealTwin(x)), TOL[precision], `n=${n}`);
    }
  });

  Deno.test(`fftComplex() and ifftComplex() match the twin and invert each other (${precision})`, () => {
    for (const n of SIZES) {
      const x = randomSeries(2 * n, n + 1, Arr);
      const got = fftComplex(x, new Arr(2 * n));
      assertAtMost(relMaxError(got, fftComplexTwin(x)), TOL[precision], `forward n=${n}`);
      const back = ifftComplex(got, new Arr(2 * n));
      assertAtMost(relMaxError(back, x), TOL[precision], `inverse n=${n}`);
      assertAtMost(
        relMaxError(ifftComplex(x, new Arr(2 * n)), fftComplexTwin(x, true)),
        TOL[precision],
        `ifft n=${n}`,
      );
    }
  });

  Deno.test(`ifftReal(fftReal(x)) = x for every size (${precision})`, () => {
    for (const n of SIZES) {
      const x = randomSeries(n, 3 * n, Arr);
      const back = ifftReal(fftReal(x, new Arr(n + 2)), new Arr(n));
      assertAtMost(relMaxError(back, x), TOL[precision], `n=${n}`);
    }
  });

  Deno.test(`fftReal() of an impulse is flat and of a pure tone is two spikes (${precision})`, () => {
    const n = 256;
    const impulse = new Arr(n);
    impulse[0] = 1;
    const flat = fftReal(impulse, new Arr(n + 2));
    const expected = new Float64Array(n + 2);
    for (let k = 0; k <= n / 2; k++) expected[2 * k] = 1;
    assertAtMost(relMaxError(flat, expected), TOL[precision], "impulse");
    const k0 = 17;
    const tone = new Arr(n).map((_, t) => Math.cos((2 * Math.PI * k0 * t) / n));
    const spectrum = fftReal(tone, new Arr(n + 2));
    const spike = new Float64Array(n + 2);
    spike[2 * k0] = n / 2;
    assertAtMost(relMaxError(spectrum, spike), TOL[precision] * 10, "tone");
  });

  Deno.test(`fftReal() satisfies Parseval's theorem (${precision})`, () => {
    for (const n of [8, 512, 16384]) {
      const x = randomSeries(n, 7 * n, Arr);
      const X = fftReal(x, new Arr(n + 2));
      let time = 0;
      for (const v of x) time += v * v;
      let freq = X[0] ** 2 + X[n] ** 2;
      for (let k = 1; k < n / 2; k++) freq += 2 * (X[2 * k] ** 2 + X[2 * k + 1] ** 2);
      assertAtMost(Math.abs(freq / n - time) / time, TOL[precision], `n=${n}`);
    }
  });

  Deno.test(`fftReal() with size transforms each series of a batch like a single call (${precision})`, () => {
    const n = 64;
    const batch = randomSeries(5 * n, 99, Arr);
    const got = fftReal(batch, new Arr(5 * (n + 2)), { size: n });
    for (let s = 0; s < 5; s++) {
      const single = fftReal(batch.slice(s * n, (s + 1) * n), new Arr(n + 2));
      assertEquals(Array.from(got.subarray(s * (n + 2), (s + 1) * (n + 2))), Array.from(single));
    }
    const back = ifftReal(got, new Arr(5 * n), { size: n });
    assertAtMost(relMaxError(back, batch), TOL[precision], "batched inverse");
  });
}

Deno.test("fftReal() matches the twin and round-trips on random sizes and inputs (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 3, max: 12 }),
      fc.array(
        // Subnormal inputs lose relative precision in any FFT; keep magnitudes normal (or exactly 0).
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => (Math.abs(v) < 1e-200 ? 0 : v)),
        { minLength: 1, maxLength: 64 },
      ),
      (log2, seedValues) => {
        const n = 1 << log2;
        const x = new Float64Array(n).map((_, i) => seedValues[i % seedValues.length] * Math.cos(i));
        const X = fftReal(x, new Float64Array(n + 2));
        const peak = relMaxError(X, fftRealTwin(x));
        const back = ifftReal(X, new Float64Array(n));
        return peak <= 1e-12 && relMaxError(back, x) <= 1e-12;
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("fft calls reject bad sizes, lengths and mixed precisions with clear errors", () => {
  assertThrows(
    () => fftReal(new Float64Array(1000), new Float64Array(1002)),
    RangeError,
    "current value is 1000",
  );
  assertThrows(
    () => fftReal(new Float64Array(4), new Float64Array(6)),
    RangeError,
    "power of two in [8, 65536]",
  );
  assertThrows(
    () => fftReal(new Float64Array(64), new Float64Array(64)),
    RangeError,
    "output.length must be 66",
  );
  assertThrows(
    () => fftReal(new Float64Array(130), new Float64Array(198), { size: 64 }),
    RangeError,
    "input.length must be a positive multiple of 64",
  );
  assertThrows(() => fftReal(new Float64Array(64), new Float32Array(66) as never), TypeError, "Float32Array");
  assertThrows(
    () => fftComplex(new Float32Array(24), new Float32Array(24)),
    RangeError,
    "current value is 12",
  );
});

Deno.test("fftReal() stays correct when a call grows the kernel memory between two calls", () => {
  const x = randomSeries(1024, 7, Float64Array);
  const expected = fftRealTwin(x);
  assertAtMost(relMaxError(fftReal(x, new Float64Array(1026)), expected), TOL.f64, "before growth");
  // 64 series of 65536 reals need tens of MiB more than any call so far: the memory grows and the
  // runtime must drop its views of the detached buffer.
  const big = new Float64Array(64 * 65536);
  big.set(x);
  const spectra = fftReal(big, new Float64Array(64 * 65538), { size: 65536 });
  assertAtMost(relMaxError(spectra.subarray(0, 65538), fftRealTwin(big.subarray(0, 65536))), TOL.f64, "big");
  assertAtMost(relMaxError(fftReal(x, new Float64Array(1026)), expected), TOL.f64, "after growth");
});

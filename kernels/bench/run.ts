/**
 * Kernel benchmark (not a test): `deno task bench:kernels`.
 *
 * Protocol: one process; each case is warmed up (JIT tiers settle), then timed in SAMPLES blocks of
 * enough calls to take about BLOCK_MS each; the figure is the median time per call. Ratios are
 * baseline median / kernel median. Ends with one line per figure: `<name>: <ratio>x vs <baseline>`.
 */
import FFT from "fft.js";
import { fftReal } from "../../src/features/kernels/fft.ts";
import { sinkhorn } from "../../src/features/kernels/sinkhorn.ts";
import { sinkhornTwin } from "../../src/features/kernels/sinkhorn_twin.ts";

const SAMPLES = 9;
const BLOCK_MS = 40;

function medianTimeMs(fn: () => void): number {
  // Warm-up and calibration: grow the block until it takes BLOCK_MS.
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= BLOCK_MS) break;
    reps = Math.min(reps * 2, Math.max(reps + 1, Math.ceil((reps * BLOCK_MS * 1.2) / Math.max(dt, 0.01))));
  }
  const times: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    times.push((performance.now() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  return times[SAMPLES >> 1];
}

const figures: string[] = [];

function fftCase(n: number, precision: "f32" | "f64"): void {
  const Arr = precision === "f32" ? Float32Array : Float64Array;
  const input = new Arr(n);
  for (let i = 0; i < n; i++) {
    input[i] = Math.sin(i * 0.1) + 0.5 * Math.cos(i * 0.37) + ((i * 7919) % 13) / 13;
  }
  const output = new Arr(n + 2);
  const f = new FFT(n);
  const baselineOut = new Arr(2 * n);
  const baseline = medianTimeMs(() => f.realTransform(baselineOut, input));
  const kernel = medianTimeMs(() => fftReal(input, output));
  console.log(
    `fft_real_${precision}_${n}: kernel ${(kernel * 1e3).toFixed(2)} us, fft.js realTransform ${
      (baseline * 1e3).toFixed(2)
    } us`,
  );
  figures.push(`fft_real_${precision}_${n}: ${(baseline / kernel).toFixed(2)}x vs fft.js`);
}

function sinkhornCase(size: number, precision: "f32" | "f64"): void {
  const n = size;
  const m = size;
  const a = new Float64Array(n).map((_, i) => 1 + Math.sin(i) ** 2);
  const b = new Float64Array(m).map((_, j) => 1 + Math.cos(0.5 * j) ** 2);
  const sa = a.reduce((s, x) => s + x, 0);
  const sb = b.reduce((s, x) => s + x, 0);
  for (let i = 0; i < n; i++) a[i] /= sa;
  for (let j = 0; j < m; j++) b[j] /= sb;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) cost[i * m + j] = (i / n - j / m) ** 2;
  const iterations = 100;
  const options = { epsilon: 0.05, max_iter: iterations, tolerance: 0, precision } as const;
  const A = precision === "f32" ? Float32Array.from(a) : a;
  const B = precision === "f32" ? Float32Array.from(b) : b;
  const C = precision === "f32" ? Float32Array.from(cost) : cost;
  const check = sinkhorn({ a: A, b: B, cost: C }, options);
  if (check.iterations !== iterations) {
    throw new Error(`expected ${iterations} iterations, got ${check.iterations}`);
  }
  const kernel = medianTimeMs(() => sinkhorn({ a: A, b: B, cost: C }, options));
  const twin = medianTimeMs(() => sinkhornTwin({ a: A, b: B, cost: C }, options));
  const gflops = (4 * n * m * iterations) / (kernel * 1e-3) / 1e9;
  console.log(
    `sinkhorn_${precision}_${n}x${m} (stabilized, ${iterations} iterations incl. setup): kernel ${
      kernel.toFixed(3)
    } ms ` +
      `(${gflops.toFixed(1)} GFLOP/s at 4nm flops/iteration), TS twin ${twin.toFixed(3)} ms`,
  );
  figures.push(`sinkhorn_${precision}_${n}x${m}: ${(twin / kernel).toFixed(2)}x vs ts-twin`);
  figures.push(`sinkhorn_${precision}_${n}x${m}_gflops: ${gflops.toFixed(1)} GFLOP/s`);
}

for (const n of [1024, 4096]) {
  for (const p of ["f32", "f64"] as const) fftCase(n, p);
}
for (const p of ["f32", "f64"] as const) sinkhornCase(256, p);

console.log("");
for (const line of figures) console.log(line);

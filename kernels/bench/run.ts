/**
 * Kernel benchmark (not a test): `deno task bench:kernels` (`-- --rounds 41` for more rounds).
 *
 * Protocol, built for a shared machine whose load changes from second to second: one process; every
 * function is warmed up (JIT tiers settle) and calibrated to blocks of about BLOCK_MS; then the two sides of
 * a comparison run in interleaved blocks, A B B A A B ..., so both see the same load. Each round gives one
 * paired ratio (baseline block time / kernel block time); a figure is the median of the paired ratios, and
 * the detail lines give their interquartile range and each side's median time per call.
 *
 * Sinkhorn is reported twice, counting 4 n m flops per scaling iteration:
 * - per iteration: calls of 100 and 300 iterations interleaved; the median of the paired differences / 200
 *   is the time of one iteration of the loop, with the per-call setup (cost copy and checks, the Gibbs
 *   kernel exp(-C/eps), absorptions, plan cost) cancelled out. This is the figure for the 24 GFLOP/s goal.
 * - per call: one 100-iteration call including its setup; its ratio to the TS twin is the speed-up line.
 *
 * Ends with one line per figure: `<name>: <ratio>x vs <baseline>`, then the GFLOP/s lines.
 */
import FFT from "fft.js";
import { fftReal } from "../../src/features/kernels/fft.ts";
import { sinkhorn } from "../../src/features/kernels/sinkhorn.ts";
import { sinkhornTwin } from "../../src/features/kernels/sinkhorn_twin.ts";
import { threadClock } from "./thread_clock.ts";

const roundsArg = Deno.args.indexOf("--rounds");
const ROUNDS = roundsArg >= 0 ? Number(Deno.args[roundsArg + 1]) : 25;
const BLOCK_MS = 12;

/**
 * Calls per block so that a block of fn takes about BLOCK_MS, after a warm-up that lasts until the time
 * per call has settled: V8 compiles hot Wasm and JS with its optimising tier on background threads, and on
 * a loaded machine that can take seconds, so a fixed warm-up can time the baseline tier (once seen here:
 * a kernel 7x slower for a whole figure). Settled = no block in the last four beat the best by 3%.
 */
function calibrate(fn: () => void): number {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= BLOCK_MS) break;
    reps = Math.min(reps * 2, Math.max(reps + 1, Math.ceil((reps * BLOCK_MS * 1.2) / Math.max(dt, 0.01))));
  }
  let best = Infinity;
  let since = 0;
  for (let k = 0; k < 200 && since < 4; k++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    if (dt < best * 0.97) since = 0;
    else since++;
    best = Math.min(best, dt);
  }
  return reps;
}

const clock = threadClock();

/** Time per call of fn over one block: [thread CPU ms, wall ms]. */
function block(fn: () => void, reps: number): [number, number] {
  const w0 = performance.now();
  const t0 = clock.now();
  for (let i = 0; i < reps; i++) fn();
  const t1 = clock.now();
  const w1 = performance.now();
  return [(t1 - t0) / reps, (w1 - w0) / reps];
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

interface Paired {
  /** Median time per call of each side, ms (clock.kind). */
  a: number;
  b: number;
  /** Median wall-clock time per call of each side, ms. */
  wallA: number;
  wallB: number;
  /** Per-round paired values of combine(a, b). */
  paired: number[];
}

/** Runs a and b in interleaved blocks for ROUNDS rounds; pairs each round's times with combine. */
function interleaved(a: () => void, b: () => void, combine: (ta: number, tb: number) => number): Paired {
  const ra = calibrate(a);
  const rb = calibrate(b);
  const ta: number[] = [];
  const tb: number[] = [];
  const wa: number[] = [];
  const wb: number[] = [];
  const paired: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let x: [number, number];
    let y: [number, number];
    if (r % 2 === 0) {
      x = block(a, ra);
      y = block(b, rb);
    } else {
      y = block(b, rb);
      x = block(a, ra);
    }
    ta.push(x[0]);
    tb.push(y[0]);
    wa.push(x[1]);
    wb.push(y[1]);
    paired.push(combine(x[0], y[0]));
  }
  return {
    a: quantile(ta, 0.5),
    b: quantile(tb, 0.5),
    wallA: quantile(wa, 0.5),
    wallB: quantile(wb, 0.5),
    paired,
  };
}

function spread(values: number[], digits: number): string {
  return `median ${quantile(values, 0.5).toFixed(digits)}, IQR ${quantile(values, 0.25).toFixed(digits)}-${
    quantile(values, 0.75).toFixed(digits)
  }`;
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
  const r = interleaved(
    () => fftReal(input, output),
    () => f.realTransform(baselineOut, input),
    (kernel, baseline) => baseline / kernel,
  );
  const name = `fft_real_${precision}_${n}`;
  console.log(
    `${name}: kernel ${(r.a * 1e3).toFixed(2)} us, fft.js realTransform ${(r.b * 1e3).toFixed(2)} us ` +
      `(wall ${(r.wallA * 1e3).toFixed(2)} / ${(r.wallB * 1e3).toFixed(2)} us); ` +
      `paired ratio ${spread(r.paired, 2)} over ${ROUNDS} rounds`,
  );
  figures.push(`${name}: ${quantile(r.paired, 0.5).toFixed(2)}x vs fft.js`);
}

const gflopLines: string[] = [];

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
  const A = precision === "f32" ? Float32Array.from(a) : a;
  const B = precision === "f32" ? Float32Array.from(b) : b;
  const C = precision === "f32" ? Float32Array.from(cost) : cost;
  const run = (iterations: number) => () =>
    sinkhorn({ a: A, b: B, cost: C }, { epsilon: 0.05, max_iter: iterations, tolerance: 0, precision });
  for (const iterations of [100, 300]) {
    const got = run(iterations)().iterations;
    if (got !== iterations) throw new Error(`expected ${iterations} iterations, got ${got}`);
  }
  const flopsPerIteration = 4 * n * m;
  const name = `sinkhorn_${precision}_${n}x${m}`;

  // Per iteration: 300- and 100-iteration calls interleaved, paired difference / 200.
  const it = interleaved(run(100), run(300), (t100, t300) => (t300 - t100) / 200);
  const gflopsIteration = it.paired.map((ms) => flopsPerIteration / (ms * 1e-3) / 1e9);
  const perIteration = quantile(it.paired, 0.5);
  console.log(
    `${name} per scaling iteration (setup excluded: 300- minus 100-iteration calls / 200): ` +
      `${(perIteration * 1e3).toFixed(2)} us, GFLOP/s ${spread(gflopsIteration, 1)}; ` +
      `setup of one call ${((it.a - 100 * perIteration) * 1e3).toFixed(0)} us`,
  );

  // Per call, 100 iterations with setup, against the TS twin.
  const options = { epsilon: 0.05, max_iter: 100, tolerance: 0, precision } as const;
  const call = interleaved(
    run(100),
    () => sinkhornTwin({ a: A, b: B, cost: C }, options),
    (kernel, twin) => twin / kernel,
  );
  const gflopsCall = (flopsPerIteration * 100) / (call.a * 1e-3) / 1e9;
  console.log(
    `${name} per call (100 iterations, setup included): kernel ${call.a.toFixed(3)} ms ` +
      `(${gflopsCall.toFixed(1)} GFLOP/s), TS twin ${call.b.toFixed(3)} ms ` +
      `(wall ${call.wallA.toFixed(3)} / ${call.wallB.toFixed(3)} ms); paired ratio ${spread(call.paired, 2)}`,
  );
  figures.push(`${name}: ${quantile(call.paired, 0.5).toFixed(2)}x vs ts-twin`);
  gflopLines.push(`${name}_gflops_iteration: ${quantile(gflopsIteration, 0.5).toFixed(1)} GFLOP/s`);
  gflopLines.push(`${name}_gflops_call: ${gflopsCall.toFixed(1)} GFLOP/s`);
}

console.log(`timing: ${clock.kind}, ${ROUNDS} rounds of interleaved ~${BLOCK_MS} ms blocks per figure`);
for (const n of [1024, 4096]) {
  for (const p of ["f32", "f64"] as const) fftCase(n, p);
}
for (const p of ["f32", "f64"] as const) sinkhornCase(256, p);

console.log("");
for (const line of figures) console.log(line);
for (const line of gflopLines) console.log(line);

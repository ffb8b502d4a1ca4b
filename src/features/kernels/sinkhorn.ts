/**
 * Entropic optimal transport (Sinkhorn) on the Wasm kernels.
 *
 * Solves min_P <P, C> - epsilon H(P) subject to P 1 = a and P^T 1 = b for histograms a (n) and b (m) of
 * equal mass and a row-major n x m cost C. Two methods:
 * - "stabilized" (default): scaling iterations u = a / (K v), v = b / (K^T u) on K = exp(-C / epsilon),
 *   absorbing scalings outside [1/tau, tau] into log potentials (POT's sinkhorn_stabilized). Fast: one
 *   fused SIMD sweep over K per iteration. Fails with a RangeError when epsilon is so small that a whole
 *   row of K underflows; use "log" then.
 * - "log": log-domain updates of the dual potentials with log-sum-exp. Robust for any epsilon, about an
 *   order of magnitude slower (two exponentials per matrix element per iteration).
 *
 * Iterations stop when the L1 error of the column marginal, sum_j |(P^T 1)_j - b_j|, is at most
 * `tolerance` (the row marginal is exact at that point), or after `max_iter` iterations.
 *
 * The API takes the problem as one object (a, b, cost) and the solver settings as options, to keep to the
 * project's two-positional-arguments rule.
 *
 * @module
 */
import { align16, bytesPer, type FloatArray, kernelRuntime, type Precision } from "./kernel_runtime.ts";

/** One transport problem. */
export interface SinkhornProblem {
  /** Source histogram (n non-negative masses). */
  a: ArrayLike<number>;
  /** Target histogram (m non-negative masses, same total mass as a). */
  b: ArrayLike<number>;
  /** Row-major n x m cost matrix (finite). */
  cost: ArrayLike<number>;
}

/** Solver settings. */
export interface SinkhornOptions {
  /** Entropic regularisation, in cost units (> 0). */
  epsilon: number;
  /** Iteration cap. @default 1000 */
  max_iter?: number;
  /** Stop when the L1 column-marginal error is at most this. @default 1e-9 for f64, 1e-6 for f32 */
  tolerance?: number;
  /** @default "stabilized" */
  method?: "stabilized" | "log";
  /** Arithmetic precision of the kernel. @default "f64" */
  precision?: Precision;
  /** Stabilised method: absorb scalings outside [1/tau, tau] into the potentials. @default 1000 */
  tau?: number;
  /** Also return the transport plan (n x m). @default false */
  return_plan?: boolean;
}

/** The solution of one problem. */
export interface SinkhornResult<A extends FloatArray = FloatArray> {
  /** Transport cost <P, C> of the entropic plan (without the entropy term). */
  cost: number;
  /** Dual potential of the rows: P_ij = exp((f_i + g_j - C_ij) / epsilon). */
  f: A;
  /** Dual potential of the columns. */
  g: A;
  /** The plan, row-major n x m, when return_plan is set. */
  plan?: A;
  /** Iterations run (one iteration updates both scalings). */
  iterations: number;
  /** L1 column-marginal error at the end. */
  marginal_error: number;
  /** Whether the tolerance was reached before max_iter. */
  converged: boolean;
}

interface Parsed {
  precision: Precision;
  method: 0 | 1;
  epsilon: number;
  maxIter: number;
  tolerance: number;
  tau: number;
}

function parseOptions(options: SinkhornOptions): Parsed {
  const precision = options.precision ?? "f64";
  if (precision !== "f32" && precision !== "f64") {
    throw new RangeError(
      `Cannot run Sinkhorn as precision must be "f32" or "f64": current value is ${precision}`,
    );
  }
  const method = options.method ?? "stabilized";
  if (method !== "stabilized" && method !== "log") {
    throw new RangeError(
      `Cannot run Sinkhorn as method must be "stabilized" or "log": current value is ${method}`,
    );
  }
  const epsilon = options.epsilon;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new RangeError(
      `Cannot run Sinkhorn as epsilon must be a finite number > 0: current value is ${epsilon}`,
    );
  }
  const maxIter = options.max_iter ?? 1000;
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new RangeError(
      `Cannot run Sinkhorn as max_iter must be an integer >= 1: current value is ${maxIter}`,
    );
  }
  const tolerance = options.tolerance ?? (precision === "f64" ? 1e-9 : 1e-6);
  if (!(tolerance >= 0)) {
    throw new RangeError(`Cannot run Sinkhorn as tolerance must be >= 0: current value is ${tolerance}`);
  }
  const tau = options.tau ?? 1000;
  if (!(tau > 1) || !Number.isFinite(tau)) {
    throw new RangeError(`Cannot run Sinkhorn as tau must be a finite number > 1: current value is ${tau}`);
  }
  return { precision, method: method === "stabilized" ? 0 : 1, epsilon, maxIter, tolerance, tau };
}

function checkHistogram(values: ArrayLike<number>, name: string): number {
  if (values.length === 0) {
    throw new RangeError(`Cannot run Sinkhorn as ${name} must not be empty: current length is 0`);
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(x >= 0) || x === Infinity) {
      throw new RangeError(
        `Cannot run Sinkhorn as ${name} must hold finite masses >= 0: current value at index ${i} is ${x}`,
      );
    }
    sum += x;
  }
  if (!(sum > 0)) {
    throw new RangeError(`Cannot run Sinkhorn as ${name} must have positive mass: current sum is ${sum}`);
  }
  return sum;
}

function checkMasses(sumA: number, sumB: number, precision: Precision, index: number): void {
  const rel = precision === "f64" ? 1e-8 : 1e-5;
  if (Math.abs(sumA - sumB) > rel * Math.max(sumA, sumB)) {
    const which = index >= 0 ? ` (problem ${index})` : "";
    throw new RangeError(
      `Cannot run Sinkhorn as a and b must have the same total mass${which}: current sums are ${sumA} and ${sumB}`,
    );
  }
}

/**
 * Solves one entropic transport problem. Throws a RangeError for bad input (NaN or negative mass, a cost of
 * the wrong size or with a non-finite entry, unequal masses) and when the stabilised scalings overflow.
 */
export function sinkhorn(problem: SinkhornProblem, options: SinkhornOptions): SinkhornResult {
  const n = problem.a.length;
  const m = problem.b.length;
  return sinkhornBatch({ a: problem.a, b: problem.b, cost: problem.cost, n, m }, options)[0];
}

/** A batch of problems with the same n and m. */
export interface SinkhornBatchProblem {
  /** batch x n source histograms, back to back. */
  a: ArrayLike<number>;
  /** batch x m target histograms, back to back. */
  b: ArrayLike<number>;
  /** One n x m cost shared by all problems, or batch x n x m costs back to back. */
  cost: ArrayLike<number>;
  /** Rows of each problem. */
  n: number;
  /** Columns of each problem. */
  m: number;
}

/** Solves a batch of problems in one kernel call; one result per problem, in order. */
export function sinkhornBatch(problem: SinkhornBatchProblem, options: SinkhornOptions): SinkhornResult[] {
  const p = parseOptions(options);
  const { n, m } = problem;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(m) || m < 1) {
    throw new RangeError(
      `Cannot run Sinkhorn as n and m must be integers >= 1: current values are ${n} and ${m}`,
    );
  }
  if (problem.a.length % n !== 0 || problem.a.length === 0) {
    throw new RangeError(
      `Cannot run Sinkhorn as a.length must be a multiple of n = ${n}: current value is ${problem.a.length}`,
    );
  }
  const batch = problem.a.length / n;
  if (problem.b.length !== batch * m) {
    throw new RangeError(
      `Cannot run Sinkhorn as b.length must be ${batch} x ${m}: current value is ${problem.b.length}`,
    );
  }
  const nm = n * m;
  if (problem.cost.length !== nm && problem.cost.length !== batch * nm) {
    throw new RangeError(
      `Cannot run Sinkhorn as cost.length must be n x m = ${nm}${
        batch > 1 ? ` or ${batch * nm}` : ""
      }: current value is ${problem.cost.length}`,
    );
  }
  for (let k = 0; k < batch; k++) {
    const sumA = checkHistogram(
      batch === 1 ? problem.a : slice(problem.a, k * n, n),
      batch === 1 ? "a" : `a[${k}]`,
    );
    const sumB = checkHistogram(
      batch === 1 ? problem.b : slice(problem.b, k * m, m),
      batch === 1 ? "b" : `b[${k}]`,
    );
    checkMasses(sumA, sumB, p.precision, batch === 1 ? -1 : k);
  }
  const rt = kernelRuntime();
  const es = bytesPer(p.precision);
  const shared = problem.cost.length === nm;
  const aBytes = align16(problem.a.length * es);
  const bBytes = align16(problem.b.length * es);
  const cBytes = align16(problem.cost.length * es);
  const planBytes = options.return_plan ? align16(batch * nm * es) : 0;
  const scratchBytes = align16(rt.exports.sinkhorn_scratch_len(p.method, n, m) * es);
  const infoBytes = batch * 32;
  const total = aBytes + bBytes + cBytes + planBytes + scratchBytes + aBytes + bBytes + infoBytes;
  const base = rt.reserve(total);
  const pa = base;
  const pb = pa + aBytes;
  const pc = pb + bBytes;
  const pScratch = pc + cBytes;
  const pf = pScratch + scratchBytes;
  const pg = pf + aBytes;
  const pPlan = pg + bBytes;
  const pInfo = pPlan + planBytes;
  rt.write(problem.a, pa, p.precision);
  rt.write(problem.b, pb, p.precision);
  rt.write(problem.cost, pc, p.precision);
  const bad = p.precision === "f32"
    ? rt.exports.first_nonfinite_f32(pc, problem.cost.length)
    : rt.exports.first_nonfinite_f64(pc, problem.cost.length);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot run Sinkhorn as cost must be finite: current value at index ${bad} is ${problem.cost[bad]}`,
    );
  }
  const run = p.precision === "f32" ? rt.exports.sinkhorn_f32 : rt.exports.sinkhorn_f64;
  run(
    p.method,
    pa,
    pb,
    pc,
    shared ? 0 : nm,
    n,
    m,
    batch,
    p.epsilon,
    p.maxIter,
    p.tolerance,
    p.tau,
    pScratch,
    pf,
    pg,
    options.return_plan ? pPlan : 0,
    pInfo,
  );
  const results: SinkhornResult[] = [];
  const Arr = p.precision === "f32" ? Float32Array : Float64Array;
  const info = rt.f64;
  for (let k = 0; k < batch; k++) {
    const at = (pInfo >>> 3) + 4 * k;
    const status = info[at + 3];
    if (status === 2) {
      throw new RangeError(
        `Cannot run Sinkhorn (${options.method ?? "stabilized"}) as the scalings overflowed at iteration ${
          info[at + 1]
        } with epsilon ${p.epsilon}${
          batch > 1 ? ` (problem ${k})` : ""
        }: use method "log" or a larger epsilon`,
      );
    }
    const f = new Arr(n);
    const g = new Arr(m);
    rt.read(f, pf + k * n * es);
    rt.read(g, pg + k * m * es);
    const result: SinkhornResult = {
      cost: info[at],
      f,
      g,
      iterations: info[at + 1],
      marginal_error: info[at + 2],
      converged: status === 1,
    };
    if (options.return_plan) {
      const plan = new Arr(nm);
      rt.read(plan, pPlan + k * nm * es);
      result.plan = plan;
    }
    results.push(result);
  }
  return results;
}

function slice(values: ArrayLike<number>, start: number, length: number): ArrayLike<number> {
  return Array.prototype.slice.call(values, start, start + length) as number[];
}

/**
 * Plain TypeScript twin of the Sinkhorn kernels: the same iterations, stopping rule, absorption rule and
 * outputs as ./sinkhorn.ts, written as straightforward loops over typed arrays (Float32Array storage for
 * "f32"). The reference in tests and the baseline of the benchmark. Does not validate its input.
 *
 * @module
 */
import type { SinkhornOptions, SinkhornProblem, SinkhornResult } from "./sinkhorn.ts";

type Arr = Float32Array | Float64Array;

/** Sinkhorn on one problem; see sinkhorn() for the meaning of every option and field. */
export function sinkhornTwin(problem: SinkhornProblem, options: SinkhornOptions): SinkhornResult {
  const precision = options.precision ?? "f64";
  const make = (length: number): Arr =>
    precision === "f32" ? new Float32Array(length) : new Float64Array(length);
  const n = problem.a.length;
  const m = problem.b.length;
  const a = make(n);
  const b = make(m);
  const M = make(n * m);
  a.set(problem.a);
  b.set(problem.b);
  M.set(problem.cost);
  const eps = options.epsilon;
  const maxIter = options.max_iter ?? 1000;
  const tol = options.tolerance ?? (precision === "f64" ? 1e-9 : 1e-6);
  const out = options.method === "log"
    ? logDomain(a, b, M, n, m, eps, maxIter, tol, make)
    : stabilized(a, b, M, n, m, eps, maxIter, tol, options.tau ?? 1000, make);
  const result: SinkhornResult = {
    cost: 0,
    f: out.f,
    g: out.g,
    iterations: out.iterations,
    marginal_error: out.err,
    converged: out.status === 1,
  };
  const plan = make(n * m);
  let cost = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const p = Math.exp((out.f[i] + out.g[j] - M[i * m + j]) / eps);
      plan[i * m + j] = p;
      cost += plan[i * m + j] * M[i * m + j];
    }
  }
  result.cost = cost;
  if (out.status === 2) throw new RangeError("Cannot run the Sinkhorn twin as the scalings overflowed");
  if (options.return_plan) result.plan = plan;
  return result;
}

interface Raw {
  f: Arr;
  g: Arr;
  iterations: number;
  err: number;
  status: number;
}

function stabilized(
  a: Arr,
  b: Arr,
  M: Arr,
  n: number,
  m: number,
  eps: number,
  maxIter: number,
  tol: number,
  tau: number,
  make: (length: number) => Arr,
): Raw {
  const K = make(n * m);
  const u = make(n).fill(1);
  const v = make(m).fill(1);
  const w = make(m);
  const alpha = make(n);
  const beta = make(m);
  const gibbs = () => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) K[i * m + j] = Math.exp((alpha[i] + beta[j] - M[i * m + j]) / eps);
    }
  };
  gibbs();
  let iterations = 0;
  let err = Infinity;
  let status = 0;
  while (iterations < maxIter) {
    const uPrev = u.slice();
    const vPrev = v.slice();
    w.fill(0);
    for (let i = 0; i < n; i++) {
      let kv = 0;
      for (let j = 0; j < m; j++) kv += K[i * m + j] * v[j];
      u[i] = a[i] > 0 ? a[i] / kv : 0;
      const ui = u[i];
      for (let j = 0; j < m; j++) w[j] += K[i * m + j] * ui;
    }
    iterations++;
    err = 0;
    for (let j = 0; j < m; j++) err += Math.abs(v[j] * w[j] - b[j]);
    let finite = Number.isFinite(err);
    if (finite && err <= tol) {
      status = 1;
      break;
    }
    let absorb = false;
    for (let j = 0; j < m; j++) {
      v[j] = b[j] > 0 ? b[j] / w[j] : 0;
      if (!Number.isFinite(v[j])) finite = false;
      if (v[j] > tau || (v[j] > 0 && v[j] < 1 / tau)) absorb = true;
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(u[i])) finite = false;
      if (u[i] > tau || (u[i] > 0 && u[i] < 1 / tau)) absorb = true;
    }
    if (!finite) {
      u.set(uPrev);
      v.set(vPrev);
      status = 2;
      break;
    }
    if (absorb) {
      for (let i = 0; i < n; i++) {
        if (u[i] > 0) {
          alpha[i] += eps * Math.log(u[i]);
          u[i] = 1;
        }
      }
      for (let j = 0; j < m; j++) {
        if (v[j] > 0) {
          beta[j] += eps * Math.log(v[j]);
          v[j] = 1;
        }
      }
      gibbs();
    }
  }
  const f = make(n);
  const g = make(m);
  for (let i = 0; i < n; i++) f[i] = alpha[i] + eps * Math.log(u[i]);
  for (let j = 0; j < m; j++) g[j] = beta[j] + eps * Math.log(v[j]);
  return { f, g, iterations, err, status };
}

function logDomain(
  a: Arr,
  b: Arr,
  M: Arr,
  n: number,
  m: number,
  eps: number,
  maxIter: number,
  tol: number,
  make: (length: number) => Arr,
): Raw {
  const f = make(n);
  const g = make(m);
  const c = new Float64Array(m);
  let iterations = 0;
  let err = Infinity;
  let status = 0;
  while (iterations < maxIter) {
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < m; j++) mx = Math.max(mx, g[j] - M[i * m + j]);
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp((g[j] - M[i * m + j] - mx) / eps);
      f[i] = eps * Math.log(a[i]) - (mx + eps * Math.log(s));
    }
    for (let j = 0; j < m; j++) {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) mx = Math.max(mx, f[i] - M[i * m + j]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp((f[i] - M[i * m + j] - mx) / eps);
      c[j] = mx + eps * Math.log(s);
    }
    iterations++;
    err = 0;
    for (let j = 0; j < m; j++) err += Math.abs(Math.exp((g[j] + c[j]) / eps) - b[j]);
    if (!Number.isFinite(err)) {
      status = 2;
      break;
    }
    if (err <= tol) {
      status = 1;
      break;
    }
    for (let j = 0; j < m; j++) g[j] = eps * Math.log(b[j]) - c[j];
  }
  return { f, g, iterations, err, status };
}

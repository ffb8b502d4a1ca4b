// Entropic optimal transport by Sinkhorn iterations.
//
// Cuturi, "Sinkhorn Distances: Lightspeed Computation of Optimal Transport" (NeurIPS 2013); the
// stabilised scaling form absorbs large scalings into log-domain potentials as in Schmitzer, "Stabilized
// Sparse Scaling Algorithms for Entropy Regularized Transport Problems" (SIAM J. Sci. Comput. 2019) and
// POT's sinkhorn_stabilized; the log-domain form iterates the dual potentials with log-sum-exp.
//
// Problem: min_P <P, M> - eps H(P) subject to P 1 = a, P^T 1 = b, with M an n x m row-major cost.
// One iteration updates both scalings (row then column). The stopping criterion is the L1 column
// marginal error sum_j |(P^T 1)_j - b_j| measured after the row update (the row marginal is then exact).
// Outputs: dual potentials f (n), g (m) with P_ij = exp((f_i + g_j - M_ij) / eps), the transport cost
// <P, M>, and optionally P itself. info receives 4 f64 per problem: cost, iterations, error, status
// (1 converged, 0 iteration cap reached, 2 stopped on a non-finite scaling, the last finite one kept).

import { vexp } from "./vmath";

function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return <T> (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) +
      (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)));
  }
  return <T> (f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
}

function hmax<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return <T> Mathf.max(
      Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
    );
  }
  return <T> Math.max(f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
}

// a * b + c; a fused multiply-add where relaxed SIMD is enabled.
function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

function scalarExp<T>(x: T): T {
  if (sizeof<T>() == 4) return <T> Mathf.exp(<f32> x);
  return <T> Math.exp(<f64> x);
}

/**
 * The fused scaling pass, one sweep over K: u_i = a_i / (K v)_i, then w = K^T u accumulated from the same
 * rows while they are in cache. Rows go four at a time so that each load of v and w serves four rows.
 */
function scalingPass<T>(K: usize, v: usize, a: usize, u: usize, w: usize, n: i32, m: i32): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const rowBytes = <usize> m << B;
  const vecBytes = <usize> (m - (m % L)) << B;
  memory.fill(w, 0, rowBytes);
  let i = 0;
  // Eight rows per block: eight independent dot-product chains share each load of v, and each load and
  // store of w serves eight rows in the accumulate (the block, 8 rows of K, stays in L1 between the two).
  for (; i + 8 <= n; i += 8) {
    const k0 = K + <usize> i * rowBytes;
    const k1 = k0 + rowBytes;
    const k2 = k1 + rowBytes;
    const k3 = k2 + rowBytes;
    const k4 = k3 + rowBytes;
    const k5 = k4 + rowBytes;
    const k6 = k5 + rowBytes;
    const k7 = k6 + rowBytes;
    let s0 = v128.splat<T>(0);
    let s1 = v128.splat<T>(0);
    let s2 = v128.splat<T>(0);
    let s3 = v128.splat<T>(0);
    let s4 = v128.splat<T>(0);
    let s5 = v128.splat<T>(0);
    let s6 = v128.splat<T>(0);
    let s7 = v128.splat<T>(0);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      const vv = v128.load(v + j);
      s0 = madd<T>(v128.load(k0 + j), vv, s0);
      s1 = madd<T>(v128.load(k1 + j), vv, s1);
      s2 = madd<T>(v128.load(k2 + j), vv, s2);
      s3 = madd<T>(v128.load(k3 + j), vv, s3);
      s4 = madd<T>(v128.load(k4 + j), vv, s4);
      s5 = madd<T>(v128.load(k5 + j), vv, s5);
      s6 = madd<T>(v128.load(k6 + j), vv, s6);
      s7 = madd<T>(v128.load(k7 + j), vv, s7);
    }
    let kv0 = hsum<T>(s0);
    let kv1 = hsum<T>(s1);
    let kv2 = hsum<T>(s2);
    let kv3 = hsum<T>(s3);
    let kv4 = hsum<T>(s4);
    let kv5 = hsum<T>(s5);
    let kv6 = hsum<T>(s6);
    let kv7 = hsum<T>(s7);
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      const vj = load<T>(v + j);
      kv0 += load<T>(k0 + j) * vj;
      kv1 += load<T>(k1 + j) * vj;
      kv2 += load<T>(k2 + j) * vj;
      kv3 += load<T>(k3 + j) * vj;
      kv4 += load<T>(k4 + j) * vj;
      kv5 += load<T>(k5 + j) * vj;
      kv6 += load<T>(k6 + j) * vj;
      kv7 += load<T>(k7 + j) * vj;
    }
    const ip = u + (<usize> i << B);
    const ap = a + (<usize> i << B);
    const a0 = load<T>(ap, 0 * sizeof<T>());
    const u0 = a0 > 0 ? a0 / kv0 : <T> 0;
    store<T>(ip, u0, 0 * sizeof<T>());
    const a1 = load<T>(ap, 1 * sizeof<T>());
    const u1 = a1 > 0 ? a1 / kv1 : <T> 0;
    store<T>(ip, u1, 1 * sizeof<T>());
    const a2 = load<T>(ap, 2 * sizeof<T>());
    const u2 = a2 > 0 ? a2 / kv2 : <T> 0;
    store<T>(ip, u2, 2 * sizeof<T>());
    const a3 = load<T>(ap, 3 * sizeof<T>());
    const u3 = a3 > 0 ? a3 / kv3 : <T> 0;
    store<T>(ip, u3, 3 * sizeof<T>());
    const a4 = load<T>(ap, 4 * sizeof<T>());
    const u4 = a4 > 0 ? a4 / kv4 : <T> 0;
    store<T>(ip, u4, 4 * sizeof<T>());
    const a5 = load<T>(ap, 5 * sizeof<T>());
    const u5 = a5 > 0 ? a5 / kv5 : <T> 0;
    store<T>(ip, u5, 5 * sizeof<T>());
    const a6 = load<T>(ap, 6 * sizeof<T>());
    const u6 = a6 > 0 ? a6 / kv6 : <T> 0;
    store<T>(ip, u6, 6 * sizeof<T>());
    const a7 = load<T>(ap, 7 * sizeof<T>());
    const u7 = a7 > 0 ? a7 / kv7 : <T> 0;
    store<T>(ip, u7, 7 * sizeof<T>());
    const U0 = v128.splat<T>(u0);
    const U1 = v128.splat<T>(u1);
    const U2 = v128.splat<T>(u2);
    const U3 = v128.splat<T>(u3);
    const U4 = v128.splat<T>(u4);
    const U5 = v128.splat<T>(u5);
    const U6 = v128.splat<T>(u6);
    const U7 = v128.splat<T>(u7);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      // Two partial sums halve the dependency chain through the accumulator.
      let x = madd<T>(v128.load(k0 + j), U0, v128.load(w + j));
      let y = v128.mul<T>(v128.load(k1 + j), U1);
      x = madd<T>(v128.load(k2 + j), U2, x);
      y = madd<T>(v128.load(k3 + j), U3, y);
      x = madd<T>(v128.load(k4 + j), U4, x);
      y = madd<T>(v128.load(k5 + j), U5, y);
      x = madd<T>(v128.load(k6 + j), U6, x);
      y = madd<T>(v128.load(k7 + j), U7, y);
      v128.store(w + j, v128.add<T>(x, y));
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      store<T>(
        w + j,
        load<T>(w + j) + load<T>(k0 + j) * u0 + load<T>(k1 + j) * u1 + load<T>(k2 + j) * u2 +
          load<T>(k3 + j) * u3 + load<T>(k4 + j) * u4 + load<T>(k5 + j) * u5 + load<T>(k6 + j) * u6 +
          load<T>(k7 + j) * u7,
      );
    }
  }
  for (; i + 4 <= n; i += 4) {
    const k0 = K + <usize> i * rowBytes;
    const k1 = k0 + rowBytes;
    const k2 = k1 + rowBytes;
    const k3 = k2 + rowBytes;
    let s0 = v128.splat<T>(0);
    let s1 = v128.splat<T>(0);
    let s2 = v128.splat<T>(0);
    let s3 = v128.splat<T>(0);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      const vv = v128.load(v + j);
      s0 = madd<T>(v128.load(k0 + j), vv, s0);
      s1 = madd<T>(v128.load(k1 + j), vv, s1);
      s2 = madd<T>(v128.load(k2 + j), vv, s2);
      s3 = madd<T>(v128.load(k3 + j), vv, s3);
    }
    let kv0 = hsum<T>(s0);
    let kv1 = hsum<T>(s1);
    let kv2 = hsum<T>(s2);
    let kv3 = hsum<T>(s3);
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      const vj = load<T>(v + j);
      kv0 += load<T>(k0 + j) * vj;
      kv1 += load<T>(k1 + j) * vj;
      kv2 += load<T>(k2 + j) * vj;
      kv3 += load<T>(k3 + j) * vj;
    }
    const ip = u + (<usize> i << B);
    const ap = a + (<usize> i << B);
    const a0 = load<T>(ap);
    const a1 = load<T>(ap, sizeof<T>());
    const a2 = load<T>(ap, 2 * sizeof<T>());
    const a3 = load<T>(ap, 3 * sizeof<T>());
    const u0 = a0 > 0 ? a0 / kv0 : <T> 0;
    const u1 = a1 > 0 ? a1 / kv1 : <T> 0;
    const u2 = a2 > 0 ? a2 / kv2 : <T> 0;
    const u3 = a3 > 0 ? a3 / kv3 : <T> 0;
    store<T>(ip, u0);
    store<T>(ip, u1, sizeof<T>());
    store<T>(ip, u2, 2 * sizeof<T>());
    store<T>(ip, u3, 3 * sizeof<T>());
    const U0 = v128.splat<T>(u0);
    const U1 = v128.splat<T>(u1);
    const U2 = v128.splat<T>(u2);
    const U3 = v128.splat<T>(u3);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      let acc = v128.load(w + j);
      acc = madd<T>(v128.load(k0 + j), U0, acc);
      acc = madd<T>(v128.load(k1 + j), U1, acc);
      acc = madd<T>(v128.load(k2 + j), U2, acc);
      acc = madd<T>(v128.load(k3 + j), U3, acc);
      v128.store(w + j, acc);
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      store<T>(
        w + j,
        load<T>(w + j) + load<T>(k0 + j) * u0 + load<T>(k1 + j) * u1 + load<T>(k2 + j) * u2 +
          load<T>(k3 + j) * u3,
      );
    }
  }
  for (; i < n; i++) {
    const k0 = K + <usize> i * rowBytes;
    let s0 = v128.splat<T>(0);
    for (let j: usize = 0; j < vecBytes; j += 16) s0 = madd<T>(v128.load(k0 + j), v128.load(v + j), s0);
    let kv0 = hsum<T>(s0);
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) kv0 += load<T>(k0 + j) * load<T>(v + j);
    const a0 = load<T>(a + (<usize> i << B));
    const u0 = a0 > 0 ? a0 / kv0 : <T> 0;
    store<T>(u + (<usize> i << B), u0);
    const U0 = v128.splat<T>(u0);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      v128.store(w + j, madd<T>(v128.load(k0 + j), U0, v128.load(w + j)));
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      store<T>(w + j, load<T>(w + j) + load<T>(k0 + j) * u0);
    }
  }
}

// K_ij = exp((alpha_i + beta_j - M_ij) / eps)
function gibbsKernel<T>(K: usize, M: usize, alpha: usize, beta: usize, n: i32, m: i32, eps: f64): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const inv = <T> (1.0 / eps);
  const vinv = v128.splat<T>(inv);
  const rowBytes = <usize> m << B;
  const vecBytes = <usize> (m - (m % L)) << B;
  for (let i = 0; i < n; i++) {
    const ai = load<T>(alpha + (<usize> i << B));
    const va = v128.splat<T>(ai);
    const row = <usize> i * rowBytes;
    // Two independent exponentials per step: each is one long dependency chain.
    let j: usize = 0;
    for (; j + 32 <= vecBytes; j += 32) {
      const x0 = v128.sub<T>(v128.add<T>(va, v128.load(beta + j)), v128.load(M + row + j));
      const x1 = v128.sub<T>(v128.add<T>(va, v128.load(beta + j, 16)), v128.load(M + row + j, 16));
      const e0 = vexp<T>(v128.mul<T>(x0, vinv));
      const e1 = vexp<T>(v128.mul<T>(x1, vinv));
      v128.store(K + row + j, e0);
      v128.store(K + row + j, e1, 16);
    }
    for (; j < vecBytes; j += 16) {
      const x = v128.sub<T>(v128.add<T>(va, v128.load(beta + j)), v128.load(M + row + j));
      v128.store(K + row + j, vexp<T>(v128.mul<T>(x, vinv)));
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      store<T>(K + row + j, scalarExp<T>((ai + load<T>(beta + j) - load<T>(M + row + j)) * inv));
    }
  }
}

// <P, M> for P = diag(u) K diag(v); writes P to plan unless plan is 0.
function planCost<T>(K: usize, M: usize, u: usize, v: usize, plan: usize, n: i32, m: i32): f64 {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const rowBytes = <usize> m << B;
  const vecBytes = <usize> (m - (m % L)) << B;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const ui = load<T>(u + (<usize> i << B));
    const vu = v128.splat<T>(ui);
    const row = <usize> i * rowBytes;
    let acc = v128.splat<T>(0);
    let tail: T = 0;
    for (let j: usize = 0; j < vecBytes; j += 16) {
      const p = v128.mul<T>(v128.mul<T>(vu, v128.load(K + row + j)), v128.load(v + j));
      if (plan != 0) v128.store(plan + row + j, p);
      acc = madd<T>(p, v128.load(M + row + j), acc);
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      const p = ui * load<T>(K + row + j) * load<T>(v + j);
      if (plan != 0) store<T>(plan + row + j, p);
      tail += p * load<T>(M + row + j);
    }
    total += <f64> hsum<T>(acc) + <f64> tail;
  }
  return total;
}

function isFinite64(x: f64): bool {
  return x - x == 0;
}

/** Scratch elements of T for one stabilised problem. */
export function stabilizedScratch(n: i32, m: i32): i32 {
  return n * m + 4 * n + 4 * m + 16;
}

// Lane masks of the last scaling check (set by checkScalings, read right after).
let checkFinite: bool = true;
let checkAbsorb: bool = false;

/**
 * Flags of scalings x[0..len): checkFinite (every x finite) and checkAbsorb (some x outside [lo, hi],
 * zeros excepted), four or two lanes at a time.
 */
function checkScalings<T>(x: usize, len: i32, hi: T, lo: T): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const vecBytes = <usize> (len - (len % L)) << B;
  const bytes = <usize> len << B;
  const zero = v128.splat<T>(0);
  const vhi = v128.splat<T>(hi);
  const vlo = v128.splat<T>(lo);
  let finite = v128.splat<i32>(-1);
  let out = v128.splat<i32>(0);
  for (let j: usize = 0; j < vecBytes; j += 16) {
    const xv = v128.load(x + j);
    finite = v128.and(finite, v128.eq<T>(v128.sub<T>(xv, xv), zero));
    out = v128.or(out, v128.gt<T>(xv, vhi));
    out = v128.or(out, v128.and(v128.gt<T>(xv, zero), v128.lt<T>(xv, vlo)));
  }
  let fin = v128.all_true<i32>(finite);
  let absorb = v128.any_true(out);
  for (let j = vecBytes; j < bytes; j += sizeof<T>()) {
    const xj = load<T>(x + j);
    if (xj - xj != 0) fin = false;
    if (xj > hi || (xj > 0 && xj < lo)) absorb = true;
  }
  checkFinite = fin;
  checkAbsorb = absorb;
}

/**
 * The column half of an iteration, one sweep over m: returns the L1 column-marginal error
 * sum_j |v_j w_j - b_j| (in f64) of the current scalings, and writes the next column scaling
 * vNext_j = b_j / w_j (0 where b_j = 0).
 */
function columnPass<T>(v: usize, w: usize, b: usize, vNext: usize, m: i32): f64 {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const vecBytes = <usize> (m - (m % L)) << B;
  const bytes = <usize> m << B;
  const zero = v128.splat<T>(0);
  let e0 = f64x2.splat(0);
  let e1 = f64x2.splat(0);
  for (let j: usize = 0; j < vecBytes; j += 16) {
    const vv = v128.load(v + j);
    const ww = v128.load(w + j);
    const bb = v128.load(b + j);
    if (sizeof<T>() == 4) {
      // The error in f64 like the scalar form: promote both halves.
      const vh = v128.shuffle<f32>(vv, vv, 2, 3, 2, 3);
      const wh = v128.shuffle<f32>(ww, ww, 2, 3, 2, 3);
      const bh = v128.shuffle<f32>(bb, bb, 2, 3, 2, 3);
      const dl = f64x2.sub(
        f64x2.mul(f64x2.promote_low_f32x4(vv), f64x2.promote_low_f32x4(ww)),
        f64x2.promote_low_f32x4(bb),
      );
      const dh = f64x2.sub(
        f64x2.mul(f64x2.promote_low_f32x4(vh), f64x2.promote_low_f32x4(wh)),
        f64x2.promote_low_f32x4(bh),
      );
      e0 = f64x2.add(e0, f64x2.abs(dl));
      e1 = f64x2.add(e1, f64x2.abs(dh));
    } else {
      e0 = f64x2.add(e0, f64x2.abs(f64x2.sub(f64x2.mul(vv, ww), bb)));
    }
    v128.store(vNext + j, v128.and(v128.div<T>(bb, ww), v128.gt<T>(bb, zero)));
  }
  const e = f64x2.add(e0, e1);
  let err = f64x2.extract_lane(e, 0) + f64x2.extract_lane(e, 1);
  for (let j = vecBytes; j < bytes; j += sizeof<T>()) {
    const bj = load<T>(b + j);
    const wj = load<T>(w + j);
    err += Math.abs(<f64> load<T>(v + j) * <f64> wj - <f64> bj);
    store<T>(vNext + j, bj > 0 ? bj / wj : <T> 0);
  }
  return err;
}

export function sinkhornStabilized<T>(
  a: usize,
  b: usize,
  M: usize,
  n: i32,
  m: i32,
  eps: f64,
  maxIter: i32,
  tol: f64,
  tau: f64,
  scratch: usize,
  fOut: usize,
  gOut: usize,
  plan: usize,
  info: usize,
): void {
  const B = alignof<T>();
  const nb = ((<usize> n << B) + 15) & ~15;
  const mb = ((<usize> m << B) + 15) & ~15;
  const K = scratch;
  // Scalings are double-buffered: an iteration writes the next u and v beside the current ones and the
  // pointers swap only when they are finite, so a failed step keeps the last finite pair without copies.
  let u = K + ((<usize> n * (<usize> m << B) + 15) & ~15);
  let v = u + nb;
  const w = v + mb;
  const alpha = w + mb;
  const beta = alpha + nb;
  let uNext = beta + mb;
  let vNext = uNext + nb;
  for (let i = 0; i < n; i++) {
    store<T>(u + (<usize> i << B), 1);
    store<T>(alpha + (<usize> i << B), 0);
  }
  for (let j = 0; j < m; j++) {
    store<T>(v + (<usize> j << B), 1);
    store<T>(beta + (<usize> j << B), 0);
  }
  gibbsKernel<T>(K, M, alpha, beta, n, m, eps);
  const hi = <T> tau;
  const lo = <T> (1.0 / tau);
  let iterations = 0;
  let err: f64 = Infinity;
  let status = 0;
  while (iterations < maxIter) {
    // Row half (u' = a / K v) fused with w = K^T u', then the column half (error, v' = b / w).
    scalingPass<T>(K, v, a, uNext, w, n, m);
    iterations++;
    err = columnPass<T>(v, w, b, vNext, m);
    checkScalings<T>(uNext, n, hi, lo);
    const uFinite = checkFinite;
    const uAbsorb = checkAbsorb;
    if (uFinite && isFinite64(err) && err <= tol) {
      // Converged on (u', v): the row marginal of diag(u') K diag(v) is exact, the column one within tol.
      const t = u;
      u = uNext;
      uNext = t;
      status = 1;
      break;
    }
    checkScalings<T>(vNext, m, hi, lo);
    if (!uFinite || !checkFinite || !isFinite64(err)) {
      status = 2;
      break;
    }
    let t = u;
    u = uNext;
    uNext = t;
    t = v;
    v = vNext;
    vNext = t;
    if (uAbsorb || checkAbsorb) {
      for (let i = 0; i < n; i++) {
        const ui = <f64> load<T>(u + (<usize> i << B));
        if (ui > 0) {
          const p = alpha + (<usize> i << B);
          store<T>(p, <T> (<f64> load<T>(p) + eps * Math.log(ui)));
          store<T>(u + (<usize> i << B), 1);
        }
      }
      for (let j = 0; j < m; j++) {
        const vj = <f64> load<T>(v + (<usize> j << B));
        if (vj > 0) {
          const p = beta + (<usize> j << B);
          store<T>(p, <T> (<f64> load<T>(p) + eps * Math.log(vj)));
          store<T>(v + (<usize> j << B), 1);
        }
      }
      gibbsKernel<T>(K, M, alpha, beta, n, m, eps);
    }
  }
  for (let i = 0; i < n; i++) {
    const ui = <f64> load<T>(u + (<usize> i << B));
    store<T>(fOut + (<usize> i << B), <T> (<f64> load<T>(alpha + (<usize> i << B)) + eps * Math.log(ui)));
  }
  for (let j = 0; j < m; j++) {
    const vj = <f64> load<T>(v + (<usize> j << B));
    store<T>(gOut + (<usize> j << B), <T> (<f64> load<T>(beta + (<usize> j << B)) + eps * Math.log(vj)));
  }
  store<f64>(info, planCost<T>(K, M, u, v, plan, n, m));
  store<f64>(info, <f64> iterations, 8);
  store<f64>(info, err, 16);
  store<f64>(info, <f64> status, 24);
}

/** Scratch elements of T for one log-domain problem. */
export function logScratch(n: i32, m: i32): i32 {
  return n * m + 4 * n + 4 * m + 16;
}

export function sinkhornLog<T>(
  a: usize,
  b: usize,
  M: usize,
  n: i32,
  m: i32,
  eps: f64,
  maxIter: i32,
  tol: f64,
  scratch: usize,
  fOut: usize,
  gOut: usize,
  plan: usize,
  info: usize,
): void {
  const B = alignof<T>();
  const L = <i32> (16 / sizeof<T>());
  const nb = ((<usize> n << B) + 15) & ~15;
  const mb = ((<usize> m << B) + 15) & ~15;
  const logA = scratch;
  const logB = logA + nb;
  const colMax = logB + mb;
  const colSum = colMax + mb;
  const c = colSum + mb;
  const f = fOut;
  const g = gOut;
  const rowBytes = <usize> m << B;
  const vecBytes = <usize> (m - (m % L)) << B;
  const inv = <T> (1.0 / eps);
  const vinv = v128.splat<T>(inv);
  for (let i = 0; i < n; i++) {
    const ai = <f64> load<T>(a + (<usize> i << B));
    store<T>(logA + (<usize> i << B), <T> (eps * Math.log(ai)));
    store<T>(f + (<usize> i << B), 0);
  }
  for (let j = 0; j < m; j++) {
    const bj = <f64> load<T>(b + (<usize> j << B));
    store<T>(logB + (<usize> j << B), <T> (eps * Math.log(bj)));
    store<T>(g + (<usize> j << B), 0);
  }
  let iterations = 0;
  let err: f64 = Infinity;
  let status = 0;
  while (iterations < maxIter) {
    // Row update: f_i = eps log a_i - eps LSE_j((g_j - M_ij) / eps).
    for (let i = 0; i < n; i++) {
      const row = M + <usize> i * rowBytes;
      let vmx = v128.splat<T>(<T> -Infinity);
      for (let j: usize = 0; j < vecBytes; j += 16) {
        vmx = v128.max<T>(vmx, v128.sub<T>(v128.load(g + j), v128.load(row + j)));
      }
      let mx = hmax<T>(vmx);
      for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
        const x = load<T>(g + j) - load<T>(row + j);
        if (x > mx) mx = x;
      }
      const vm = v128.splat<T>(mx);
      let acc = v128.splat<T>(0);
      for (let j: usize = 0; j < vecBytes; j += 16) {
        const x = v128.sub<T>(v128.sub<T>(v128.load(g + j), v128.load(row + j)), vm);
        acc = v128.add<T>(acc, vexp<T>(v128.mul<T>(x, vinv)));
      }
      let s = hsum<T>(acc);
      for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
        s += scalarExp<T>((load<T>(g + j) - load<T>(row + j) - mx) * inv);
      }
      const fi = load<T>(logA + (<usize> i << B)) - (mx + <T> (eps * Math.log(<f64> s)));
      store<T>(f + (<usize> i << B), fi);
    }
    // Column log-sum-exp: c_j = eps LSE_i((f_i - M_ij) / eps), two sweeps over the rows.
    for (let j = 0; j < m; j++) {
      store<T>(colMax + (<usize> j << B), <T> -Infinity);
      store<T>(colSum + (<usize> j << B), 0);
    }
    for (let i = 0; i < n; i++) {
      const row = M + <usize> i * rowBytes;
      const fi = load<T>(f + (<usize> i << B));
      const vf = v128.splat<T>(fi);
      for (let j: usize = 0; j < vecBytes; j += 16) {
        v128.store(colMax + j, v128.max<T>(v128.load(colMax + j), v128.sub<T>(vf, v128.load(row + j))));
      }
      for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
        const x = fi - load<T>(row + j);
        if (x > load<T>(colMax + j)) store<T>(colMax + j, x);
      }
    }
    for (let i = 0; i < n; i++) {
      const row = M + <usize> i * rowBytes;
      const fi = load<T>(f + (<usize> i << B));
      const vf = v128.splat<T>(fi);
      for (let j: usize = 0; j < vecBytes; j += 16) {
        const x = v128.sub<T>(v128.sub<T>(vf, v128.load(row + j)), v128.load(colMax + j));
        v128.store(colSum + j, v128.add<T>(v128.load(colSum + j), vexp<T>(v128.mul<T>(x, vinv))));
      }
      for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
        const x = (fi - load<T>(row + j) - load<T>(colMax + j)) * inv;
        store<T>(colSum + j, load<T>(colSum + j) + scalarExp<T>(x));
      }
    }
    iterations++;
    err = 0;
    for (let j = 0; j < m; j++) {
      const o = <usize> j << B;
      const cj = <f64> load<T>(colMax + o) + eps * Math.log(<f64> load<T>(colSum + o));
      store<T>(c + o, <T> cj);
      err += Math.abs(Math.exp((<f64> load<T>(g + o) + cj) / eps) - <f64> load<T>(b + o));
    }
    if (!isFinite64(err)) {
      status = 2;
      break;
    }
    if (err <= tol) {
      status = 1;
      break;
    }
    for (let j = 0; j < m; j++) {
      const o = <usize> j << B;
      store<T>(g + o, load<T>(logB + o) - load<T>(c + o));
    }
  }
  // Plan and cost: P_ij = exp((f_i + g_j - M_ij) / eps).
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = <usize> i * rowBytes;
    const fi = load<T>(f + (<usize> i << B));
    const vf = v128.splat<T>(fi);
    let acc = v128.splat<T>(0);
    let tail: T = 0;
    for (let j: usize = 0; j < vecBytes; j += 16) {
      const mij = v128.load(M + row + j);
      const p = vexp<T>(v128.mul<T>(v128.sub<T>(v128.add<T>(vf, v128.load(g + j)), mij), vinv));
      if (plan != 0) v128.store(plan + row + j, p);
      acc = madd<T>(p, mij, acc);
    }
    for (let j = vecBytes; j < rowBytes; j += sizeof<T>()) {
      const mij = load<T>(M + row + j);
      const p = scalarExp<T>((fi + load<T>(g + j) - mij) * inv);
      if (plan != 0) store<T>(plan + row + j, p);
      tail += p * mij;
    }
    total += <f64> hsum<T>(acc) + <f64> tail;
  }
  store<f64>(info, total);
  store<f64>(info, <f64> iterations, 8);
  store<f64>(info, err, 16);
  store<f64>(info, <f64> status, 24);
}

/**
 * How surprising a count is under a Poisson rate, as a standard-normal z: the z whose upper tail has the
 * probability P(X ≥ k | μ). Computed in log space, so counts far in the tail (k = 40 where μ = 0.01) give a
 * finite, ordered answer rather than an underflowed probability. Pure.
 */

/** ln P(X ≥ k) for X ~ Poisson(μ), k ≥ 1 an integer, μ > 0. */
export function poissonLogTail(k: number, mu: number): number {
  if (!(mu > 0)) {
    throw new RangeError(`Cannot compute a Poisson tail as mu must be > 0: current value is ${mu}`);
  }
  if (!(Number.isInteger(k) && k >= 0)) {
    throw new RangeError(`Cannot compute a Poisson tail as k must be an integer >= 0: current value is ${k}`);
  }
  if (k === 0) return 0;
  if (mu >= k) {
    // the body of the distribution: 1 − P(X < k), summed directly (no cancellation worth fearing here)
    let term = Math.exp(-mu), below = 0;
    for (let j = 0; j < k; j++) {
      below += term;
      term *= mu / (j + 1);
    }
    return Math.log(Math.max(1e-300, 1 - below));
  }
  // the tail: P(X = k) · Σ_j μ^j / ((k+1)…(k+j)), a series that converges fast when μ < k
  let logTerm = -mu + k * Math.log(mu);
  for (let j = 2; j <= k; j++) logTerm -= Math.log(j);
  let sum = 1, r = 1;
  for (let j = 1; j < 1000; j++) {
    r *= mu / (k + j);
    sum += r;
    if (r < 1e-12 * sum) break;
  }
  return logTerm + Math.log(sum);
}

/** The z with the same upper-tail probability as ln p (Abramowitz & Stegun 26.2.23; |error| < 4.5e-4). */
export function zOfLogTail(logP: number): number {
  if (logP > Math.log(0.5)) {
    // the upper half: mirror around 0.5 (P(Z ≥ z) > 0.5 means z < 0)
    const q = 1 - Math.exp(logP);
    return q <= 0 ? -Infinity : -zOfLogTail(Math.log(Math.min(0.5, q)));
  }
  const t = Math.sqrt(-2 * logP);
  return t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

/** z of observing `k` events where `mu` were expected (Poisson). 0 when k ≤ mu. */
export function poissonZ(k: number, mu: number): number {
  if (k <= mu) return 0;
  return Math.max(0, zOfLogTail(poissonLogTail(Math.round(k), mu)));
}

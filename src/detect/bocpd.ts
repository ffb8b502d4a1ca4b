/**
 * Bayesian online change-point detection (Adams & MacKay, 2007, arXiv:0710.3742) with a Normal-Gamma
 * prior (unknown mean and variance, Student-t predictive) and a constant hazard, truncated at
 * `max_run_length` run lengths so each update is O(max_run_length).
 *
 * Input is standardized online against a robust sliding baseline (median/IQR) so one prior fits every
 * indicator. The score is the posterior probability that the current run started within the last
 * `recent` points: near 0 in a stable regime, near 1 just after a change.
 */
import { safeScale } from "./robust_stats.ts";
import { SortedWindow, type UnivariateModel } from "./univariate_model.ts";

export interface BocpdOptions {
  /** Expected run length between change points (hazard = 1 / this). @default 250 */
  expected_run_length?: number;
  /** Run lengths tracked (older mass is folded into the last one). @default 200 */
  max_run_length?: number;
  /** A change "now" means a run length <= this. @default 3 */
  recent?: number;
  /** Standardization baseline length. @default 120 */
  window?: number;
  /** Points needed before scoring. @default 10 */
  min_history?: number;
}

const LOG_PI = Math.log(Math.PI);

function lgamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-13 for x > 0.
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

export class BocpdModel implements UnivariateModel {
  readonly #hazard: number;
  readonly #maxRun: number;
  readonly #recent: number;
  readonly #minHistory: number;
  readonly #base: SortedWindow;
  // Posterior over run lengths and the sufficient statistics per run length.
  #probs: Float64Array;
  #mu: Float64Array;
  #kappa: Float64Array;
  #alpha: Float64Array;
  #beta: Float64Array;
  #len = 1;
  #seen = 0;
  static readonly #MU0 = 0;
  static readonly #KAPPA0 = 1;
  static readonly #ALPHA0 = 1;
  static readonly #BETA0 = 1;

  constructor(options: BocpdOptions = {}) {
    const erl = options.expected_run_length ?? 250;
    if (!(erl > 1)) {
      throw new RangeError(
        `Cannot create BocpdModel as expected_run_length must be > 1: current value is ${erl}`,
      );
    }
    this.#hazard = 1 / erl;
    this.#maxRun = options.max_run_length ?? 200;
    this.#recent = options.recent ?? 3;
    this.#minHistory = options.min_history ?? 10;
    this.#base = new SortedWindow(options.window ?? 120);
    const n = this.#maxRun + 1;
    this.#probs = new Float64Array(n);
    this.#mu = new Float64Array(n);
    this.#kappa = new Float64Array(n);
    this.#alpha = new Float64Array(n);
    this.#beta = new Float64Array(n);
    this.#probs[0] = 1;
    this.#mu[0] = BocpdModel.#MU0;
    this.#kappa[0] = BocpdModel.#KAPPA0;
    this.#alpha[0] = BocpdModel.#ALPHA0;
    this.#beta[0] = BocpdModel.#BETA0;
  }

  get count(): number {
    return this.#seen;
  }

  update(raw: number): number {
    this.#seen++;
    const warm = this.#base.size >= this.#minHistory;
    const med = this.#base.quantile(0.5);
    const z = warm ? (raw - med) / safeScale(this.#base.quantile(0.75) - this.#base.quantile(0.25), med) : 0;
    this.#base.push(raw);
    // Clamp so one wild point cannot underflow every predictive.
    const x = Math.max(-50, Math.min(50, z));
    const len = this.#len;
    const next = Math.min(len + 1, this.#maxRun + 1);
    const np = new Float64Array(this.#probs.length);
    let cp = 0;
    let total = 0;
    for (let r = 0; r < len; r++) {
      const a = this.#alpha[r];
      const k = this.#kappa[r];
      const scale2 = (this.#beta[r] * (k + 1)) / (a * k);
      const nu = 2 * a;
      const d = x - this.#mu[r];
      const logp = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * (Math.log(nu) + LOG_PI + Math.log(scale2)) -
        ((nu + 1) / 2) * Math.log1p((d * d) / (nu * scale2));
      const pp = this.#probs[r] * Math.exp(logp);
      const grow = pp * (1 - this.#hazard);
      const to = Math.min(r + 1, this.#maxRun);
      np[to] += grow;
      cp += pp * this.#hazard;
      total += pp;
    }
    np[0] = cp;
    if (!(total > 0)) {
      // Every run length found x impossible: restart.
      np.fill(0);
      np[0] = 1;
      total = 1;
    } else for (let r = 0; r < next; r++) np[r] /= total;
    // Update sufficient statistics (shift by one; run 0 gets the prior).
    const mu = new Float64Array(this.#mu.length);
    const kappa = new Float64Array(this.#mu.length);
    const alpha = new Float64Array(this.#mu.length);
    const beta = new Float64Array(this.#mu.length);
    mu[0] = BocpdModel.#MU0;
    kappa[0] = BocpdModel.#KAPPA0;
    alpha[0] = BocpdModel.#ALPHA0;
    beta[0] = BocpdModel.#BETA0;
    for (let r = 0; r < len; r++) {
      const to = Math.min(r + 1, this.#maxRun);
      if (to === this.#maxRun && r + 1 > this.#maxRun) continue; // folded mass keeps the oldest stats
      const k = this.#kappa[r];
      const d = x - this.#mu[r];
      mu[to] = (k * this.#mu[r] + x) / (k + 1);
      kappa[to] = k + 1;
      alpha[to] = this.#alpha[r] + 0.5;
      beta[to] = this.#beta[r] + (k * d * d) / (2 * (k + 1));
    }
    this.#probs = np;
    this.#mu = mu;
    this.#kappa = kappa;
    this.#alpha = alpha;
    this.#beta = beta;
    this.#len = next;
    if (!warm) return 0;
    let recent = 0;
    for (let r = 0; r <= this.#recent && r < next; r++) recent += np[r];
    return recent;
  }
}

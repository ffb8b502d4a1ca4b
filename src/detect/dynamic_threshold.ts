/**
 * Thresholds over a stream of anomaly scores. A threshold sees each score once, says whether it crosses,
 * and learns only from scores that did not cross (so an ongoing anomaly cannot raise its own bar).
 *
 * - static: a fixed bar.
 * - sliding_sigma: μ + kσ of the last `window` normal scores (TraceVAE's dynamic threshold).
 * - pot: peaks over threshold, streaming (SPOT, Siffer et al., KDD 2017): a high empirical quantile of the
 *   calibration scores as the initial level t, a generalized Pareto tail fitted to the excesses over t
 *   (method of moments, refitted as peaks arrive), and the bar z_q with tail probability `risk`.
 */
import { meanStd } from "./robust_stats.ts";

export interface ThresholdDecision {
  /** NaN while calibrating (then `anomalous` is false). */
  readonly threshold: number;
  readonly anomalous: boolean;
}

export interface DynamicThreshold {
  check(score: number): ThresholdDecision;
}

export type ThresholdConfig =
  | { type: "static"; value: number }
  | { type: "sliding_sigma"; window?: number; k?: number; min_history?: number; floor?: number }
  | { type: "pot"; risk?: number; init_quantile?: number; calibration?: number; floor?: number };

export class StaticThreshold implements DynamicThreshold {
  constructor(readonly value: number) {
    if (!Number.isFinite(value)) {
      throw new RangeError(
        `Cannot create StaticThreshold as value must be finite: current value is ${value}`,
      );
    }
  }
  check(score: number): ThresholdDecision {
    return { threshold: this.value, anomalous: score > this.value };
  }
}

export class SlidingSigmaThreshold implements DynamicThreshold {
  readonly #ring: Float64Array;
  readonly #k: number;
  readonly #minHistory: number;
  readonly #floor: number;
  #head = 0;
  #size = 0;

  constructor(options: { window?: number; k?: number; min_history?: number; floor?: number } = {}) {
    this.#ring = new Float64Array(options.window ?? 120);
    this.#k = options.k ?? 3;
    this.#minHistory = options.min_history ?? 10;
    this.#floor = options.floor ?? 0;
  }

  check(score: number): ThresholdDecision {
    if (this.#size < this.#minHistory) {
      this.#learn(score);
      return { threshold: NaN, anomalous: false };
    }
    const { mean, std } = meanStd(this.#ring, { to: this.#size });
    const threshold = Math.max(this.#floor, mean + this.#k * std);
    const anomalous = score > threshold;
    if (!anomalous) this.#learn(score);
    return { threshold, anomalous };
  }

  #learn(score: number): void {
    this.#ring[this.#head] = score;
    this.#head = (this.#head + 1) % this.#ring.length;
    if (this.#size < this.#ring.length) this.#size++;
  }
}

export class PotThreshold implements DynamicThreshold {
  readonly #risk: number;
  readonly #initQuantile: number;
  readonly #calibration: number;
  readonly #floor: number;
  #calib: number[] = [];
  #t = NaN;
  #peaks: number[] = [];
  #n = 0;
  #z = NaN;

  constructor(options: { risk?: number; init_quantile?: number; calibration?: number; floor?: number } = {}) {
    this.#risk = options.risk ?? 1e-3;
    this.#initQuantile = options.init_quantile ?? 0.98;
    this.#calibration = options.calibration ?? 100;
    this.#floor = options.floor ?? 0;
    if (!(this.#risk > 0 && this.#risk < 1)) {
      throw new RangeError(
        `Cannot create PotThreshold as risk must be in (0, 1): current value is ${this.#risk}`,
      );
    }
  }

  /** The current bar z_q (NaN while calibrating). */
  get threshold(): number {
    return this.#z;
  }

  check(score: number): ThresholdDecision {
    if (Number.isNaN(this.#t)) {
      this.#calib.push(score);
      if (this.#calib.length >= this.#calibration) this.#initialize();
      return { threshold: NaN, anomalous: false };
    }
    const threshold = Math.max(this.#floor, this.#z);
    if (score > threshold) return { threshold, anomalous: true };
    this.#n++;
    if (score > this.#t) {
      this.#peaks.push(score - this.#t);
      if (this.#peaks.length > 1000) this.#peaks.shift();
      this.#fit();
    }
    return { threshold, anomalous: false };
  }

  #initialize(): void {
    const s = [...this.#calib].sort((a, b) => a - b);
    const idx = Math.min(s.length - 1, Math.floor(this.#initQuantile * s.length));
    this.#t = s[idx];
    this.#n = s.length;
    this.#peaks = s.filter((v) => v > this.#t).map((v) => v - this.#t);
    this.#calib = [];
    this.#fit();
  }

  #fit(): void {
    const k = this.#peaks.length;
    if (k < 2) {
      // Too few peaks for a tail: fall back to the largest calibration excess above t, doubled.
      const top = k === 1 ? this.#peaks[0] : Math.max(Math.abs(this.#t) * 0.1, 1e-6);
      this.#z = this.#t + 2 * top;
      return;
    }
    const { mean, std } = meanStd(this.#peaks);
    const v = std * std;
    // Method of moments for the GPD: γ = (1 - m²/v)/2, σ = m(m²/v + 1)/2.
    let gamma = v > 0 ? 0.5 * (1 - (mean * mean) / v) : 0;
    gamma = Math.max(-0.5, Math.min(0.5, gamma));
    const sigma = v > 0 ? 0.5 * mean * ((mean * mean) / v + 1) : mean;
    const r = (this.#risk * this.#n) / k;
    this.#z = Math.abs(gamma) < 1e-6
      ? this.#t - sigma * Math.log(r)
      : this.#t + (sigma / gamma) * (Math.pow(r, -gamma) - 1);
  }
}

/** Builds a threshold from its config. */
export function createThreshold(config: ThresholdConfig): DynamicThreshold {
  switch (config.type) {
    case "static":
      return new StaticThreshold(config.value);
    case "sliding_sigma":
      return new SlidingSigmaThreshold(config);
    case "pot":
      return new PotThreshold(config);
  }
}

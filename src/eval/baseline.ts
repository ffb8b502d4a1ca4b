/**
 * The simplest baselines the harness runs when no method is named or none is registered yet:
 *
 * - {@link RobustZLocalizer}: each indicator is scaled by the median and IQR of its values before the onset
 *   (sklearn RobustScaler semantics: an IQR of 0 scales by 1); a service scores its largest robust z after
 *   the onset (signed: only rises count, as BARO's `max(zscores)`; `direction: "both"` takes |z|), and
 *   names the indicator that produced it. This is BARO's ranking (Pham et al., FSE'24).
 * - {@link baselineFaultType}: reads the fault type off the top candidate's indicator family.
 * - {@link WindowedGaussianScorer}: NAB-style streaming score, the Gaussian tail of the point against the
 *   mean and standard deviation of a sliding window of past points (no look-ahead).
 */
import type {
  FaultType,
  LocalizeInput,
  Localizer,
  RootCauseCandidate,
  StreamingScorer,
} from "../core/rca.ts";

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Quantile with linear interpolation (numpy's default), on a sorted array. */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function finiteSorted(values: Float64Array, from: number, to: number): Float64Array {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return Float64Array.from(out).sort();
}

/** Index of the first window starting at or after `t_ms` (the onset window). */
function onsetIndex(times_ms: readonly number[], t_ms: number): number {
  let lo = 0, hi = times_ms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times_ms[mid] < t_ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RobustZLocalizer implements Localizer {
  readonly name = "baseline";
  readonly #direction: "up" | "both";

  /** @param options.direction "up" (BARO: only rises count) or "both". @default "up" */
  constructor(options: { direction?: "up" | "both" } = {}) {
    this.#direction = options.direction ?? "up";
  }

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const { frame, anomaly_start_ms } = input;
    const n = frame.times_ms.length;
    if (
      n === 0 || anomaly_start_ms < frame.times_ms[0] ||
      anomaly_start_ms > frame.times_ms[n - 1] + frame.step_ms
    ) {
      throw new RangeError(
        `Cannot localize as anomaly_start_ms is outside the frame [${frame.times_ms[0]}, ${
          frame.times_ms[n - 1]
        }]: current value is ${anomaly_start_ms}`,
      );
    }
    const onset = onsetIndex(frame.times_ms, anomaly_start_ms);
    const out: RootCauseCandidate[] = [];
    for (const [service, indicators] of frame.series) {
      let best = -Infinity, bestIndicator: string | undefined;
      for (const [indicator, values] of indicators) {
        const before = finiteSorted(values, 0, onset);
        if (before.length === 0) continue;
        const med = median(before);
        const iqr = sortedQuantile(before, 0.75) - sortedQuantile(before, 0.25);
        const scale = iqr > 0 ? iqr : 1;
        for (let i = onset; i < n; i++) {
          const v = values[i];
          if (!Number.isFinite(v)) continue;
          const z = this.#direction === "up" ? (v - med) / scale : Math.abs(v - med) / scale;
          if (z > best || (z === best && bestIndicator !== undefined && indicator < bestIndicator)) {
            best = z;
            bestIndicator = indicator;
          }
        }
      }
      if (bestIndicator === undefined) continue;
      out.push({
        service,
        indicator: bestIndicator,
        score: best,
        evidence: [
          `${bestIndicator} ${best.toFixed(1)} robust-z (median/IQR of the ${onset} windows before onset)`,
        ],
      });
    }
    return out.sort((a, b) =>
      b.score - a.score || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)
    );
  }
}

/** The fault type an indicator name suggests, or null when it suggests none. */
export function faultTypeOfIndicator(indicator: string | undefined): FaultType | null {
  if (!indicator) return null;
  const s = indicator.toLowerCase();
  if (/cpu/.test(s)) return "cpu";
  if (/mem/.test(s)) return "memory";
  if (/disk|io_|syscall/.test(s)) return "disk";
  if (/loss|drop|retrans/.test(s)) return "packet_loss";
  if (/network|latency|lat_|delay|p9\d|p50/.test(s)) return "network_delay";
  if (/exception|error|fail/.test(s)) return "code_exception";
  if (/success|return/.test(s)) return "code_return";
  return null;
}

/** Baseline classifier: the fault type of the top candidate's indicator. */
export function baselineFaultType(ranking: readonly RootCauseCandidate[]): FaultType | null {
  return faultTypeOfIndicator(ranking[0]?.indicator);
}

/** Standard normal upper tail Q(z) = P(Z > z), via the complementary error function (A&S 7.1.26). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  const q = erfc / 2;
  return z >= 0 ? q : 1 - q;
}

/**
 * Windowed Gaussian streaming scorer: score = 1 − Q(|x − μ| / σ) over the last `window` points, where μ and
 * σ are kept incrementally (Welford over a ring buffer). Scores 0 until `min_history` points have been seen.
 */
export class WindowedGaussianScorer implements StreamingScorer {
  readonly #ring: Float64Array;
  #count = 0;
  #head = 0;
  #sum = 0;
  #sumSq = 0;
  readonly #minHistory: number;

  constructor(options: { window?: number; min_history?: number } = {}) {
    const window = options.window ?? 6400;
    if (!Number.isInteger(window) || window < 2) {
      throw new RangeError(
        `Cannot create a scorer as window must be an integer >= 2: current value is ${window}`,
      );
    }
    this.#ring = new Float64Array(window);
    this.#minHistory = options.min_history ?? 10;
  }

  update(_time_ms: number, value: number): number {
    let score = 0;
    if (!Number.isFinite(value)) return 0;
    if (this.#count >= this.#minHistory) {
      const mean = this.#sum / this.#count;
      const variance = Math.max(0, this.#sumSq / this.#count - mean * mean);
      const std = Math.sqrt(variance);
      if (std > 0) score = 1 - normalTail(Math.abs(value - mean) / std);
      else score = value === mean ? 0 : 1;
    }
    // push the point into the window
    if (this.#count === this.#ring.length) {
      const old = this.#ring[this.#head];
      this.#sum -= old;
      this.#sumSq -= old * old;
    } else this.#count++;
    this.#ring[this.#head] = value;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#sum += value;
    this.#sumSq += value * value;
    if (this.#head === 0) this.#resum(); // bound the drift of the running sums once per lap
    return score;
  }

  #resum(): void {
    let sum = 0, sumSq = 0;
    for (let i = 0; i < this.#count; i++) {
      sum += this.#ring[i];
      sumSq += this.#ring[i] * this.#ring[i];
    }
    this.#sum = sum;
    this.#sumSq = sumSq;
  }
}

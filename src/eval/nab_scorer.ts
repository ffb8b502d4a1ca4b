/**
 * A TypeScript port of the Numenta Anomaly Benchmark scorer (NAB v1.1: `nab/sweeper.py`, the threshold
 * optimiser and the runner's normalisation), written from its published definition:
 *
 * - The first 15 % of each series (at most 750 points) is probationary and never scored.
 * - A detection inside an anomaly window scores by its position: scaledSigmoid(-(right - i + 1) / width)
 *   where scaledSigmoid(x) = 2·sigmoid(-5x) − 1, scaled by tpWeight / scaledSigmoid(-1); only the best
 *   (earliest) detection of a window counts. A window with no detection costs −fnWeight.
 * - A detection outside every window costs fpWeight · scaledSigmoid(|prevRight − i| / (prevWidth − 1)),
 *   i.e. less when it follows a window closely; −fpWeight before the first window (position 3 → −1).
 * - A point is a detection when its anomaly score ≥ the threshold. The optimiser sweeps every distinct
 *   score over the whole corpus at once and keeps the best total.
 * - Normalised score = 100 · (S − S_null) / (S_perfect − S_null), where S_perfect = windows · tpWeight and
 *   S_null is the score with no detection at all (what NAB's null detector scores: −fnWeight · windows).
 *
 * Pure: no I/O. Reading NAB result files lives in nab_results.ts.
 */

/** One NAB cost matrix (config/profiles.json). */
export interface NabCostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
  readonly tnWeight?: number;
}

/** NAB's three application profiles, as in config/profiles.json. */
export const NAB_PROFILES: Readonly<Record<NabProfile, NabCostMatrix>> = {
  standard: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11, tnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22, tnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11, tnWeight: 1.0 },
};
export type NabProfile = "standard" | "reward_low_FP_rate" | "reward_low_FN_rate";
export const NAB_PROFILE_NAMES: readonly NabProfile[] = [
  "standard",
  "reward_low_FP_rate",
  "reward_low_FN_rate",
];

/** A detector's output on one series, with the series' label windows. */
export interface NabScoredSeries {
  readonly name: string;
  readonly times_ms: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  /** [start_ms, end_ms] inclusive; both must be timestamps of the series (NAB's labels are). */
  readonly windows: readonly (readonly [number, number])[];
}

/** A scorable point: anomaly score, its weighted sweep score and its window (-1 outside every window). */
interface SweepPoints {
  readonly scores: Float64Array;
  readonly sweep: Float64Array;
  /** Window index within the corpus, or -1. Probationary points are dropped. */
  readonly window: Int32Array;
  readonly windowCount: number;
}

export function scaledSigmoid(position: number): number {
  if (position >= 3.0) return -1.0;
  return 2 / (1 + Math.exp(5 * position)) - 1.0;
}

/** Probationary length of a series of n points: min(floor(0.15 n), 0.15 · 5000). */
export function probationaryLength(n: number, probationPercent = 0.15): number {
  return Math.min(Math.floor(probationPercent * n), probationPercent * 5000);
}

/**
 * NAB's sweep: each point's weighted score if it were a detection, and its window. Windows are entered when
 * a timestamp equals a window start (as NAB does), and left after the point equal to its end.
 */
function sweepSeries(series: NabScoredSeries, cost: NabCostMatrix, windowBase: number) {
  const n = series.times_ms.length;
  if (series.scores.length !== n) {
    throw new RangeError(
      `Cannot score ${series.name} as scores and timestamps differ in length: ${series.scores.length} vs ${n}`,
    );
  }
  const indexOf = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!indexOf.has(series.times_ms[i])) indexOf.set(series.times_ms[i], i);
  const maxTP = scaledSigmoid(-1.0);
  const probation = probationaryLength(n);
  const pending = series.windows.map((w) => [w[0], w[1]] as const);
  const scores: number[] = [], sweep: number[] = [], window: number[] = [];
  let windowsSeen = 0;
  let cur: { end: number; right: number; width: number; id: number } | null = null;
  let prevRight = -1, prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const t = series.times_ms[i];
    if (pending.length > 0 && t === pending[0][0]) {
      const [start, end] = pending.shift()!;
      const right = indexOf.get(end);
      if (right === undefined) {
        throw new RangeError(
          `Cannot score ${series.name} as a window end is not a timestamp: current value is ${end}`,
        );
      }
      cur = { end, right, width: right - indexOf.get(start)! + 1, id: windowBase + windowsSeen++ };
    }
    let weighted: number;
    if (cur) {
      weighted = scaledSigmoid(-(cur.right - i + 1) / cur.width) * cost.tpWeight / maxTP;
    } else {
      const position = prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1);
      weighted = scaledSigmoid(position) * cost.fpWeight;
    }
    if (i >= probation) {
      scores.push(series.scores[i]);
      sweep.push(weighted);
      window.push(cur ? cur.id : -1);
    }
    if (cur && t === cur.end) {
      prevRight = i;
      prevWidth = cur.width;
      cur = null;
    }
  }
  // Windows that lie wholly in the probationary period never appear among scorable points: NAB does not
  // count them (its score parts are built from scorable points), so neither do we.
  const counted = new Set(window.filter((w) => w >= 0));
  return { scores, sweep, window, windowsSeen, counted };
}

function sweepCorpus(
  corpus: readonly NabScoredSeries[],
  cost: NabCostMatrix,
): SweepPoints & { counted: number } {
  const scores: number[] = [], sweep: number[] = [], window: number[] = [];
  let base = 0, counted = 0;
  for (const s of corpus) {
    const r = sweepSeries(s, cost, base);
    base += r.windowsSeen;
    counted += r.counted.size;
    for (let k = 0; k < r.scores.length; k++) {
      scores.push(r.scores[k]);
      sweep.push(r.sweep[k]);
      window.push(r.window[k]);
    }
  }
  return {
    scores: Float64Array.from(scores),
    sweep: Float64Array.from(sweep),
    window: Int32Array.from(window),
    windowCount: base,
    counted,
  };
}

/** The corpus score at each distinct threshold, highest threshold first (NAB's calcScoreByThreshold). */
export interface ThresholdScore {
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

function scoresByThreshold(points: SweepPoints, cost: NabCostMatrix): ThresholdScore[] {
  const n = points.scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    points.scores[b] - points.scores[a] || a - b
  );
  const best = new Map<number, number>();
  for (let k = 0; k < n; k++) if (points.window[k] >= 0) best.set(points.window[k], -cost.fnWeight);
  let windowSum = -cost.fnWeight * best.size;
  let fpSum = 0;
  let tp = 0, fp = 0;
  let fn = 0, tn = 0;
  for (let k = 0; k < n; k++) points.window[k] >= 0 ? fn++ : tn++;
  const out: ThresholdScore[] = [];
  let threshold = 1.1;
  for (const k of order) {
    const s = points.scores[k];
    if (s !== threshold) {
      out.push({ threshold, score: fpSum + windowSum, tp, fp, fn, tn });
      threshold = s;
    }
    const w = points.window[k];
    if (w >= 0) {
      tp++;
      fn--;
      const prev = best.get(w)!;
      if (points.sweep[k] > prev) {
        windowSum += points.sweep[k] - prev;
        best.set(w, points.sweep[k]);
      }
    } else {
      fp++;
      tn--;
      fpSum += points.sweep[k];
    }
  }
  out.push({ threshold, score: fpSum + windowSum, tp, fp, fn, tn });
  return out;
}

/** The row NAB picks for a threshold: the exact one, else the last row above it. */
function rowAt(rows: readonly ThresholdScore[], threshold: number): ThresholdScore {
  let prev = rows[0];
  for (const r of rows) {
    if (r.threshold === threshold) return r;
    if (r.threshold < threshold) return prev;
    prev = r;
  }
  return prev;
}

export interface NabProfileResult {
  readonly profile: NabProfile;
  readonly threshold: number;
  /** Raw corpus score S at the threshold. */
  readonly raw: number;
  /** 100 · (S − S_null) / (S_perfect − S_null). */
  readonly normalized: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly windows: number;
}

export interface NabScoreOptions {
  /** Fixed thresholds per profile (e.g. config/thresholds.json); absent profiles are optimised. */
  thresholds?: Partial<Record<NabProfile, number>>;
  /** Cost matrices. @default NAB_PROFILES */
  profiles?: Partial<Record<NabProfile, NabCostMatrix>>;
}

/** Scores a detector's output on a corpus under each profile (NAB's optimise + score + normalise). */
export function scoreNab(
  corpus: readonly NabScoredSeries[],
  options: NabScoreOptions = {},
): NabProfileResult[] {
  return NAB_PROFILE_NAMES.map((profile) => {
    const cost = options.profiles?.[profile] ?? NAB_PROFILES[profile];
    const points = sweepCorpus(corpus, cost);
    const rows = scoresByThreshold(points, cost);
    const fixed = options.thresholds?.[profile];
    const row = fixed !== undefined
      ? rowAt(rows, fixed)
      : rows.reduce((a, b) => (b.score > a.score ? b : a), rows[0]);
    const windows = points.windowCount;
    const perfect = windows * cost.tpWeight;
    const nullScore = -cost.fnWeight * points.counted;
    return {
      profile,
      threshold: fixed ?? row.threshold,
      raw: row.score,
      normalized: 100 * (row.score - nullScore) / (perfect - nullScore),
      tp: row.tp,
      fp: row.fp,
      fn: row.fn,
      windows,
    };
  });
}

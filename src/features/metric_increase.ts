/**
 * The increase of a cumulative metric series (an OTLP cumulative sum, histogram or summary) over one window,
 * from its points in the window and, where known, the series' previous point (the last point of an earlier
 * window), with resets handled the way OpenTelemetry and Prometheus define them:
 *
 * - a point whose `start_ms` differs from the one before it (both set), or whose value drops below the one
 *   before it (monotonic series; a histogram's count always is), starts over: its own value is the increase
 *   since the reset;
 * - otherwise the increase is the difference of the two values (negative for an up-down counter going down).
 *
 * With no previous point (the series' first window, or the first window after the reducer restarted) the
 * increase is measured between the window's own points; a first point whose series started inside the window
 * (`start_ms ≥ window_start_ms`) counts in full, as its whole value accrued there. Pure: no I/O, no clock.
 */

/**
 * One point of a cumulative series: `[time_ms, start_ms, value, sum]`. For sums `value` is the cumulative
 * value and `sum` is 0; for histograms and summaries `value` is the observation count and `sum` their sum.
 */
export type CumulativePoint = [time_ms: number, start_ms: number, value: number, sum: number];

export interface CumulativeIncrease {
  /** Increase of the value (sums) or of the observation count (histograms, summaries). */
  value: number;
  /** Increase of the observations' sum (histograms, summaries; 0 for sums). */
  sum: number;
  /** Where the increase is measured from: the previous point's time, or the series' start. */
  since_ms: number;
  /** Resets seen (start time changed or value fell). */
  resets: number;
}

/** Total order on points: by time, then start, value and sum (so sorting does not depend on input order). */
export function comparePoints(a: CumulativePoint, b: CumulativePoint): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3];
}

/**
 * The points worth keeping of a series in one window, sorted and without exact duplicates: the first and
 * the latest `max_points − 1`. The result depends only on the set of points (it is the same whether the set
 * came in one piece or was merged from parts in any order, each part compacted or not), which keeps window
 * aggregates mergeable. The points left out sit between kept ones, so the increase over the kept points is
 * exact unless a reset hides among them.
 */
export function compactPoints(points: CumulativePoint[], max_points: number): CumulativePoint[] {
  if (!(Number.isInteger(max_points) && max_points >= 2)) {
    throw new RangeError(
      `Cannot compact points as max_points must be an integer >= 2: current value is ${max_points}`,
    );
  }
  points.sort(comparePoints);
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    if (n > 0 && comparePoints(points[n - 1], points[i]) === 0) continue;
    points[n++] = points[i];
  }
  points.length = n;
  if (n > max_points) points.splice(1, n - max_points);
  return points;
}

/**
 * The increase over `points` (sorted ascending, as {@link compactPoints} leaves them), measured from
 * `baseline` when given (a point earlier than all of them). Null when it cannot be known: a single point
 * with no baseline whose series started before the window.
 */
export function cumulativeIncrease(
  points: readonly CumulativePoint[],
  options: {
    window_start_ms: number;
    baseline?: CumulativePoint;
    /** Whether a falling value means a reset (false for up-down counters). @default true */
    monotonic?: boolean;
  },
): CumulativeIncrease | null {
  const monotonic = options.monotonic ?? true;
  let prev = options.baseline;
  if (prev !== undefined && points.length > 0 && prev[0] >= points[0][0]) prev = undefined;
  let value = 0, sum = 0, resets = 0, since = NaN;
  for (const p of points) {
    if (prev === undefined) {
      if (p[1] > 0 && p[1] >= options.window_start_ms && p[1] <= p[0]) {
        value += p[2];
        sum += p[3];
        since = p[1];
      }
    } else {
      if (Number.isNaN(since)) since = prev[0];
      const restarted = p[1] > 0 && prev[1] > 0 && p[1] !== prev[1];
      if (restarted || (monotonic && p[2] < prev[2])) {
        resets++;
        value += p[2];
        sum += p[3];
      } else {
        value += p[2] - prev[2];
        sum += p[3] - prev[3];
      }
    }
    prev = p;
  }
  return Number.isNaN(since) ? null : { value, sum, since_ms: since, resets };
}

/** Shared helpers for localizers: finding the onset in a frame, and sorting candidates deterministically. */
import type { LocalizeInput, MetricFrame, RootCauseCandidate } from "../core/rca.ts";

/**
 * Index of the first window at or after `t_ms`. Throws RangeError when `t_ms` is outside the frame, or
 * leaves fewer than `min_before` windows before it (no baseline to compare against).
 */
export function onsetIndex(frame: MetricFrame, t_ms: number, options: { min_before?: number } = {}): number {
  const times = frame.times_ms;
  const n = times.length;
  const minBefore = options.min_before ?? 1;
  if (n === 0) {
    throw new RangeError("Cannot localize as the frame has no windows: current value is 0 windows");
  }
  const end = times[n - 1] + frame.step_ms;
  if (!(t_ms >= times[0] && t_ms < end)) {
    throw new RangeError(
      `Cannot localize as anomaly_start_ms must fall inside the frame [${
        times[0]
      }, ${end}): current value is ${t_ms}`,
    );
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t_ms) lo = mid + 1;
    else hi = mid;
  }
  if (lo < minBefore) {
    throw new RangeError(
      `Cannot localize as anomaly_start_ms leaves ${lo} baseline windows (need ${minBefore}): current value is ${t_ms}`,
    );
  }
  return lo;
}

/** Best first; ties broken by service name (the Localizer contract). */
export function sortCandidates(c: RootCauseCandidate[]): RootCauseCandidate[] {
  return c.sort((a, b) => b.score - a.score || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** Every service named by the frame, the graph, the spans or the logs. */
export function servicesOf(input: LocalizeInput): string[] {
  const s = new Set<string>(input.frame.series.keys());
  for (const n of input.graph?.nodes ?? []) if (n.kind === "service") s.add(n.id);
  for (const sp of input.spans ?? []) s.add(sp.service);
  for (const l of input.logs ?? []) s.add(l.service);
  return [...s].sort();
}

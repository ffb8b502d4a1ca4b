/** Replays a MetricFrame through a Detector, window by window (what the streaming stage does live). */
import type { MetricFrame } from "../core/rca.ts";
import type { DetectionResult, Detector } from "./detector.ts";

/** Returns, per window index, the result for every service (services in name order). */
export function detectFrame(detector: Detector, frame: MetricFrame): DetectionResult[][] {
  const services = [...frame.series.keys()].sort();
  const out: DetectionResult[][] = [];
  for (let t = 0; t < frame.times_ms.length; t++) {
    const row: DetectionResult[] = [];
    for (const s of services) {
      const values = new Map<string, number>();
      for (const [ind, col] of frame.series.get(s)!) values.set(ind, col[t]);
      row.push(detector.observe(s, { time_ms: frame.times_ms[t], values }));
    }
    out.push(row);
  }
  return out;
}

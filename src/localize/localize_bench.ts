/**
 * deno bench -A src/localize/localize_bench.ts
 * Localization + classification of one incident on a 50-service graph (target <= 10 ms), and the
 * detectors over 1,000 services' windows (one 10 s window of 4 indicators each). The stream defaults
 * (config/vigil.yaml: detector robust_effect, localizer anomaly_descent) come first in each group.
 */
import type { LocalizeInput, MetricFrame } from "../core/rca.ts";
import { classifyFault } from "../classify/fault_classifier.ts";
import { createDetector } from "../detect/registry.ts";
import { mulberry32 } from "../core/mulberry32.ts";
import { createLocalizer } from "./registry.ts";

const rnd = mulberry32(5);
const S = 50, N = 180, ONSET = 150, STEP = 10_000;
const series = new Map<string, Map<string, Float64Array>>();
for (let s = 0; s < S; s++) {
  const m = new Map<string, Float64Array>();
  for (const ind of ["cpu", "mem", "latency_p99", "error_rate"]) {
    m.set(
      ind,
      Float64Array.from(
        { length: N },
        (_, t) => 10 + rnd() + (s === 17 && ind === "cpu" && t >= ONSET ? 20 : 0),
      ),
    );
  }
  series.set(`svc-${s}`, m);
}
const frame: MetricFrame = { times_ms: Array.from({ length: N }, (_, i) => i * STEP), step_ms: STEP, series };
const graph = {
  nodes: [...series.keys()].map((id) => ({ id, kind: "service" as const })),
  edges: Array.from(
    { length: S - 1 },
    (_, i) => ({ caller: `svc-${Math.floor(i / 2)}`, callee: `svc-${i + 1}`, calls: 1, errors: 0 }),
  ),
};
const input: LocalizeInput = { frame, graph, anomaly_start_ms: ONSET * STEP };
for (const name of ["anomaly_descent", "baro", "pagerank", "spectral_attention", "ensemble"]) {
  const loc = createLocalizer(name);
  Deno.bench(`${name} + classify, 50 services x 4 indicators x 180 windows`, { group: "localize" }, () => {
    // (a new input object each time, as each incident has: what is computed once per input is not cached
    // across iterations)
    const fresh = { ...input };
    const r = loc.localize(fresh);
    classifyFault(fresh, r[0]);
  });
}
for (
  const name of ["robust_effect", "robust_score", "nsigma", "bocpd", "spectral_residual", "isolation_forest"]
) {
  const det = createDetector(name);
  let t = 0;
  const windows = Array.from(
    { length: 1000 },
    () => new Map([["cpu", 0], ["mem", 0], ["latency_p99", 0], ["error_rate", 0]]),
  );
  Deno.bench(`${name}: one window of 1,000 services x 4 indicators`, { group: "detect" }, () => {
    t++;
    for (let s = 0; s < 1000; s++) {
      const v = windows[s];
      for (const k of v.keys()) v.set(k, 10 + rnd());
      det.observe(`svc-${s}`, { time_ms: t * STEP, values: v });
    }
  });
}

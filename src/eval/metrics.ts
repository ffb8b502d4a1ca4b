/**
 * Evaluation metrics on ranked root-cause candidates, all pure. Rates are fractions in [0, 1].
 *
 * - AC@k: share of cases whose root-cause service is among the top k candidates (RCAEval's AC@k, the Nezha
 *   study's AS@k).
 * - Avg@k: mean of AC@1 … AC@k.
 * - Indicator AC@k: share of cases where one of the top k candidates names the right service *and* the
 *   right indicator (the Nezha study's AIS@k). Indicators compare by {@link indicatorMatches}.
 * - Fault-type accuracy: share of labelled cases whose predicted fault type equals the label (a missing
 *   prediction counts as wrong).
 * - Detection delay: (detection time − fault start) / window, median and p90 over detected cases.
 * - False incidents per service-day: incidents raised on fault-free data / (services × days observed).
 */
import type { FaultType, LabelledCase, RootCauseCandidate } from "../core/rca.ts";
import { indicatorFamily } from "../core/indicator_family.ts";

/** One evaluated case: the label and what the method said. */
export interface CaseOutcome {
  readonly label: LabelledCase;
  readonly ranking: readonly RootCauseCandidate[];
  readonly predicted_fault_type?: FaultType | null;
}

/** 1-based rank of the true service, or Infinity when absent. */
export function serviceRank(outcome: CaseOutcome): number {
  const i = outcome.ranking.findIndex((c) => c.service === outcome.label.root_cause_service);
  return i < 0 ? Infinity : i + 1;
}

/**
 * Names that mean the same indicator across datasets and localizers: Nezha's root-cause file names a
 * trace-derived "NetworkP90(ms)" that its metric files carry as the pods' P90 latencies. The latency of
 * calls into the service as its callers measure it (Vigil's `edge_in_latency_*`, Nezha's edge files as
 * `EdgeLatencyP50(s)<-caller@side`) measures the same network path: see {@link NETWORK_LATENCY_VIEWS}.
 */
const INDICATOR_ALIASES: Readonly<Record<string, readonly string[]>> = {
  "networkp90(ms)": ["podclientlatencyp90(s)", "podserverlatencyp90(s)", "network_delay", "latency_p90"],
  "cpuusagerate(%)": ["cpuusage(m)", "cpu"],
  "memoryusagerate(%)": ["memoryusage(mi)", "mem", "memory"],
};

/** Callers' view of the latency of calls into a service (what a network delay on its path raises). */
const NETWORK_LATENCY_VIEWS = /^(edge_in_latency_p\d+|edgelatencyp\d+\(s\)<-.+)$/;

/**
 * The simulator labels a resource or network fault with a kind of indicator ("cpu", "mem", ...), not a
 * metric name (src/sim/faults.ts): a candidate names it when its indicator is of that family, whatever the
 * metric (`k8s.pod.cpu.time`, `container.cpu.utilization`, ...). A network delay is named by what its
 * callers measured of the calls into the service, or by a network or latency indicator of its own.
 */
const FAULT_KIND_FAMILIES: Readonly<Record<string, (candidate: string) => boolean>> = {
  cpu: (c) => indicatorFamily(c) === "cpu",
  mem: (c) => indicatorFamily(c) === "memory",
  network_latency: (c) =>
    NETWORK_LATENCY_VIEWS.test(c) || ["network", "latency"].includes(indicatorFamily(c)),
  packet_loss: (c) => indicatorFamily(c) === "network" || c === "edge_in_errors",
  disk_io: (c) => indicatorFamily(c) === "disk",
  restarts: (c) => indicatorFamily(c) === "restarts",
};

/**
 * Whether a candidate's indicator names the labelled one: equal ignoring case, a documented alias, an
 * indicator of the simulator's labelled kind ({@link FAULT_KIND_FAMILIES}), or, for a Nezha log-event pair
 * label ("Start charge card_Charge successfully"), equal to either event.
 */
export function indicatorMatches(candidate: string | undefined, label: string | undefined): boolean {
  if (!candidate || !label) return false;
  const c = candidate.trim().toLowerCase(), l = label.trim().toLowerCase();
  if (c === l) return true;
  if (INDICATOR_ALIASES[l]?.includes(c)) return true;
  if (l === "networkp90(ms)" && NETWORK_LATENCY_VIEWS.test(c)) return true;
  if (FAULT_KIND_FAMILIES[l]) return FAULT_KIND_FAMILIES[l](c);
  if (l.includes("_") && !/^[a-z]+_\d+$/.test(l)) {
    const stripped = c.replace(/\s*<\*>\s*/g, " ").trim();
    return l.split("_").some((event) => event.trim() === c || event.trim() === stripped);
  }
  return false;
}

/** 1-based rank of the first candidate naming the right service and indicator, or Infinity. */
export function indicatorRank(outcome: CaseOutcome): number {
  const i = outcome.ranking.findIndex((c) =>
    c.service === outcome.label.root_cause_service &&
    indicatorMatches(c.indicator, outcome.label.root_cause_indicator)
  );
  return i < 0 ? Infinity : i + 1;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`Cannot compute AC@k as k must be an integer >= 1: current value is ${k}`);
  }
}

/** AC@k over cases; null when there is no case. */
export function acAtK(outcomes: readonly CaseOutcome[], k: number): number | null {
  checkK(k);
  if (outcomes.length === 0) return null;
  return outcomes.filter((o) => serviceRank(o) <= k).length / outcomes.length;
}

/** Avg@k = mean of AC@1 … AC@k; null when there is no case. */
export function avgAtK(outcomes: readonly CaseOutcome[], k: number): number | null {
  checkK(k);
  if (outcomes.length === 0) return null;
  let sum = 0;
  for (let j = 1; j <= k; j++) sum += acAtK(outcomes, j)!;
  return sum / k;
}

/** Indicator AC@k over the cases that have a labelled indicator; null when none has. */
export function indicatorAcAtK(outcomes: readonly CaseOutcome[], k: number): number | null {
  checkK(k);
  const labelled = outcomes.filter((o) => o.label.root_cause_indicator !== undefined);
  if (labelled.length === 0) return null;
  return labelled.filter((o) => indicatorRank(o) <= k).length / labelled.length;
}

/**
 * Fault-type accuracy over cases with a labelled fault type; null when none is labelled or no case has a
 * prediction at all (no classifier ran).
 */
export function faultTypeAccuracy(outcomes: readonly CaseOutcome[]): number | null {
  const labelled = outcomes.filter((o) => o.label.fault_type !== undefined);
  if (labelled.length === 0 || labelled.every((o) => o.predicted_fault_type === undefined)) return null;
  return labelled.filter((o) => o.predicted_fault_type === o.label.fault_type).length / labelled.length;
}

/** The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot take a quantile as q must be in [0, 1]: current value is ${q}`);
  }
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = (v.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/** Detection delays in windows: detected_ms null = missed (counted apart, not in the quantiles). */
export function detectionDelay(
  detections: readonly { fault_start_ms: number; detected_ms: number | null }[],
  options: { window_ms: number },
): { median: number | null; p90: number | null; detected: number; missed: number } {
  if (!(options.window_ms > 0)) {
    throw new RangeError(
      `Cannot compute delays as window_ms must be > 0: current value is ${options.window_ms}`,
    );
  }
  const delays = detections.filter((d) => d.detected_ms !== null)
    .map((d) => (d.detected_ms! - d.fault_start_ms) / options.window_ms);
  return {
    median: quantile(delays, 0.5),
    p90: quantile(delays, 0.9),
    detected: delays.length,
    missed: detections.length - delays.length,
  };
}

/** False incidents per service-day; null when nothing fault-free was observed. */
export function falseIncidentsPerServiceDay(
  incidents: number,
  options: { services: number; observed_ms: number },
): number | null {
  const serviceDays = options.services * options.observed_ms / 86_400_000;
  return serviceDays > 0 ? incidents / serviceDays : null;
}

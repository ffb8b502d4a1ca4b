import { strictEqual, throws } from "node:assert/strict";
import type { FaultType, RootCauseCandidate } from "../core/rca.ts";
import {
  acAtK,
  avgAtK,
  type CaseOutcome,
  detectionDelay,
  falseIncidentsPerServiceDay,
  faultTypeAccuracy,
  indicatorAcAtK,
  indicatorMatches,
  quantile,
} from "./metrics.ts";

function outcome(
  truth: string,
  ranked: string[],
  extra: { indicator?: string; indicators?: string[]; type?: FaultType; predicted?: FaultType | null } = {},
): CaseOutcome {
  return {
    label: {
      id: truth,
      dataset: "hand",
      root_cause_service: truth,
      fault_start_ms: 0,
      ...(extra.indicator ? { root_cause_indicator: extra.indicator } : {}),
      ...(extra.type ? { fault_type: extra.type } : {}),
    },
    ranking: ranked.map((service, i): RootCauseCandidate => ({
      service,
      score: ranked.length - i,
      evidence: [],
      ...(extra.indicators?.[i] ? { indicator: extra.indicators[i] } : {}),
    })),
    ...(extra.predicted !== undefined ? { predicted_fault_type: extra.predicted } : {}),
  };
}

// ranks of the truth: 1, 2, 3, absent
const cases = [
  outcome("a", ["a", "b", "c"]),
  outcome("b", ["a", "b", "c"]),
  outcome("c", ["a", "b", "c"]),
  outcome("d", ["a", "b", "c"]),
];

Deno.test("acAtK() counts the truth within the top k", () => {
  strictEqual(acAtK(cases, 1), 0.25);
  strictEqual(acAtK(cases, 2), 0.5);
  strictEqual(acAtK(cases, 3), 0.75);
  strictEqual(acAtK(cases, 5), 0.75);
  strictEqual(acAtK([], 1), null);
  throws(() => acAtK(cases, 0), /current value is 0/);
});

Deno.test("avgAtK() is the mean of AC@1..AC@k", () => {
  strictEqual(avgAtK(cases, 5), (0.25 + 0.5 + 0.75 + 0.75 + 0.75) / 5);
  strictEqual(avgAtK(cases, 1), 0.25);
});

Deno.test("indicatorAcAtK() needs the right service and indicator, over labelled cases only", () => {
  const c = [
    outcome("a", ["a", "b"], { indicator: "cpu", indicators: ["cpu", "mem"] }), // rank 1
    outcome("b", ["a", "b"], { indicator: "mem", indicators: ["mem", "mem"] }), // rank 2 (a's mem is wrong service)
    outcome("a", ["a", "b"], { indicator: "mem", indicators: ["cpu", "mem"] }), // absent: b's mem is wrong service
    outcome("a", ["a"]), // no indicator label: excluded
  ];
  strictEqual(indicatorAcAtK(c, 1), 1 / 3);
  strictEqual(indicatorAcAtK(c, 2), 2 / 3);
  strictEqual(indicatorAcAtK([outcome("a", ["a"])], 1), null);
});

Deno.test("indicatorMatches() accepts case, aliases and either event of a Nezha log pair", () => {
  strictEqual(indicatorMatches("CPUUSAGERATE(%)", "CpuUsageRate(%)"), true);
  strictEqual(indicatorMatches("PodServerLatencyP90(s)", "NetworkP90(ms)"), true);
  // the callers' view of the latency into the service is the network path's latency too
  strictEqual(indicatorMatches("EdgeLatencyP50(s)<-frontend@source", "NetworkP90(ms)"), true);
  strictEqual(indicatorMatches("edge_in_latency_p90", "NetworkP90(ms)"), true);
  strictEqual(indicatorMatches("edge_in_errors", "NetworkP90(ms)"), false);
  strictEqual(indicatorMatches("EdgeLatencyP50(s)<-frontend@source", "CpuUsageRate(%)"), false);
  strictEqual(indicatorMatches("Charge successfully", "Start charge card_Charge successfully"), true);
  strictEqual(indicatorMatches("lat_50", "lat_90"), false);
  strictEqual(indicatorMatches(undefined, "cpu"), false);
});

Deno.test("indicatorMatches() reads the simulator's fault-kind labels as families of indicators", () => {
  strictEqual(indicatorMatches("k8s.pod.cpu.time", "cpu"), true);
  strictEqual(indicatorMatches("k8s.pod.memory.working_set", "mem"), true);
  strictEqual(indicatorMatches("k8s.pod.memory.working_set", "cpu"), false);
  strictEqual(indicatorMatches("edge_in_latency_p90", "network_latency"), true);
  strictEqual(indicatorMatches("k8s.pod.cpu.time", "network_latency"), false);
  strictEqual(indicatorMatches("k8s.pod.network.errors", "packet_loss"), true);
  strictEqual(indicatorMatches("container.disk.operation_time", "disk_io"), true);
  strictEqual(indicatorMatches("rate", "restarts"), false);
  // a code fault's label is its endpoint: only that operation names it
  strictEqual(indicatorMatches("callers_log_errors", "GET /cart"), false);
});

Deno.test("faultTypeAccuracy() counts a missing prediction as wrong and is null without a classifier", () => {
  const c = [
    outcome("a", ["a"], { type: "cpu", predicted: "cpu" }),
    outcome("a", ["a"], { type: "memory", predicted: "cpu" }),
    outcome("a", ["a"], { type: "memory", predicted: null }),
    outcome("a", ["a"], { type: "cpu", predicted: "cpu" }),
  ];
  strictEqual(faultTypeAccuracy(c), 0.5);
  strictEqual(faultTypeAccuracy([outcome("a", ["a"], { type: "cpu" })]), null);
});

Deno.test("quantile() interpolates between order statistics", () => {
  strictEqual(quantile([4, 1, 3, 2], 0.5), 2.5);
  strictEqual(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9), 10);
  strictEqual(quantile([], 0.5), null);
});

Deno.test("detectionDelay() reports windows to detection and counts misses apart", () => {
  const d = detectionDelay([
    { fault_start_ms: 0, detected_ms: 10_000 },
    { fault_start_ms: 100_000, detected_ms: 130_000 },
    { fault_start_ms: 0, detected_ms: null },
  ], { window_ms: 10_000 });
  strictEqual(d.median, 2);
  strictEqual(d.p90, 2.8);
  strictEqual(d.detected, 2);
  strictEqual(d.missed, 1);
});

Deno.test("falseIncidentsPerServiceDay() divides by services × days", () => {
  strictEqual(falseIncidentsPerServiceDay(6, { services: 12, observed_ms: 12 * 3_600_000 }), 1);
  strictEqual(falseIncidentsPerServiceDay(1, { services: 0, observed_ms: 1 }), null);
});

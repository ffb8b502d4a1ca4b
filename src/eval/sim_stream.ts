/**
 * In-process streaming evaluation on the simulator: the live pipeline's own pure parts, without a bus.
 *
 * One simulation per topology runs a fault-free warm-up, then N planned faults separated by fault-free
 * gaps (src/sim/fault_plan.ts). Its OTLP protobuf bytes go, tick by tick, through the feature engine's pure
 * code — {@link Extractor} (what a feature worker runs per message) → {@link WindowReducer} (what the
 * reducer runs, watermark and lateness included) and {@link GraphAssembler} (the service graph) — and the
 * FEATURES records come out in event-time order into the same {@link IncidentEngine} the incidents stage
 * drives, with the graph as of each completed window (30 windows of look-back, as the runtime asks for).
 * What is measured is what runs; only NATS is left out.
 *
 * Scoring (`matchIncidents` of stream_eval.ts): an incident belongs to a case when its onset lies in
 * [fault_start − 1 window, fault_end + recovery_ms]; the earliest one per case gives the detection delay
 * (its first record's window − fault start, in windows) and its latest revision gives the ranking (AC@k)
 * and the fault type. Other incidents are false: they are counted per service-hour of fault-free traffic
 * (the time outside every case's match interval, times the topology's services).
 */
import type { FeatureRecord } from "../core/feature_record.ts";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import { Extractor } from "../features/extract.ts";
import { WindowReducer } from "../features/window_reducer.ts";
import { GraphAssembler, type GraphWindowJson } from "../graph/graph_assembler.ts";
import { snapshotOf } from "../graph/service_graph.ts";
import { IncidentEngine, type IncidentEngineOptions } from "../incident/incident_engine.ts";
import type { IncidentRecord } from "../incident/incident_record.ts";
import { builtinTopology, createSimulation, encodeSimOtlp, planEndMs, planFaultCases } from "../sim/mod.ts";
import type { BuiltinTopologyName, FaultKind } from "../sim/mod.ts";
import type { PlannedCase } from "../sim/fault_plan.ts";
import { figures, type RcaFigures } from "./harness.ts";
import { detectionDelay, serviceRank } from "./metrics.ts";
import { matchIncidents, pagedCount } from "./stream_eval.ts";

export interface SimStreamOptions {
  /** Fault cases to inject. @default 34 */
  cases?: number;
  /** @default 1 */
  seed?: string | number;
  /** @default 10000 */
  window_ms?: number;
  /** Fault-free lead-in before the first fault. @default 600000 */
  warmup_ms?: number;
  /** @default 180000 */
  fault_duration_ms?: number;
  /** Fault-free time after each fault. @default 420000 */
  gap_ms?: number;
  /** An incident opening this long after a fault's end still belongs to it. @default 120000 */
  recovery_ms?: number;
  /** Options of the IncidentEngine (detector, localizer, ...); the engine's defaults otherwise. */
  engine?: IncidentEngineOptions;
  /** Epoch ms of the simulation start. @default 2026-01-01T00:00:00Z */
  start_ms?: number;
  /** Fault kinds to draw from. @default every kind */
  kinds?: readonly FaultKind[];
}

export interface SimStreamCase {
  readonly id: string;
  readonly service: string;
  readonly kind: string;
  readonly fault_type: string;
  /** 1-based rank of the true service in the matched incident; null when missed or absent. */
  readonly rank: number | null;
  readonly top: readonly string[];
  readonly predicted_fault_type: string | null;
  readonly delay_windows: number | null;
  /** Incidents matched to this case beyond the first (one incident per fault is the goal). */
  readonly extra_incidents: number;
}

export interface SimStreamResult extends RcaFigures {
  readonly topology: string;
  readonly services: number;
  readonly detected: number;
  readonly missed: number;
  readonly delay_windows_median: number | null;
  readonly delay_windows_p90: number | null;
  readonly false_incidents: number;
  /** False incidents that reached a paging severity (critical or major). */
  readonly false_pages: number;
  readonly fault_free_service_hours: number;
  readonly false_per_24_service_hours: number | null;
  readonly duplicate_incidents: number;
  readonly records: number;
  readonly elapsed_ms: number;
  readonly per_case: readonly SimStreamCase[];
  readonly false_alarms: readonly { onset: string; root: string; indicator: string; members: number }[];
}

const TENANT = "default";

/** The built-in topologies `sim:all` runs. */
export const SIM_TOPOLOGIES: readonly string[] = ["online-boutique", "sock-shop", "train-ticket"];

/** Runs one topology through the in-process pipeline and scores it. Deterministic for the same options. */
export function evaluateSimStream(topologyName: string, options: SimStreamOptions = {}): SimStreamResult {
  const started = performance.now();
  const topology = builtinTopology(topologyName as BuiltinTopologyName);
  const window_ms = options.window_ms ?? 10_000;
  const start_ms = options.start_ms ?? Date.UTC(2026, 0, 1);
  const seed = options.seed ?? 1;
  const plan = {
    warmup_ms: options.warmup_ms ?? 600_000,
    fault_duration_ms: options.fault_duration_ms ?? 180_000,
    gap_ms: options.gap_ms ?? 420_000,
  };
  const cases = planFaultCases({
    topology,
    cases: options.cases ?? 34,
    seed,
    start_ms,
    kinds: options.kinds,
    ...plan,
  });
  const end_ms = planEndMs(cases, { start_ms, ...plan });
  const { incidents, records } = runPipeline(
    createSimulation({ topology, seed, start_ms, faults: cases.map((c) => c.fault), encoder: encodeSimOtlp })
      .run(end_ms),
    { window_ms, engine: options.engine },
  );
  const recovery = options.recovery_ms ?? 120_000;
  const match = matchIncidents(incidents, cases, { before_ms: window_ms, after_ms: recovery });
  const delay = detectionDelay(match.detections, { window_ms });
  const services = topology.services.length;
  // fault-free time: the simulated span minus every case's match interval
  let busy = 0;
  for (const c of cases) busy += c.fault_end_ms + recovery - (c.fault_start_ms - window_ms);
  const faultFreeHours = services * Math.max(0, end_ms - start_ms - busy) / 3_600_000;
  const latest = latestRevisions(incidents);
  const inCase = (t: number) =>
    cases.findIndex((c) => t >= c.fault_start_ms - window_ms && t <= c.fault_end_ms + recovery);
  const perCaseCount = new Map<number, number>();
  const falseAlarms: SimStreamResult["false_alarms"][number][] = [];
  for (const r of latest) {
    const k = inCase(r.onset_ms);
    if (k >= 0) perCaseCount.set(k, (perCaseCount.get(k) ?? 0) + 1);
    else {
      falseAlarms.push({
        onset: new Date(r.onset_ms).toISOString(),
        root: r.root_causes[0]?.service ?? "",
        indicator: r.root_causes[0]?.indicator ?? "",
        members: r.anomalous_services.length,
      });
    }
  }
  const per_case = cases.map((c: PlannedCase, k): SimStreamCase => {
    const o = match.outcomes[k];
    const d = match.detections[k];
    const rank = serviceRank(o);
    return {
      id: c.id,
      service: c.root_cause_service,
      kind: c.fault.kind,
      fault_type: c.fault_type,
      rank: Number.isFinite(rank) ? rank : null,
      top: o.ranking.slice(0, 3).map((x) => `${x.service}:${x.indicator ?? ""}`),
      predicted_fault_type: o.predicted_fault_type ?? null,
      delay_windows: d.detected_ms === null ? null : (d.detected_ms - d.fault_start_ms) / window_ms,
      extra_incidents: Math.max(0, (perCaseCount.get(k) ?? 0) - 1),
    };
  });
  return {
    topology: topology.name,
    services,
    ...figures(match.outcomes),
    detected: delay.detected,
    missed: delay.missed,
    delay_windows_median: delay.median,
    delay_windows_p90: delay.p90,
    false_incidents: match.false_incidents,
    false_pages: pagedCount(match.unmatched, match.paged),
    fault_free_service_hours: faultFreeHours,
    false_per_24_service_hours: faultFreeHours > 0 ? 24 * match.false_incidents / faultFreeHours : null,
    duplicate_incidents: per_case.reduce((n, c) => n + c.extra_incidents, 0),
    records,
    elapsed_ms: Math.round(performance.now() - started),
    per_case,
    false_alarms: falseAlarms,
  };
}

function latestRevisions(incidents: readonly IncidentRecord[]): IncidentRecord[] {
  const m = new Map<string, IncidentRecord>();
  for (const r of incidents) {
    const cur = m.get(r.id);
    if (!cur || r.revision > cur.revision) m.set(r.id, r);
  }
  return [...m.values()].sort((a, b) => a.onset_ms - b.onset_ms);
}

/**
 * Feeds OTLP ticks (protobuf bytes per signal) through extract → reduce → IncidentEngine, in process.
 * Returns every incident record emitted (all revisions) and the number of FEATURES records.
 */
export function runPipeline(
  ticks: Iterable<{ encoded?: Partial<Record<"traces" | "metrics" | "logs", Uint8Array>> }>,
  options: { window_ms?: number; engine?: IncidentEngineOptions } = {},
): { incidents: IncidentRecord[]; records: number } {
  const window_ms = options.window_ms ?? 10_000;
  const extractor = new Extractor({ window_ms });
  const reducer = new WindowReducer({ window_ms });
  const assembler = new GraphAssembler({ window_ms });
  const engine = new IncidentEngine({ window_ms, ...options.engine });
  const graphWindows = new Map<number, GraphWindowJson>();
  const lookback = 30 * window_ms; // as src/runtime/stages.ts asks the live graph for
  const graphAsOf = (t_ms: number): ServiceGraphSnapshot => {
    const from = t_ms - lookback;
    const ws: GraphWindowJson[] = [];
    for (let s = Math.floor(from / window_ms) * window_ms; s <= t_ms; s += window_ms) {
      const w = graphWindows.get(s);
      if (w) ws.push(w);
    }
    return snapshotOf(ws, t_ms, from);
  };
  const incidents: IncidentRecord[] = [];
  let records = 0;
  const feed = (recs: FeatureRecord[]) => {
    for (const rec of recs) {
      records++;
      const w = engine.completes(rec);
      const out = engine.onRecord(rec, w ? graphAsOf(w.window_start_ms + window_ms) : undefined);
      incidents.push(...out.incidents);
    }
  };
  let seq = 0;
  for (const tick of ticks) {
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const bytes = tick.encoded?.[signal];
      if (!bytes) continue;
      const src = String(++seq);
      const x = extractor.extract(signal, TENANT, bytes);
      reducer.accept({
        v: 1,
        tenant: TENANT,
        src,
        max_event_ms: x.max_event_ms,
        windows: x.windows.map((w) => w.toJSON()),
      });
      if (x.halves.length > 0 || x.resources.length > 0) {
        assembler.accept({
          v: 1,
          tenant: TENANT,
          src,
          max_event_ms: x.max_event_ms,
          halves: x.halves,
          resources: x.resources,
        });
      }
    }
    for (const w of assembler.close().windows) graphWindows.set(w.window_start_ms, w);
    for (const s of graphWindows.keys()) {
      if (s < reducer.watermark_ms - 2 * lookback) graphWindows.delete(s);
    }
    feed(reducer.close().records);
  }
  for (const w of assembler.close({ all: true }).windows) graphWindows.set(w.window_start_ms, w);
  feed(reducer.close({ all: true }).records);
  for (const p of engine.pendingWindows()) {
    incidents.push(...engine.flush(p.tenant, graphAsOf(p.window_start_ms + window_ms)));
  }
  return { incidents, records };
}

const f3 = (v: number | null) => (v === null ? "—" : v.toFixed(3));
const f1 = (v: number | null) => (v === null ? "—" : v.toFixed(1));

/** A compact table, one row per topology. */
export function renderSimStreamTable(results: readonly SimStreamResult[]): string {
  const head = [
    "topology",
    "cases",
    "detected",
    "AC@1",
    "AC@3",
    "delay med",
    "delay p90",
    "false/24 svc-h",
    "false",
    "paged",
    "dup",
    "type acc",
    "s",
  ];
  const rows = results.map((r) => [
    r.topology,
    String(r.cases),
    String(r.detected),
    f3(r.ac_at_1),
    f3(r.ac_at_3),
    f1(r.delay_windows_median),
    f1(r.delay_windows_p90),
    f3(r.false_per_24_service_hours),
    `${r.false_incidents}/${r.fault_free_service_hours.toFixed(0)}h`,
    String(r.false_pages),
    String(r.duplicate_incidents),
    f3(r.fault_type_accuracy),
    (r.elapsed_ms / 1000).toFixed(1),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/**
 * Simulated RCA cases for the evaluation harness (`deno task eval --dataset sim:<topology>`): each case is
 * its own simulation (seeded per case) of a fault-free lead-in followed by one planned fault, reduced to
 * what a Localizer reads — a {@link MetricFrame} of per-service indicators on a regular grid, the service
 * graph, span summaries around the onset and log-template counts.
 *
 * Indicators per service (the names the ground truth uses, so indicator accuracy is meaningful):
 * `latency_p50`, `latency_p99` (ms, own server spans; for databases, as callers see them), `error_rate`,
 * `rps`, `cpu` (cores), `mem` (working set, MB), `network_latency` (p90 ms of calls into the service as its
 * callers see them), `packet_loss` (retransmissions and refused connections per s), `disk_io` (disk time,
 * s/s), `restarts`, `gc` (GC time, s/s) and, per server operation, its error rate under the operation's
 * name (the indicator of code faults).
 */
import type {
  GraphEdge,
  LabelledCase,
  LogTemplateSeries,
  MetricFrame,
  OfflineCase,
  ServiceGraphSnapshot,
  SpanSummary,
} from "../core/rca.ts";
import type { RcaDataset } from "../replay/dataset.ts";
import { planFaultCases } from "./fault_plan.ts";
import type { FaultKind } from "./faults.ts";
import { SpanKind, StatusCode } from "./otlp_json.ts";
import { createSimulation, type SimulationTick } from "./simulation.ts";
import { quantile } from "./tick_summary.ts";
import { resolveTopology } from "./topologies/mod.ts";
import type { Topology } from "./topology.ts";

export interface SimDatasetOptions {
  /** A built-in name, a topology file path, or a validated topology. */
  readonly topology: string | Topology;
  readonly cases: number;
  /** @default 1 */
  readonly seed?: string | number;
  /** Frame grid (Vigil's window). @default 10000 */
  readonly step_ms?: number;
  /** Fault-free time before each fault. @default 600000 */
  readonly lead_ms?: number;
  /** @default 180000 */
  readonly fault_duration_ms?: number;
  /** Span summaries are kept for [onset − span_window_ms, onset + span_window_ms). @default 60000 */
  readonly span_window_ms?: number;
  /** @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Epoch ms of the first case's start. @default 2026-01-01T00:00:00Z */
  readonly start_ms?: number;
}

export async function simDataset(options: SimDatasetOptions): Promise<RcaDataset> {
  const topology = typeof options.topology === "string"
    ? await resolveTopology(options.topology)
    : options.topology;
  const name = `sim:${topology.name}`;
  const seed = options.seed ?? 1;
  const step = options.step_ms ?? 10_000;
  const lead = options.lead_ms ?? 600_000;
  const duration = options.fault_duration_ms ?? 180_000;
  const spanWindow = options.span_window_ms ?? 60_000;
  const planned = planFaultCases({
    topology,
    cases: options.cases,
    seed,
    start_ms: options.start_ms ?? Date.UTC(2026, 0, 1),
    warmup_ms: lead,
    fault_duration_ms: duration,
    gap_ms: lead,
    kinds: options.kinds,
    dataset: name,
  });
  return {
    kind: "rca",
    name,
    size: planned.length,
    async *cases(): AsyncIterable<OfflineCase> {
      for (const c of planned) {
        const from = c.fault_start_ms - lead;
        const sim = createSimulation({
          topology,
          seed: `${seed}:${c.id}`,
          start_ms: from,
          faults: [c.fault],
        });
        const input = caseInput(sim.run(c.fault_end_ms), {
          from_ms: from,
          to_ms: c.fault_end_ms,
          step_ms: step,
          spans_from_ms: c.fault_start_ms - spanWindow,
          spans_to_ms: c.fault_start_ms + spanWindow,
        });
        const label: LabelledCase = {
          id: c.id,
          dataset: c.dataset,
          root_cause_service: c.root_cause_service,
          root_cause_indicator: c.root_cause_indicator,
          fault_type: c.fault_type,
          fault_start_ms: c.fault_start_ms,
          fault_end_ms: c.fault_end_ms,
        };
        yield { label, input };
        await Promise.resolve(); // let progress bars draw between cases
      }
    },
  };
}

interface Cell {
  server_ms: number[];
  errors: number;
  inbound_ms: number[];
  cpu: number;
  mem: number;
  stamps: Set<string>;
  restarts: number;
  net_errors: number;
  disk_s: number;
  gc_s: number;
  ops: Map<string, { n: number; errors: number }>;
}

/**
 * Reduces simulation ticks to a Localizer's input over [from_ms, to_ms) on a `step_ms` grid.
 */
export function caseInput(
  ticks: Iterable<SimulationTick>,
  options: { from_ms: number; to_ms: number; step_ms: number; spans_from_ms?: number; spans_to_ms?: number },
): OfflineCase["input"] {
  const { from_ms: from, to_ms: to, step_ms: step } = options;
  const n = Math.ceil((to - from) / step);
  const cells = new Map<string, Cell[]>();
  const cell = (svc: string, i: number): Cell => {
    let row = cells.get(svc);
    if (!row) cells.set(svc, row = []);
    return row[i] ??= {
      server_ms: [],
      errors: 0,
      inbound_ms: [],
      cpu: 0,
      mem: 0,
      stamps: new Set(),
      restarts: NaN,
      net_errors: 0,
      disk_s: 0,
      gc_s: 0,
      ops: new Map(),
    };
  };
  const win = (ms: number) => Math.floor((ms - from) / step);
  const edges = new Map<
    string,
    { caller: string; callee: string; calls: number; errors: number; ms: number[] }
  >();
  const spans: SpanSummary[] = [];
  const logs = new Map<string, { service: string; template: string; counts: Float64Array }>();
  const lastCum = new Map<string, number>();
  const nodes = new Map<string, "service" | "virtual">();

  for (const t of ticks) {
    for (const rs of t.traces?.resourceSpans ?? []) {
      const svc = rs.resource.attributes[0].value.stringValue!;
      nodes.set(svc, "service");
      for (const s of rs.scopeSpans[0].spans) {
        const start = Number(s.startTimeUnixNano.slice(0, -3)) / 1000;
        const d = Number(s.endTimeUnixNano.slice(0, -3)) / 1000 - start;
        const i = win(start);
        if (i < 0 || i >= n) continue;
        const err = s.status?.code === StatusCode.ERROR;
        if (s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER) {
          const c = cell(svc, i);
          c.server_ms.push(d);
          if (err) c.errors++;
          let op = c.ops.get(s.name);
          if (!op) c.ops.set(s.name, op = { n: 0, errors: 0 });
          op.n++;
          if (err) op.errors++;
        } else {
          const peer = s.attributes.find((a) => a.key === "peer.service")?.value.stringValue;
          if (peer) {
            cell(peer, i).inbound_ms.push(d);
            if (!nodes.has(peer)) nodes.set(peer, "virtual");
            const key = `${svc}\u0000${peer}`;
            let e = edges.get(key);
            if (!e) edges.set(key, e = { caller: svc, callee: peer, calls: 0, errors: 0, ms: [] });
            e.calls++;
            if (err) e.errors++;
            e.ms.push(d);
          }
        }
        if (
          options.spans_from_ms !== undefined && start >= options.spans_from_ms &&
          start < (options.spans_to_ms ?? Infinity)
        ) {
          spans.push({
            trace_id: s.traceId,
            span_id: s.spanId,
            parent_span_id: s.parentSpanId ?? "",
            service: svc,
            operation: s.name,
            start_ms: start,
            duration_ms: d,
            is_error: err,
          });
        }
      }
    }
    for (const rm of t.metrics?.resourceMetrics ?? []) {
      const attrs = rm.resource.attributes;
      if (attrs[0].key !== "service.name") continue;
      const svc = attrs[0].value.stringValue!;
      const pod = attrs.find((a) => a.key === "k8s.pod.name")!.value.stringValue!;
      if (nodes.get(svc) !== "service") nodes.set(svc, "service");
      for (const m of rm.scopeMetrics[0].metrics) {
        const points = m.gauge?.dataPoints ?? m.sum?.dataPoints;
        if (!points) continue;
        for (const p of points) {
          const ms = Number(p.timeUnixNano.slice(0, -3)) / 1000 - 1; // a point closes its interval
          const i = win(ms);
          if (i < 0 || i >= n) continue;
          const c = cell(svc, i);
          const delta = () => {
            const key = `${pod}|${m.name}|${p.attributes?.[0]?.value.stringValue ?? ""}`;
            const prev = lastCum.get(key);
            lastCum.set(key, p.asDouble);
            return prev === undefined ? 0 : p.asDouble >= prev ? p.asDouble - prev : p.asDouble;
          };
          switch (m.name) {
            case "k8s.pod.cpu.usage":
              c.cpu += p.asDouble;
              c.stamps.add(p.timeUnixNano);
              break;
            case "k8s.pod.memory.working_set":
              c.mem += p.asDouble / 1048576;
              break;
            case "k8s.container.restart_count":
              c.restarts = Math.max(Number.isNaN(c.restarts) ? 0 : c.restarts, p.asDouble);
              break;
            case "k8s.pod.network.errors":
              c.net_errors += delta();
              break;
            case "container.disk.operation_time":
              c.disk_s += delta();
              break;
            case "process.runtime.gc.duration":
              c.gc_s += delta();
              break;
          }
        }
      }
    }
    for (const rl of t.logs?.resourceLogs ?? []) {
      const svc = rl.resource.attributes[0].value.stringValue!;
      for (const r of rl.scopeLogs[0].logRecords) {
        const i = win(Number(r.timeUnixNano.slice(0, -3)) / 1000);
        if (i < 0 || i >= n) continue;
        const template = `${r.severityText} ${maskLog(r.body.stringValue ?? "")}`;
        const key = `${svc}\u0000${template}`;
        let s = logs.get(key);
        if (!s) logs.set(key, s = { service: svc, template, counts: new Float64Array(n) });
        s.counts[i]++;
      }
    }
  }

  const stepS = step / 1000;
  const series = new Map<string, Map<string, Float64Array>>();
  for (const [svc, row] of cells) {
    const ind = new Map<string, Float64Array>();
    const col = (name: string) => {
      let a = ind.get(name);
      if (!a) ind.set(name, a = new Float64Array(n).fill(NaN));
      return a;
    };
    const hasServer = row.some((c) => c && c.server_ms.length > 0);
    for (let i = 0; i < n; i++) {
      const c = row[i];
      if (!c) continue;
      const lat = hasServer ? c.server_ms : c.inbound_ms;
      if (lat.length > 0) {
        col("latency_p50")[i] = quantile(lat, 0.5);
        col("latency_p99")[i] = quantile(lat, 0.99);
      }
      if (hasServer) {
        col("rps")[i] = c.server_ms.length / stepS;
        col("error_rate")[i] = c.server_ms.length > 0 ? c.errors / c.server_ms.length : NaN;
      }
      if (c.inbound_ms.length > 0) col("network_latency")[i] = quantile(c.inbound_ms, 0.9);
      if (c.stamps.size > 0) {
        col("cpu")[i] = c.cpu / c.stamps.size;
        col("mem")[i] = c.mem / c.stamps.size;
        col("packet_loss")[i] = c.net_errors / stepS;
        col("disk_io")[i] = c.disk_s / stepS;
        col("gc")[i] = c.gc_s / stepS;
        col("restarts")[i] = c.restarts;
      }
      for (const [op, v] of c.ops) col(op)[i] = v.errors / v.n;
    }
    series.set(svc, ind);
  }
  const frame: MetricFrame = {
    times_ms: Array.from({ length: n }, (_, i) => from + i * step),
    step_ms: step,
    series,
  };
  const graph: ServiceGraphSnapshot = {
    nodes: [...nodes].sort((a, b) => a[0].localeCompare(b[0])).map(([id, kind]) => ({ id, kind })),
    edges: [...edges.values()].map((e): GraphEdge => ({
      caller: e.caller,
      callee: e.callee,
      calls: e.calls,
      errors: e.errors,
      latency_p50_ms: quantile(e.ms, 0.5),
      latency_p99_ms: quantile(e.ms, 0.99),
    })),
  };
  const logSeries: LogTemplateSeries[] = [...logs.values()].map((s) => ({
    service: s.service,
    template_id: templateId(`${s.service} ${s.template}`),
    template: s.template,
    counts: s.counts,
  }));
  return { frame, graph, spans, logs: logSeries };
}

/** Masks the variable parts of a simulated log line (numbers, hex ids, user names, addresses). */
export function maskLog(body: string): string {
  return body
    .replace(/\b[0-9a-f]{6,}\b/g, "<*>")
    .replace(/\buser\d+\b/g, "<*>")
    .replace(/\b\d+(\.\d+)?\b/g, "<*>")
    .replace(/\b[A-Z]{3}\b(?=<\*>)/g, "<*>");
}

function templateId(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

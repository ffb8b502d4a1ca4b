/**
 * Per-service evidence for multi-modal root-cause analysis: how far each service moved after the onset, by
 * family, measured against its own baseline with robust statistics (median / MAD with a relative floor).
 *
 * Families and what they say about a fault (observed on Nezha's Online Boutique and RCD's Sock Shop):
 * - `cpu`, `memory`, `disk` (resources): the service's own CPU / memory / disk rose. Resource faults (CPU contention, a CPU hog, a
 *   memory leak) raise it at the root only.
 * - `inbound`: the latency of calls INTO the service, as the callers measured it (edge latency indicators,
 *   or client spans whose child runs in the service). A network delay on the root raises it while the
 *   root's own resources stay flat; a slow root raises it too.
 * - `latency`: the service's own latency indicators (server / client percentiles) rose: mostly symptoms,
 *   because a caller waits for its slow callee.
 * - `traffic_loss`: requests the service used to send to its callees vanished while its own traffic held:
 *   the service gives up mid-request (a code defect returning early or throwing).
 * - `duration_collapse`: the service's own server spans became much shorter (it answers without doing its
 *   work), from traces.
 *
 * Pure functions over a {@link LocalizeInput}; nothing is mutated.
 */
import type { LocalizeInput, SpanSummary } from "../../core/rca.ts";
import { onsetIndex } from "../onset.ts";

export type EvidenceFamily =
  | "cpu"
  | "memory"
  | "disk"
  | "inbound"
  | "latency"
  | "traffic_loss"
  | "duration_collapse";

export interface FamilyScore {
  /** Robust z (scaled deviation in the direction that indicates a fault); 0 when absent. */
  readonly z: number;
  /** The indicator (or edge / operation) that gave the score. */
  readonly indicator: string;
  readonly detail: string;
  /** Peak after the onset over the baseline median (resources only): how many times the usage grew. */
  readonly growth?: number;
}

export interface ServiceEvidence {
  readonly service: string;
  readonly families: ReadonlyMap<EvidenceFamily, FamilyScore>;
  /** Callers of this service seen in edge indicators, spans or the graph. */
  readonly callers: ReadonlySet<string>;
  /** Callees of this service. */
  readonly callees: ReadonlySet<string>;
}

export interface EvidenceOptions {
  /** Windows after the onset considered. @default 4 */
  horizon_windows?: number;
  /** Baseline windows before the onset (0: all). @default 0 */
  baseline_windows?: number;
  /** Relative floor of the scale: deviations smaller than this share of the median are noise. @default 0.05 */
  relative_floor?: number;
  /** Traces: baseline span window before the onset, ms. @default 300000 */
  trace_baseline_ms?: number;
  /** Traces: window after the onset, ms. @default 240000 */
  trace_horizon_ms?: number;
}

/** Edge indicators: `EdgeLatencyP50(s)<-caller@side` (Nezha's loader) or `in_latency_*<-caller`. */
const EDGE = /<-([^@\s]+)(?:@(source|destination))?$/;

/** Family of a (non-edge) indicator by name, for Vigil's own features and public datasets' columns. */
export function metricFamily(indicator: string): "resource" | "latency" | "traffic" | "success" | "other" {
  const n = indicator.toLowerCase();
  if (/^node/.test(n)) return "other"; // host gauges are shared by every pod on the node
  if (/success/.test(n)) return "success";
  if (/cpu|mem|heap|rss|disk|iops|fs_/.test(n)) return "resource";
  if (/lat|p50|p90|p95|p99|duration|delay/.test(n)) return "latency";
  if (/workload|lod|load|ops|rps|qps|requests|calls/.test(n)) return "traffic";
  return "other";
}

/** Which resource a resource indicator measures. */
export function resourceKind(indicator: string): "cpu" | "memory" | "disk" {
  const n = indicator.toLowerCase();
  return /cpu/.test(n) ? "cpu" : /mem|heap|rss/.test(n) ? "memory" : "disk";
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Median and scale (1.4826 MAD, floored at `relative_floor` of |median| and a tiny absolute) of values. */
export function robustBaseline(
  values: ArrayLike<number>,
  relative_floor = 0.05,
): { median: number; scale: number } {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) xs.push(values[i]);
  xs.sort((a, b) => a - b);
  const med = median(xs);
  const dev = xs.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
  const scale = Math.max(1.4826 * median(dev), relative_floor * Math.abs(med), 1e-6);
  return { median: med, scale };
}

/**
 * Robust rise of `col` after the onset: the second largest scaled deviation among the post windows (the
 * largest when there is only one), so one outlying minute does not decide; negative for falls.
 */
function rise(col: Float64Array, t0: number, from: number, to: number, floor: number): number {
  const { median: med, scale } = robustBaseline(col.subarray(from, t0), floor);
  if (!Number.isFinite(med)) return NaN;
  const zs: number[] = [];
  for (let i = t0; i < to; i++) if (Number.isFinite(col[i])) zs.push((col[i] - med) / scale);
  if (zs.length === 0) return NaN;
  zs.sort((a, b) => b - a);
  return zs.length > 1 ? zs[1] : zs[0];
}

/** Largest value after the onset over the baseline median (NaN when the median is not positive). */
function peakGrowth(col: Float64Array, t0: number, from: number, to: number): number {
  const base: number[] = [];
  for (let i = from; i < t0; i++) if (Number.isFinite(col[i])) base.push(col[i]);
  const med = median(base.sort((a, b) => a - b));
  let peak = -Infinity;
  for (let i = t0; i < to; i++) if (col[i] > peak) peak = col[i];
  return med > 0 && Number.isFinite(peak) ? peak / med : NaN;
}

/** Windows after the onset where the series had a baseline but now has no value (traffic stopped). */
function vanished(col: Float64Array, t0: number, from: number, to: number): number {
  let before = 0, n = 0;
  for (let i = from; i < t0; i++) if (Number.isFinite(col[i])) before++;
  if (before < (t0 - from) * 0.8) return 0;
  for (let i = t0; i < to; i++) if (!Number.isFinite(col[i])) n++;
  return n;
}

function put(m: Map<EvidenceFamily, FamilyScore>, f: EvidenceFamily, s: FamilyScore): void {
  const cur = m.get(f);
  if (!(s.z > 0)) return;
  if (!cur || s.z > cur.z) m.set(f, s);
}

/** collectEvidence() results with the default options, by input (an input is never mutated). */
const byInput = new WeakMap<LocalizeInput, ReadonlyMap<string, ServiceEvidence>>();

/**
 * Evidence for every service of the input. With the default options it is computed once per input object:
 * the localizer and the classifier of one incident read the same.
 */
export function collectEvidence(
  input: LocalizeInput,
  options: EvidenceOptions = {},
): ReadonlyMap<string, ServiceEvidence> {
  const defaults = Object.keys(options).length === 0;
  const known = defaults ? byInput.get(input) : undefined;
  if (known) return known;
  const out = evidenceOf(input, options);
  if (defaults) byInput.set(input, out);
  return out;
}

function evidenceOf(input: LocalizeInput, options: EvidenceOptions): Map<string, ServiceEvidence> {
  const frame = input.frame;
  const t0 = onsetIndex(frame, input.anomaly_start_ms);
  const n = frame.times_ms.length;
  const from = options.baseline_windows ? Math.max(0, t0 - options.baseline_windows) : 0;
  const to = Math.min(n, t0 + (options.horizon_windows ?? 4));
  const floor = options.relative_floor ?? 0.05;
  const fams = new Map<string, Map<EvidenceFamily, FamilyScore>>();
  const callers = new Map<string, Set<string>>();
  const callees = new Map<string, Set<string>>();
  const link = (caller: string, callee: string) => {
    if (caller === callee) return;
    if (!callers.has(callee)) callers.set(callee, new Set());
    if (!callees.has(caller)) callees.set(caller, new Set());
    callers.get(callee)!.add(caller);
    callees.get(caller)!.add(callee);
  };
  const famOf = (s: string) => {
    let m = fams.get(s);
    if (!m) fams.set(s, m = new Map());
    return m;
  };
  for (const e of input.graph?.edges ?? []) link(e.caller, e.callee);
  // Workload falls, kept to attribute lost traffic to the callers afterwards.
  const lostTraffic = new Map<string, { z: number; indicator: string }>();
  // Services with a traffic indicator of their own (requests received), and falls of their span rate (all
  // their spans: what they received, and the calls they made)
  const measured = new Set<string>();
  const spansFell = new Map<string, number>();
  for (const [service, indicators] of frame.series) {
    const m = famOf(service);
    for (const [indicator, col] of indicators) {
      const edge = EDGE.exec(indicator);
      if (edge) {
        link(edge[1], service);
        // The caller's view (source side) includes the network; prefer it, keep destination as support.
        const z = rise(col, t0, from, to, floor) * (edge[2] === "destination" ? 0.5 : 1);
        put(m, "inbound", { z, indicator, detail: `latency of ${edge[1]}'s calls rose ${fmtZ(z)}` });
        continue;
      }
      const family = metricFamily(indicator);
      if (family === "resource" || family === "latency") {
        const z = rise(col, t0, from, to, floor);
        const f = family === "latency" ? "latency" : resourceKind(indicator);
        const growth = family === "resource" ? peakGrowth(col, t0, from, to) : undefined;
        put(m, f, { z, indicator, detail: `${indicator} rose ${fmtZ(z)}`, ...(growth ? { growth } : {}) });
        if (family === "latency") {
          const gone = vanished(col, t0, from, to);
          if (gone >= 2) {
            const cur = lostTraffic.get(service);
            const z2 = 4 * gone;
            if (!cur || z2 > cur.z) lostTraffic.set(service, { z: z2, indicator });
          }
        }
      } else if (family === "traffic") {
        measured.add(service);
        const z = -rise(col, t0, from, to, floor);
        const cur = lostTraffic.get(service);
        if (z > 0 && (!cur || z > cur.z)) lostTraffic.set(service, { z, indicator });
      } else if (indicator === "rate") {
        const z = -rise(col, t0, from, to, floor);
        if (z > 0) spansFell.set(service, z);
      }
    }
  }
  if (input.spans && input.spans.length > 0) {
    traceEvidence(input.spans, input.anomaly_start_ms, options, famOf, link, lostTraffic);
  }
  // Lost traffic at a callee points at its callers only when the callers' own traffic held.
  for (const [callee, lost] of lostTraffic) {
    const cs = callers.get(callee);
    if (!cs || cs.size === 0) continue;
    for (const c of cs) {
      // what it received: its traffic indicator, or else all it has, its span rate (which falls too when
      // it only calls less, so the claim below is then made only when its spans held)
      const own = Math.max(lostTraffic.get(c)?.z ?? 0, measured.has(c) ? 0 : spansFell.get(c) ?? 0);
      const z = (lost.z - own) / cs.size;
      put(famOf(c), "traffic_loss", {
        z,
        indicator: lost.indicator,
        detail: `calls to ${callee} fell (${fmtZ(lost.z)}) while ${c}'s own traffic held`,
      });
    }
  }
  const out = new Map<string, ServiceEvidence>();
  for (const [service, families] of fams) {
    if (!frame.series.has(service)) continue;
    out.set(service, {
      service,
      families,
      callers: callers.get(service) ?? new Set(),
      callees: callees.get(service) ?? new Set(),
    });
  }
  return out;
}

/**
 * Traces: per service, the duration of its server spans (spans whose parent runs elsewhere) before vs
 * after the onset, and per edge the client-observed duration minus the server's own (network time).
 */
function traceEvidence(
  spans: readonly SpanSummary[],
  onset_ms: number,
  options: EvidenceOptions,
  famOf: (s: string) => Map<EvidenceFamily, FamilyScore>,
  link: (caller: string, callee: string) => void,
  _lost: Map<string, { z: number; indicator: string }>,
): void {
  const lo = onset_ms - (options.trace_baseline_ms ?? 300_000);
  const hi = onset_ms + (options.trace_horizon_ms ?? 240_000);
  const byId = new Map<string, SpanSummary>();
  for (const s of spans) if (s.start_ms >= lo && s.start_ms < hi) byId.set(`${s.trace_id}/${s.span_id}`, s);
  const server = new Map<string, { pre: number[]; post: number[] }>();
  for (const s of byId.values()) {
    const parent = s.parent_span_id ? byId.get(`${s.trace_id}/${s.parent_span_id}`) : undefined;
    if (parent && parent.service === s.service) continue;
    if (parent) link(parent.service, s.service);
    let e = server.get(s.service);
    if (!e) server.set(s.service, e = { pre: [], post: [] });
    (s.start_ms < onset_ms ? e.pre : e.post).push(s.duration_ms);
  }
  for (const [service, e] of server) {
    if (e.pre.length < 20 || e.post.length < 20) continue;
    const pre = median(e.pre.sort((a, b) => a - b)), post = median(e.post.sort((a, b) => a - b));
    // A collapse by a factor f scores like f robust units: answering 100x faster is a strong sign.
    const ratio = (pre + 0.05) / (post + 0.05);
    if (ratio > 4) {
      put(famOf(service), "duration_collapse", {
        z: ratio,
        indicator: "span_duration",
        detail: `server spans fell from a median ${pre.toFixed(1)} ms to ${post.toFixed(1)} ms`,
      });
    }
  }
}

function fmtZ(z: number): string {
  return `${Number.isFinite(z) ? z.toFixed(1) : z} robust units`;
}

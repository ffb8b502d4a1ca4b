/**
 * Root-cause ranking by descending the call graph through anomalous services: a fault shows first and
 * most clearly in its own service, and its callers merely inherit it (they wait, time out, fail). So a
 * service whose anomaly is matched by an anomalous callee is a symptom; a service that is anomalous while
 * every service it calls is healthy explains its callers and is a root.
 *
 * 1. Anomaly of each service: the largest robust rise of any of its indicators after the onset, against
 *    the median of the windows before it, with the scale of src/detect/robust_effect.ts (IQR, but never
 *    below `relative_floor` of the median, nor below the Poisson noise √(median + 1) of a count), so that
 *    streaming and ranking agree on what moved. Traffic (`rate`) counts in both directions, and a
 *    service that reported just before the onset and not since scores the most there is (it stopped).
 * 2. s(S) = ln(1 + anomaly). A service whose callee C (service graph edge S → C) is anomalous too keeps
 *    s(S)·(1 − `explained_discount`·min(1, s(C)/s(S))): fully discounted when its callee moved at least as
 *    much, barely when the callee moved a little. Not when S's largest change is a resource of its own
 *    (CPU, memory, disk, restarts: src/core/indicator_family.ts), which callers do not inherit, nor
 *    when S stopped reporting (a crash is its own).
 * 3. Traffic flows the other way: a callee that receives fewer calls (`rate`, `edge_in_calls`, a workload
 *    fell) does not explain a caller whose own traffic fell, and is itself explained, with the same
 *    discount, by a caller whose traffic fell too or that gave up calling (the traces' `traffic_loss`).
 * 4. A service the input marks `standing` (an older incident's symptom that goes on) explains nothing: its
 *    change was there before this onset.
 *
 * A virtual peer of the graph (an uninstrumented database `mysql/carts-db`, `db.system/db.namespace`)
 * stands for the service that carries its last segment's name, when there is one (the database's own pod
 * metrics). Without a graph it is BARO with effect-size floors. Pure and deterministic.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { effectScale, quantileSorted, sortedFinite } from "../detect/robust_stats.ts";
import { fmt } from "./baro.ts";
import { familyWeight, indicatorFamily, isOwnResource, reportedBySelf } from "../core/indicator_family.ts";
import { collectEvidence } from "./multimodal/evidence.ts";
import { logPointers } from "./log_pointers.ts";
import { onsetIndex, sortCandidates } from "./onset.ts";

export interface AnomalyDescentOptions {
  /** Smallest scale as a share of |median|. @default 0.05 */
  relative_floor?: number;
  /** Robust score at which a service counts as anomalous. @default 5 */
  anomalous_z?: number;
  /** Share of the score a fully explained symptom loses. @default 0.9 */
  explained_discount?: number;
  /** Indicators ignored (ratios whose count is scored instead). @default ["error_rate"] */
  exclude_indicators?: readonly string[];
  /** Indicators scored in both directions (a fall counts too). @default ["rate", "edge_in_calls"] */
  two_sided_indicators?: readonly string[];
  /**
   * Windows after the onset a gauge or a percentile must hold its change for: its change is the k-th
   * largest of its windows since the onset (all of them when fewer), so one jumpy window (the tail
   * percentile of a pod that served a handful of requests) does not decide. Counts keep their largest.
   * @default 2
   */
  persistence_windows?: number;
  /** Weight of the traces' evidence (server spans that collapsed, calls to callees that vanished). @default 0.7 */
  trace_weight?: number;
}

interface Moved {
  /** The robust change, weighted by what its family says about the service ({@link familyWeight}). */
  z: number;
  /** The robust change itself. */
  raw?: number;
  indicator: string;
  median: number;
  peak: number;
  /** The largest change of the service's own indicators (not what its callers observed of it). */
  own?: Moved;
  /** The largest rise of its own resources (CPU, memory, disk, restarts). */
  resource?: Moved;
  /** Evidence, where not a plain indicator's change. */
  note?: string;
  /** What the service did itself (its spans, its calls): not inherited from a callee. */
  own_doing?: boolean;
}

/**
 * Robust change at which every indicator counts as fully moved: beyond it the number says more about the
 * baseline's spread (a series that was exactly 0 has none) than about the change.
 */
const MAX_Z = 1e4;

/** The indicator of a service named by other services' surging error logs. */
export const CALLER_LOGS = "callers_log_errors";

const EDGE_PREFIX = "edge_in_";

/** `X<-caller` or `X<-caller@side`: X of this service as `caller` measured it (src/replay/nezha.ts). */
const CALLER_VIEW = /<-([^\s<@]+)(?:@(?:source|destination))?$/;

interface IndicatorChange {
  readonly indicator: string;
  /** The robust change held for `persistence` windows. */
  readonly raw: number;
  readonly median: number;
  /** The value at that change. */
  readonly peak: number;
}

/** A change of weight w in log space: w·ln(1 + z) = ln(1 + score). */
function scoreOf(raw: number, w: number): number {
  return w === 1 ? raw : Math.expm1(w * Math.log1p(Math.max(0, raw)));
}

/**
 * The robust change of one series after window `t0` against the median of the windows before it: the
 * `persistence`-th largest (all of them when fewer), with the scale of src/detect/robust_effect.ts. Null
 * without a baseline or without a value since.
 */
export function indicatorChange(
  col: ArrayLike<number>,
  t0: number,
  options: { relative_floor: number; two_sided: boolean; persistence: number },
): { raw: number; median: number; peak: number } | null {
  const base = sortedFinite(col, 0, t0);
  if (base.length === 0) return null;
  const median = quantileSorted(base, 0.5);
  const iqr = quantileSorted(base, 0.75) - quantileSorted(base, 0.25);
  // a count (per window) has integers throughout; a rate that was 0 until the onset is not one
  let integral = true;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (Number.isFinite(v) && !(v >= 0 && Number.isInteger(v))) integral = false;
  }
  const scale = effectScale(median, iqr, { relative_floor: options.relative_floor, count: integral });
  const changes: [number, number][] = [];
  for (let i = t0; i < col.length; i++) {
    const v = col[i];
    if (!Number.isFinite(v)) continue;
    const d = (v - median) / scale;
    changes.push([Math.min(MAX_Z, options.two_sided ? Math.abs(d) : d), v]);
  }
  if (changes.length === 0) return null;
  changes.sort((a, b) => b[0] - a[0]);
  // (a count keeps its largest: its scale has the Poisson floor already, and a sparse count's second
  // window says more about the Poisson draw than about the fault)
  const [raw, peak] = changes[integral ? 0 : Math.min(options.persistence, changes.length) - 1];
  return { raw, median, peak };
}

/** The largest robust change of every service's indicators after the onset. */
export function serviceAnomalies(
  input: LocalizeInput,
  options: AnomalyDescentOptions = {},
): Map<string, Moved> {
  const frame = input.frame;
  const t0 = onsetIndex(frame, input.anomaly_start_ms);
  const rel = options.relative_floor ?? 0.05;
  const exclude = new Set(options.exclude_indicators ?? ["error_rate"]);
  const twoSided = new Set(options.two_sided_indicators ?? ["rate", "edge_in_calls"]);
  const persistence = Math.max(1, options.persistence_windows ?? 2);
  const discount = options.explained_discount ?? 0.9;
  const threshold = options.anomalous_z ?? 5;
  // every indicator's change, then each service's largest own resource change
  const changed = new Map<string, IndicatorChange[]>();
  const ownResource = new Map<string, number>();
  for (const [service, indicators] of frame.series) {
    const list: IndicatorChange[] = [];
    for (const [indicator, col] of indicators) {
      if (exclude.has(indicator)) continue;
      const family = indicatorFamily(indicator);
      const c = indicatorChange(col, t0, {
        relative_floor: rel,
        two_sided: twoSided.has(indicator),
        // latencies (percentiles of what a window's requests took, as the service or its callers saw
        // them) must hold their change; a resource or a count's largest window is its own
        persistence: family === "latency" || family === "callers" ? persistence : 1,
      });
      if (!c) continue;
      list.push({ indicator, ...c });
      if (isOwnResource(indicator)) ownResource.set(service, Math.max(ownResource.get(service) ?? 0, c.raw));
    }
    changed.set(service, list);
  }
  // Who calls each service (the graph's edges): what `edge_in_*` indicators aggregate.
  const callersOf = new Map<string, Set<string>>();
  for (const e of input.graph?.edges ?? []) {
    if (e.caller === e.callee) continue;
    if (!callersOf.has(e.callee)) callersOf.set(e.callee, new Set());
    callersOf.get(e.callee)!.add(e.caller);
  }
  const out = new Map<string, Moved>();
  for (const [service, indicators] of frame.series) {
    let best: Moved = { z: 0, indicator: "", median: NaN, peak: NaN };
    let own: Moved = best;
    let resource: Moved = best;
    // the least saturated of its callers (what explains all of their views together), once per service
    const callers = callersOf.get(service);
    const callersRes = callers ? Math.min(...[...callers].map((c) => ownResource.get(c) ?? 0)) : 0;
    for (const { indicator, raw, median: med, peak: v } of changed.get(service)!) {
      const family = indicatorFamily(indicator);
      let z = scoreOf(raw, familyWeight(family));
      // What a caller measured of its calls (`X<-caller@source`) includes its own side: a caller whose own
      // resource is saturated measures every callee slow. Its view counts for what that does not explain.
      // The same holds for what all its callers measured together (`edge_in_*`): as far as the least
      // saturated of them explains it.
      const caller = CALLER_VIEW.exec(indicator)?.[1];
      const callerRes = caller !== undefined
        ? ownResource.get(caller) ?? 0
        : indicator.startsWith(EDGE_PREFIX)
        ? callersRes
        : 0;
      if (callerRes >= threshold && z > 0) {
        const share = Math.min(1, Math.log1p(callerRes) / Math.log1p(z));
        z = Math.expm1(Math.log1p(z) * (1 - discount * share));
      }
      if (z > best.z || (z === best.z && indicator < best.indicator)) {
        best = { z, raw, indicator, median: med, peak: v };
      }
      if (family !== "callers" && (z > own.z || (z === own.z && indicator < own.indicator))) {
        own = { z, raw, indicator, median: med, peak: v };
      }
      if (
        isOwnResource(indicator) && (z > resource.z || (z === resource.z && indicator < resource.indicator))
      ) {
        resource = { z, raw, indicator, median: med, peak: v };
      }
    }
    // A service that reported just before the onset and has not reported since stopped: the strongest
    // evidence there is (a crashed pod sends nothing, its callers only see refused connections).
    // (Its own indicators only: what callers observed of it goes on after it stopped.)
    // (Stopped at the onset or in the window after it: a crash's own last lines can open the incident.)
    // (Nor the cluster's state of it, restart count included: reported whether the pod runs or not.)
    const ownCols = [...indicators].filter(([name]) => reportedBySelf(name)).map(([, col]) => col);
    const n = frame.times_ms.length;
    const seen = (from: number, to: number) =>
      ownCols.some((col) => col.slice(from, to).some(Number.isFinite));
    const stoppedAt = (k: number) => k < n && seen(Math.max(0, k - 3), k) && !seen(k, n);
    if (stoppedAt(t0) || stoppedAt(t0 + 1)) {
      // a restart count that rose names the crash loop; else it stopped sending requests' spans (rate)
      let r: IndicatorChange | undefined;
      for (const c of changed.get(service)!) {
        if (indicatorFamily(c.indicator) !== "restarts" || !(c.peak > c.median)) continue;
        if (r === undefined || c.raw > r.raw) r = c;
      }
      best = own = {
        z: MAX_Z,
        indicator: r?.indicator ?? "rate",
        median: NaN,
        peak: NaN,
        ...(r
          ? {
            note: `stopped reporting at the onset; ${r.indicator} rose to ${fmt(r.peak)} from ${
              fmt(r.median)
            }`,
          }
          : {}),
      };
    }
    if (best.indicator !== "") out.set(service, { ...best, own, resource });
  }
  const traceWeight = options.trace_weight ?? 0.7;
  if (traceWeight > 0) {
    // What the traces say a service did itself: its server spans collapsed (it answers without doing its
    // work), or its calls to a callee vanished while its own traffic held (it gives up mid-request).
    for (const [service, e] of collectEvidence(input)) {
      const cur = out.get(service);
      if (cur && Number.isNaN(cur.median)) continue; // stopped reporting says more
      for (const family of ["duration_collapse", "traffic_loss"] as const) {
        const f = e.families.get(family);
        if (!f || !(f.z > 0)) continue;
        const z = scoreOf(f.z, traceWeight);
        const m = out.get(service);
        if (m && m.z >= z) continue;
        out.set(service, {
          z,
          raw: f.z,
          indicator: f.indicator,
          median: 0,
          peak: 0,
          note: f.detail,
          own_doing: true,
          own: m?.own ?? m,
          resource: m?.resource,
        });
      }
    }
  }
  return out;
}

export class AnomalyDescentLocalizer implements Localizer {
  readonly name = "anomaly_descent";
  constructor(private readonly options: AnomalyDescentOptions = {}) {}

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const moved = serviceAnomalies(input, this.options);
    const threshold = this.options.anomalous_z ?? 5;
    // What callers observed of a service counts only where the caller's own side is ruled out.
    if (input.graph) {
      for (const [service, m] of moved) {
        if (!m.indicator.startsWith(EDGE_PREFIX) || m.z < threshold) continue;
        if (
          !edgeEvidenceHolds(input.graph, service, m.indicator, {
            moved,
            onset_ms: input.anomaly_start_ms,
            threshold,
            relative_floor: this.options.relative_floor ?? 0.05,
          })
        ) {
          if (m.own && m.own.indicator !== "") moved.set(service, { ...m.own, resource: m.resource });
          else moved.delete(service);
        }
      }
    }
    // What callers' error logs say: a surging error template of S that names X points at X (X's own
    // telemetry may be flat: it returns wrong answers), and S's anomaly is X's (src/localize/log_pointers.ts).
    const loggedAbout = new Map<string, string>();
    const corroborated = (svc: string) => {
      const m = moved.get(svc);
      return (m?.own?.z ?? 0) >= threshold || (m !== undefined && Number.isNaN(m.median)) ||
        reportsWithGaps(input, svc);
    };
    for (const p of logPointers(input, { threshold, corroborated })) {
      const cur = moved.get(p.target);
      // (a service that stopped reporting keeps that: it is the stronger evidence, and the type's)
      if (!cur || (cur.z < p.z && !Number.isNaN(cur.median))) {
        moved.set(p.target, {
          z: p.z,
          indicator: CALLER_LOGS,
          median: p.before,
          peak: p.after,
          own: cur?.own ?? cur,
          note: `error logs of ${p.from} name it: "${p.template}" went from ${fmt(p.before)} to ${
            fmt(p.after)
          } per window`,
        });
      }
      if (!loggedAbout.has(p.from)) loggedAbout.set(p.from, p.target);
    }
    const discount = this.options.explained_discount ?? 0.9;
    // the call graph both ways: service → its callees, and service → its callers
    const callees = new Map<string, Set<string>>();
    const callersOf = new Map<string, Set<string>>();
    const add = (m: Map<string, Set<string>>, k: string, v: string) => {
      let s = m.get(k);
      if (!s) m.set(k, s = new Set());
      s.add(v);
    };
    const link = (caller: string, callee: string) => {
      if (caller === callee) return;
      add(callees, caller, callee);
      add(callersOf, callee, caller);
    };
    for (const e of input.graph?.edges ?? []) link(e.caller, serviceOfPeer(e.callee, moved));
    // a caller's view of a service names an edge, where traces missed it
    for (const [service, indicators] of input.frame.series) {
      for (const name of indicators.keys()) {
        const caller = CALLER_VIEW.exec(name)?.[1];
        if (caller !== undefined && input.frame.series.has(caller)) link(caller, service);
      }
    }
    const s = (svc: string) => Math.log1p(Math.max(0, moved.get(svc)?.z ?? 0));
    const out: RootCauseCandidate[] = [];
    for (const [service, m] of moved) {
      const own = s(service);
      let explainedBy = "";
      let share = 0;
      let byCaller = false;
      const named = loggedAbout.get(service);
      const explain = (other: string) => {
        if ((moved.get(other)?.z ?? 0) < threshold || input.standing?.has(other)) return false;
        const r = Math.min(1, s(other) / own);
        if (r > share || (r === share && other < explainedBy)) {
          share = r;
          explainedBy = other;
          return true;
        }
        return false;
      };
      if (named !== undefined) {
        explainedBy = named;
        share = 1;
      } else if (m.z >= threshold && !isOwnResource(m.indicator) && !m.own_doing && !Number.isNaN(m.median)) {
        // (a resource of its own that moved is not inherited from a callee, nor is having stopped)
        // Traffic flows down the call graph: a callee that receives fewer calls does not explain a caller
        // whose own traffic fell (the caller sent fewer; a callee that sheds load or fails still explains
        // its callers' errors and latency) ...
        const fell = trafficFell(m);
        for (const c of callees.get(service) ?? []) if (!(fell && trafficFell(moved.get(c)))) explain(c);
        // ... and fewer calls received are what a caller sent when its own traffic fell too, or when it
        // gave up calling (its own doing): not what a caller's errors or latency did
        if (fell) {
          for (const p of callersOf.get(service) ?? []) {
            const q = moved.get(p);
            if ((trafficFell(q) || q?.own_doing) && explain(p)) byCaller = true;
          }
        }
      }
      const evidence = [
        m.note ??
          (Number.isNaN(m.median) ? `stopped reporting at the onset` : movedEvidence(m)),
      ];
      if (named !== undefined) evidence.push(`its error logs name ${named}`);
      else if (explainedBy) {
        evidence.push(
          `its ${byCaller ? "caller" : "callee"} ${explainedBy} is anomalous too (explains ${
            fmt(100 * share)
          } %)`,
        );
      }
      // The indicator at fault is the most specific one that moved: a saturated resource of its own makes
      // a service slow, so where one moved beyond the threshold it is named before the latency (or the
      // traffic, or what callers observed) that it caused. The score stays that of the largest change.
      let indicator = m.indicator;
      const r = m.resource;
      if (r && r.z >= threshold && !isOwnResource(m.indicator) && !Number.isNaN(m.median)) {
        indicator = r.indicator;
        evidence.push(movedEvidence(r));
      }
      out.push({ service, indicator, score: own * (1 - discount * share), evidence });
    }
    return sortCandidates(out);
  }
}

/**
 * Whether a service's largest change is a fall of the traffic it receives (`rate`, `edge_in_calls`, a
 * workload): that is what its callers did, sending fewer calls, not something it did to them.
 */
function trafficFell(m: Moved | undefined): boolean {
  if (m === undefined || !(m.peak < m.median)) return false;
  return m.indicator === "rate" || m.indicator === "edge_in_calls" ||
    indicatorFamily(m.indicator) === "traffic";
}

/** "cpu moved to 90 from a median of 20 (14 robust units)" */
function movedEvidence(m: Moved): string {
  return `${m.indicator} moved to ${fmt(m.peak)} from a median of ${fmt(m.median)} (${
    fmt(m.z)
  } robust units)`;
}

/** A graph node id as a service of the frame: itself, or a virtual peer's last path segment. */
export function serviceOfPeer(id: string, services: ReadonlyMap<string, unknown>): string {
  if (services.has(id)) return id;
  const last = id.slice(id.lastIndexOf("/") + 1);
  return last !== id && services.has(last) ? last : id;
}

/**
 * Whether a rise of what callers observe of `service` (`edge_in_latency_p90`, `edge_in_errors`,
 * `edge_in_calls`) is the service's own: an edge A → X slows down or fails when X is slow or its egress
 * is, but also when A's egress is. So the rise counts when it is seen from two callers or more, when a
 * caller that sees it has another callee whose edge stayed flat (within `flat_z`: its own side is fine;
 * one that moved a little is no proof). A single caller with a single callee cannot tell which end it is:
 * the evidence is left out (the caller's own symptoms decide, as without a graph).
 */
export function edgeEvidenceHolds(
  graph: NonNullable<LocalizeInput["graph"]>,
  service: string,
  indicator: string,
  options: {
    moved: ReadonlyMap<string, unknown>;
    onset_ms: number;
    threshold: number;
    relative_floor: number;
    /** Robust change below which another edge counts as flat. @default 2 */
    flat_z?: number;
  },
): boolean {
  const which = indicator.slice(EDGE_PREFIX.length);
  // caller → callee (a service, virtual peers mapped onto theirs) → window → merged edge window
  const pairs = new Map<string, Map<string, Map<number, EdgeAcc>>>();
  for (const e of graph.edges) {
    const callee = serviceOfPeer(e.callee, options.moved);
    if (callee === e.caller) continue;
    let byCallee = pairs.get(e.caller);
    if (!byCallee) pairs.set(e.caller, byCallee = new Map());
    let ws = byCallee.get(callee);
    if (!ws) byCallee.set(callee, ws = new Map());
    for (const w of e.series ?? []) {
      const m = ws.get(w.window_start_ms) ?? { calls: 0, errors: 0, lat: 0 };
      m.calls += w.calls;
      m.errors += w.errors;
      if (Number.isFinite(w.latency_p90_ms)) m.lat += w.calls * w.latency_p90_ms;
      ws.set(w.window_start_ms, m);
    }
  }
  /** Robust change of one merged edge series after the onset (null: too little history). */
  const change = (ws: Map<number, EdgeAcc>): number | null => {
    const base: number[] = [];
    let peak = -Infinity;
    let trough = Infinity;
    for (const [t, w] of ws) {
      const v = edgeValue(w, which);
      if (!Number.isFinite(v)) continue;
      if (t < options.onset_ms) base.push(v);
      else {
        peak = Math.max(peak, v);
        trough = Math.min(trough, v);
      }
    }
    if (base.length < 3) return null;
    if (!Number.isFinite(peak)) return which !== "latency_p90" ? Infinity : null; // calls stopped altogether
    base.sort((a, b) => a - b);
    const med = quantileSorted(base, 0.5);
    const iqr = quantileSorted(base, 0.75) - quantileSorted(base, 0.25);
    const scale = effectScale(med, iqr, {
      relative_floor: options.relative_floor,
      count: which !== "latency_p90",
    });
    return which === "calls" ? Math.max(peak - med, med - trough) / scale : (peak - med) / scale;
  };
  const flat = options.flat_z ?? 2;
  const risingCallers: string[] = [];
  for (const [caller, byCallee] of pairs) {
    const ws = byCallee.get(service);
    const z = ws ? change(ws) : null;
    if (z !== null && z >= options.threshold) risingCallers.push(caller);
  }
  if (risingCallers.length >= 2) return true;
  for (const caller of risingCallers) {
    // another callee of the same caller whose edge stayed flat: the caller's own side is fine
    for (const [callee, ws] of pairs.get(caller)!) {
      if (callee === service) continue;
      const z = change(ws);
      if (z !== null && z < flat) return true;
    }
  }
  return false;
}

interface EdgeAcc {
  calls: number;
  errors: number;
  lat: number;
}

function edgeValue(w: EdgeAcc, what: string): number {
  return what === "errors" ? w.errors : what === "calls" ? w.calls : w.calls > 0 ? w.lat / w.calls : NaN;
}

/**
 * Whether `service` reported in every one of the `look_back` windows before the onset but missed a window
 * since (a crash loop: it comes and goes).
 */
export function reportsWithGaps(input: LocalizeInput, service: string, look_back = 10): boolean {
  const inds = input.frame.series.get(service);
  if (!inds) return false;
  const t0 = onsetIndex(input.frame, input.anomaly_start_ms);
  const n = input.frame.times_ms.length;
  if (t0 < look_back || t0 >= n) return false;
  const seen = (i: number) => {
    for (const [name, col] of inds) if (reportedBySelf(name) && Number.isFinite(col[i])) return true;
    return false;
  };
  for (let i = t0 - look_back; i < t0; i++) if (!seen(i)) return false;
  // the newest window may still be filling in
  for (let i = t0; i < n - 1; i++) if (!seen(i)) return true;
  return false;
}

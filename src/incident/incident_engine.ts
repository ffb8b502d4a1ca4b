/**
 * The detection → localization → incident logic of the live stage, without I/O: fed FEATURES records in
 * arrival order, it runs the detector per service and window, buffers the recent frame, and steps the
 * IncidentTracker once a window is complete (a record of a later window arrived, or `flush()`).
 * The live stage (incident_stage.ts) and the streaming evaluation both drive this one class, so what
 * is measured is what runs.
 */
import type { VigilConfig } from "../config/schema.ts";
import type { FeatureRecord } from "../core/feature_record.ts";
import type { LogTemplateSeries, OperationSeries, ServiceGraphSnapshot } from "../core/rca.ts";
import { type AnomalyRecord, anomalyRecord } from "../detect/anomaly_record.ts";
import { type DetectionResult, type Detector, toDetectionResult } from "../detect/detector.ts";
import { detectionIndicators, featureIndicators } from "../detect/feature_indicators.ts";
import { FrameBuffer } from "../detect/frame_buffer.ts";
import { createDetector } from "../detect/registry.ts";
import { createLocalizer } from "../localize/registry.ts";
import { indicatorFamily, reportedBySelf } from "../core/indicator_family.ts";
import type { IncidentRecord } from "./incident_record.ts";
import { IncidentTracker } from "./incident_tracker.ts";
import { edgeIndicators } from "./edge_indicators.ts";
import { LogTemplateBuffer } from "./log_template_buffer.ts";
import { OVERFLOW_OPERATION } from "../features/window_aggregate.ts";

/**
 * Whether a detection points at the service itself: some indicator other than the volume of bytes and
 * system calls moved. Volume follows the load, whatever its cause (a client's burst, a batch job): alone it
 * is published as an anomaly but opens no incident. (Measured on Nezha, streaming: false incidents 18 -> 13,
 * detection and ranking unchanged; host gauges alone, which the same rule would also drop, do open some
 * true incidents there.)
 */
function pointsAtService(d: DetectionResult): boolean {
  return d.indicators.some((i) => i.anomalous && indicatorFamily(i.indicator) !== "volume");
}

export interface IncidentEngineOptions {
  /** @default 10000 */
  window_ms?: number;
  /** Windows of history handed to the localizer. @default 90 */
  history_windows?: number;
  /** @default "robust_effect" */
  detector?: string;
  detector_config?: unknown;
  /** @default "anomaly_descent" */
  localizer?: string;
  localizer_config?: unknown;
  /** @default [] */
  entry_services?: string[];
  /** Consecutive anomalous windows before a new incident opens. @default 2 */
  open_after_windows?: number;
  /** Quiet windows before an incident resolves. @default 3 */
  recovery_windows?: number;
  /**
   * Windows after the onset during which an open incident is re-localized as evidence arrives (what
   * callers observed comes with the service graph, a few windows behind the records). @default 3
   */
  relocalize_windows?: number;
  /** Log templates kept per service for localization (the most recently seen). @default 64 */
  max_log_templates?: number;
  /**
   * A service that reported in each of this many consecutive windows and then sends nothing is flagged as
   * stopped (a crashed pod sends nothing: no detector sees it), for up to `stale_windows` windows. 0 turns
   * it off. @default 6
   */
  silence_after_windows?: number;
  /** Windows of silence after which a stopped service is forgotten (scaled down, removed). @default 30 */
  stale_windows?: number;
  /**
   * An error log template a service has never logged in the `novel_after_windows` windows it has been
   * watched counts as new for this many windows after it first appears: its records are scored as
   * `new_error_logs` (a wrong answer of a quiet callee often shows only as a few new error lines of its
   * caller, far below the noise of its error count). 0 turns it off. @default 6
   */
  novel_windows?: number;
  /** Windows a service must have been watched before its error templates can be new. @default 30 */
  novel_after_windows?: number;
}

/** The incident engine's options in a config (the live stage and the simulator evaluation share them). */
export function incidentEngineOptions(config: VigilConfig): IncidentEngineOptions {
  const i = config.incidents;
  return {
    window_ms: config.features.window_ms,
    history_windows: i.history_windows,
    detector: i.detector,
    detector_config: i.detector_config,
    localizer: i.localizer,
    localizer_config: i.localizer_config,
    entry_services: i.entry_services,
    open_after_windows: i.open_after_windows,
    recovery_windows: i.recovery_windows,
  };
}

export interface IncidentEngineCounters {
  records: number;
  out_of_order_records: number;
  anomalies: number;
  windows_stepped: number;
  incident_records: number;
}

interface TenantState {
  tenant: string;
  detector: Detector;
  /** Scores what callers observe of each service (edge indicators), apart from its own records. */
  edgeDetector: Detector;
  /** Start of the newest graph window taken. */
  edgeUntil: number;
  tracker: IncidentTracker;
  frame: FrameBuffer;
  /** Per-(service, template) log counts on the frame's grid, handed to localizers as `logs`. */
  logs: LogTemplateBuffer;
  /** Per-(service, operation) requests and errors on the same grid, handed on as `operations`. */
  operations: LogTemplateBuffer;
  current: number;
  pending: Map<string, DetectionResult>;
  /**
   * service → [start of its last window with a record of its own telemetry, consecutive windows with one
   * up to it] (a record with nothing but the cluster's state of it, such as a restart count reported while
   * the pod is down, does not count)
   */
  reported: Map<string, [number, number]>;
  /** service → the last restart count of each of its series (metric, instance, labels), and when */
  restarts: Map<string, Map<string, { count: number; window_ms: number }>>;
  /** service → its first window, and error template id → the window it first appeared in */
  errorTemplates: Map<string, { since: number; first: Map<string, number> }>;
}

/**
 * How long after an incident opens other anomalous services join it as symptoms (the tracker's
 * `join_windows`, at least 3 windows): a time, not a count of windows, since a fault's symptoms spread in
 * seconds whatever the window. 8 windows at 10 s as before; at Nezha's 60 s windows 8 windows (8 minutes,
 * the spacing of its injections) made each fault's incident swallow the next (streaming: 25 → 40 of 56
 * faults detected with 3 windows).
 */
const JOIN_MS = 80_000;

export interface EngineOutput {
  anomalies: AnomalyRecord[];
  incidents: IncidentRecord[];
}

export class IncidentEngine {
  readonly counters: IncidentEngineCounters = {
    records: 0,
    out_of_order_records: 0,
    anomalies: 0,
    windows_stepped: 0,
    incident_records: 0,
  };
  readonly #o: Required<IncidentEngineOptions>;
  readonly #tenants = new Map<string, TenantState>();

  constructor(options: IncidentEngineOptions = {}) {
    this.#o = {
      window_ms: 10_000,
      history_windows: 90,
      detector: "robust_effect",
      detector_config: {},
      localizer: "anomaly_descent",
      localizer_config: {},
      entry_services: [],
      open_after_windows: 2,
      recovery_windows: 3,
      relocalize_windows: 3,
      max_log_templates: 64,
      silence_after_windows: 6,
      stale_windows: 30,
      novel_windows: 6,
      novel_after_windows: 30,
      ...options,
    };
    // validate the component configs once, up front (unknown names and keys are rejected here)
    createDetector(this.#o.detector, this.#o.detector_config);
    createLocalizer(this.#o.localizer, this.#o.localizer_config);
  }

  get detector_name(): string {
    return this.#o.detector;
  }

  #state(tenant: string): TenantState {
    let s = this.#tenants.get(tenant);
    if (!s) {
      s = {
        tenant,
        detector: createDetector(this.#o.detector, this.#o.detector_config),
        edgeDetector: createDetector(this.#o.detector, this.#o.detector_config),
        edgeUntil: -Infinity,
        tracker: new IncidentTracker({
          tenant,
          localizer: createLocalizer(this.#o.localizer, this.#o.localizer_config),
          entry_services: this.#o.entry_services,
          open_after_windows: this.#o.open_after_windows,
          recovery_windows: this.#o.recovery_windows,
          relocalize_windows: this.#o.relocalize_windows,
          join_windows: Math.max(3, Math.round(JOIN_MS / this.#o.window_ms)),
        }),
        frame: new FrameBuffer({ step_ms: this.#o.window_ms, capacity: this.#o.history_windows }),
        logs: new LogTemplateBuffer({
          step_ms: this.#o.window_ms,
          capacity: this.#o.history_windows,
          max_templates: this.#o.max_log_templates,
        }),
        operations: new LogTemplateBuffer({ step_ms: this.#o.window_ms, capacity: this.#o.history_windows }),
        current: -Infinity,
        pending: new Map(),
        reported: new Map(),
        restarts: new Map(),
        errorTemplates: new Map(),
      };
      this.#tenants.set(tenant, s);
    }
    return s;
  }

  /** The window that `onRecord(rec)` would complete first (so a caller can fetch its graph), or null. */
  completes(rec: FeatureRecord): { tenant: string; window_start_ms: number } | null {
    const s = this.#tenants.get(rec.tenant);
    return s && rec.window_start_ms > s.current && s.pending.size > 0
      ? { tenant: rec.tenant, window_start_ms: s.current }
      : null;
  }

  /** Windows that `flush()` would complete. */
  pendingWindows(): { tenant: string; window_start_ms: number }[] {
    return [...this.#tenants].filter(([, s]) => s.pending.size > 0).map(([tenant, s]) => ({
      tenant,
      window_start_ms: s.current,
    }));
  }

  /**
   * Feeds one record. `graph` is the service graph for the window this record completes (see
   * `completes()`); omitted, localizers work without one.
   */
  onRecord(rec: FeatureRecord, graph?: ServiceGraphSnapshot): EngineOutput {
    this.counters.records++;
    const s = this.#state(rec.tenant);
    const out: EngineOutput = { anomalies: [], incidents: [] };
    if (rec.window_start_ms > s.current) {
      out.incidents.push(...this.#step(s, graph, out.anomalies));
      s.current = rec.window_start_ms;
    }
    const values = featureIndicators(rec);
    s.frame.add(rec.service, rec.window_start_ms, values);
    s.logs.add(rec);
    s.operations.addCounts(
      rec.service,
      rec.window_start_ms,
      rec.operations.filter((o) => o.operation !== OVERFLOW_OPERATION).map((o) => ({
        template_id: o.operation,
        template: o.operation,
        count: o.count,
        error_count: o.error_count,
      })),
    );
    let d: DetectionResult;
    try {
      d = s.detector.observe(rec.service, {
        time_ms: rec.window_start_ms,
        values: detectionIndicators(values, { spans: rec.count }),
      });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.counters.out_of_order_records++; // a window at or before one already seen (replay overlap)
      return out;
    }
    const novel = this.#novelErrors(s, rec);
    if (novel > 0) {
      d = toDetectionResult(rec.service, d.time_ms, [...d.indicators, {
        indicator: NOVEL_ERRORS_INDICATOR,
        value: novel,
        score: novel,
        threshold: 1,
        anomalous: true,
      }]);
    }
    const restarted = restartIndicators(s, rec, this.#o.window_ms);
    if (restarted.length > 0) d = toDetectionResult(rec.service, d.time_ms, [...d.indicators, ...restarted]);
    if (rec.window_start_ms === s.current) {
      s.pending.set(rec.service, d.anomalous && !pointsAtService(d) ? { ...d, anomalous: false } : d);
    }
    if (anyReportedBySelf(values)) {
      const r = s.reported.get(rec.service);
      const streak = r && r[0] === rec.window_start_ms - this.#o.window_ms ? r[1] + 1 : 1;
      s.reported.set(rec.service, [rec.window_start_ms, streak]);
    }
    if (d.anomalous) {
      this.counters.anomalies++;
      out.anomalies.push(anomalyRecord(rec.tenant, this.#o.detector, d));
    }
    return out;
  }

  /** Completes the pending window of one tenant (or of every tenant). */
  flush(tenant?: string, graph?: ServiceGraphSnapshot): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    for (const [t, s] of this.#tenants) {
      if (tenant === undefined || t === tenant) out.push(...this.#step(s, graph));
    }
    return out;
  }

  /** Latest record of every open incident, per tenant. */
  open(): IncidentRecord[] {
    return [...this.#tenants.values()].flatMap((s) => s.tracker.open);
  }

  /** Error records of this window in templates new to the service (see `novel_windows`). */
  #novelErrors(s: TenantState, rec: FeatureRecord): number {
    if (this.#o.novel_windows <= 0) return 0;
    const w = rec.window_start_ms;
    let st = s.errorTemplates.get(rec.service);
    if (!st) s.errorTemplates.set(rec.service, st = { since: w, first: new Map() });
    let novel = 0;
    for (const t of rec.logs.templates) {
      if (t.error_count === 0) continue;
      let first = st.first.get(t.template_id);
      if (first === undefined) {
        if (st.first.size >= MAX_ERROR_TEMPLATES) continue; // bounded: beyond it nothing is new
        st.first.set(t.template_id, first = w);
      }
      const age = (w - first) / this.#o.window_ms;
      const seenFrom = (first - st.since) / this.#o.window_ms;
      if (seenFrom >= this.#o.novel_after_windows && age < this.#o.novel_windows) {
        novel += t.error_count;
      }
    }
    return novel;
  }

  #silences(s: TenantState, t: number): DetectionResult[] {
    return silentServices(s.reported, t, {
      window_ms: this.#o.window_ms,
      after: this.#o.silence_after_windows,
      stale: this.#o.stale_windows,
    });
  }

  #step(s: TenantState, graph?: ServiceGraphSnapshot, anomalies?: AnomalyRecord[]): IncidentRecord[] {
    if (s.pending.size === 0) return [];
    const t = s.current;
    // What callers observed of each service in this window (from the graph's per-window edge series):
    // a service whose own telemetry looks fine, or has stopped, still shows in its callers' calls to it.
    // The graph closes a window later than the reducer (it waits for unpaired span halves), so each
    // step takes every graph window closed since the last one; the newest one's verdicts join this step.
    const services = s.frame.services();
    const fresh = graphWindowsAfter(graph, s.edgeUntil, t);
    for (const w of fresh) {
      const last = w === fresh[fresh.length - 1];
      for (const [service, values] of edgeIndicators(graph, w, { services })) {
        s.frame.add(service, w, values);
        let e: DetectionResult;
        try {
          e = s.edgeDetector.observe(service, { time_ms: w, values });
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          continue;
        }
        if (e.anomalous) {
          this.counters.anomalies++;
          anomalies?.push(anomalyRecord(s.tenant, this.#o.detector, e));
        }
        if (!last) continue;
        const own = s.pending.get(service);
        s.pending.set(service, own ? mergeDetections(own, e) : { ...e, time_ms: t });
      }
      s.edgeUntil = w;
    }
    for (const d of this.#silences(s, t)) {
      const seen = s.pending.get(d.service); // what its callers observed of it, if anything
      s.pending.set(d.service, seen ? mergeDetections(d, seen) : d);
      this.counters.anomalies++;
      anomalies?.push(anomalyRecord(s.tenant, this.#o.detector, d));
    }
    const detections = [...s.pending.values()];
    s.pending.clear();
    this.counters.windows_stepped++;
    // The log series are built only when the tracker localizes (most windows open nothing).
    let logs: LogTemplateSeries[] | undefined;
    let operations: OperationSeries[] | undefined;
    const { logs: logBuffer, operations: opBuffer } = s;
    const records = s.tracker.step(t, detections, {
      frame: s.frame.frame(t),
      graph,
      get logs() {
        return logs ??= logBuffer.series(t);
      },
      get operations() {
        return operations ??= opBuffer.series(t).map((x) => ({
          service: x.service,
          operation: x.template,
          counts: x.counts,
          error_counts: x.error_counts,
        }));
      },
    });
    this.counters.incident_records += records.length;
    return records;
  }
}

/**
 * Services that went silent at window `t`: each reported in `silence_after_windows` consecutive windows
 * and has sent nothing since (for at most `stale_windows` windows; then it is forgotten). When most of the
 * services that were reporting go silent together, it is the telemetry that stopped (a collector, the
 * network to Vigil), not the services: nothing is flagged.
 */
function silentServices(
  reported: Map<string, [number, number]>,
  t: number,
  options: { window_ms: number; after: number; stale: number },
): DetectionResult[] {
  if (options.after <= 0) return [];
  const silent: [string, number][] = [];
  let active = 0;
  for (const [service, [last, streak]] of reported) {
    const missed = Math.round((t - last) / options.window_ms);
    if (missed > options.stale) {
      reported.delete(service);
      continue;
    }
    active++;
    if (missed >= 1 && streak >= options.after) silent.push([service, missed]);
  }
  if (silent.length === 0 || silent.length * 2 > active) return [];
  return silent.map(([service, missed]) =>
    toDetectionResult(service, t, [{
      indicator: SILENCE_INDICATOR,
      value: missed,
      // severity above any single detector's usual range, growing while the silence lasts
      score: 4 + missed,
      threshold: 1,
      anomalous: true,
    }])
  );
}

/**
 * Restart counts that rose since their series' previous report: a container restarted (it crashed, was
 * OOM-killed, failed its probes), a discrete event that no baseline needs to tell apart from noise. Read
 * per series (metric, instance, labels: a pod replaced by a new one starts again from 0, one scaled away
 * takes its count along, and a pod's containers each count their own), from gauges
 * (k8s.container.restart_count, kube-state's restarts, reported every window or less often) and from
 * counters that increased.
 */
function restartIndicators(
  s: TenantState,
  rec: FeatureRecord,
  window_ms: number,
): DetectionResult["indicators"] {
  const rose = new Map<string, number>();
  let last = s.restarts.get(rec.service);
  for (const m of rec.metrics) {
    if (indicatorFamily(m.name) !== "restarts") continue;
    if (m.kind === "gauge") {
      // one series per metric, instance and labels (a pod's containers each have their count)
      const key = `${m.name}\u0000${m.instance}\u0000${m.labels}`;
      if (!last) s.restarts.set(rec.service, last = new Map());
      const prev = last.get(key);
      if (prev !== undefined && m.last > prev.count) {
        rose.set(m.name, (rose.get(m.name) ?? 0) + m.last - prev.count);
      }
      last.set(key, { count: m.last, window_ms: rec.window_start_ms });
    } else if (m.kind === "sum" && m.rate_per_s !== null && m.rate_per_s > 0) {
      const n = m.rate_per_s * (rec.window_end_ms - rec.window_start_ms) / 1000;
      rose.set(m.name, (rose.get(m.name) ?? 0) + n);
    }
  }
  // A series not reported for a while is forgotten (a pod replaced or scaled away); one reported less often
  // than every window (a cluster receiver's collection interval) keeps its count until it comes again.
  if (last) {
    for (const [key, v] of last) {
      if (rec.window_start_ms - v.window_ms > RESTART_SERIES_TTL_WINDOWS * window_ms) last.delete(key);
    }
  }
  // severity above any single detector's usual range, as a silence's (bounded: a count reset by a new
  // container runtime can jump by thousands)
  return [...rose].map(([indicator, n]) => ({
    indicator,
    value: n,
    score: 4 + Math.min(n, 16),
    threshold: 1,
    anomalous: true,
  }));
}

/** Whether a record's indicators hold any of the service's own telemetry (not only the cluster's view). */
function anyReportedBySelf(values: ReadonlyMap<string, number>): boolean {
  for (const k of values.keys()) if (reportedBySelf(k)) return true;
  return false;
}

/** Windows after which a restart count series not reported since is forgotten. */
const RESTART_SERIES_TTL_WINDOWS = 60;

/** The indicator of error records in log templates new to a service. */
export const NOVEL_ERRORS_INDICATOR = "new_error_logs";

/** Error templates remembered per service (first appearances). */
const MAX_ERROR_TEMPLATES = 4096;

/** The indicator of a service that stopped reporting (windows without a record so far). */
export const SILENCE_INDICATOR = "silent_windows";

/** One service's detection from two sources (its own records, what its callers observed). */
function mergeDetections(a: DetectionResult, b: DetectionResult): DetectionResult {
  return toDetectionResult(a.service, a.time_ms, [...a.indicators, ...b.indicators]);
}

/** Window starts of the graph's edge series in (after_ms, until_ms], ascending. */
function graphWindowsAfter(
  graph: ServiceGraphSnapshot | undefined,
  after_ms: number,
  until_ms: number,
): number[] {
  const starts = new Set<number>();
  for (const e of graph?.edges ?? []) {
    for (const w of e.series ?? []) {
      if (w.window_start_ms > after_ms && w.window_start_ms <= until_ms) starts.add(w.window_start_ms);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

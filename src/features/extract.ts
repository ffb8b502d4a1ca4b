/**
 * Turns one OTLP message into partial window aggregates (one {@link ServiceWindow} per service and
 * tumbling window, by event time) plus service-graph edge halves and resource links. Pure and
 * deterministic in the bytes: the same message always gives the same partials, which is what makes
 * redelivery deduplicable (Nats-Msg-Id) and results independent of the number of workers.
 */
import {
  Interner,
  type ResourceView,
  scanLogs,
  scanMetrics,
  scanTraces,
  type SpanView,
} from "./otlp_scan.ts";
import {
  addMetricPoint,
  isErrorSpan,
  metricKey,
  newMetricAgg,
  ServiceWindow,
  severityIndex,
} from "./window_aggregate.ts";
import { TemplateMiner } from "./log_template.ts";
import { type ResourceLink, virtualPeerId, virtualPeerKind } from "../graph/edge_half.ts";
import { HalfColumns, isCaller } from "../graph/half_columns.ts";
import type { OtlpSignal } from "../bus/subjects.ts";

export interface Extracted {
  windows: ServiceWindow[];
  /** Largest event time in the message, epoch ms (-Infinity when empty). */
  max_event_ms: number;
  items: number;
  /** Graph edge halves (empty without `graph`). */
  halves: HalfColumns;
  resources: ResourceLink[];
}

export interface ExtractorOptions {
  /** Tumbling window length. @default 10000 */
  window_ms?: number;
  /** Emit graph edge halves for span kinds server/client/producer/consumer. @default true */
  graph?: boolean;
  /**
   * The span scanner (same contract as scanTraces). The hook through which kernels/bench/otlp_scan.ts
   * measures the Wasm scanner spike under the real aggregation. @default scanTraces of otlp_scan.ts
   */
  scan_traces?: typeof scanTraces;
}

/**
 * A host-level resource: no `service.name` (the scanner's "unknown_service" default), no pod or instance,
 * but a host or node (node and host metrics from a collector's hostmetrics/kubeletstats receivers). Its
 * data describe a machine, not a service, so it opens no service window: it would otherwise show up as a
 * service "unknown_service" that detectors and localizers rank like any other.
 */
export function isHostOnlyResource(r: ResourceView): boolean {
  return r.service === "unknown_service" && r.pod === "" && r.instance === "" &&
    (r.host !== "" || r.node !== "");
}

export class Extractor {
  readonly window_ms: number;
  readonly graph: boolean;
  readonly #scanTraces: typeof scanTraces;
  readonly #interner = new Interner();
  readonly #miner = new TemplateMiner();
  constructor(options: ExtractorOptions = {}) {
    this.window_ms = options.window_ms ?? 10_000;
    if (!(Number.isInteger(this.window_ms) && this.window_ms > 0)) {
      throw new RangeError(
        `Cannot extract features as window_ms must be a positive integer: current value is ${this.window_ms}`,
      );
    }
    this.graph = options.graph ?? true;
    this.#scanTraces = options.scan_traces ?? scanTraces;
  }

  /** Throws OtlpScanError for malformed bytes. */
  extract(signal: OtlpSignal, tenant: string, bytes: Uint8Array): Extracted {
    const windows = new Map<string, ServiceWindow>();
    const halves = new HalfColumns();
    const x = this.extractInto(signal, bytes, { tenant, windows, halves });
    return { windows: [...windows.values()], ...x, halves };
  }

  /**
   * Like {@link extract}, but adds the message's windows into `into.windows` (keyed by service and window
   * start, all of tenant `into.tenant`), merging with those already there, and appends its halves to
   * `into.halves`: a pull batch's messages aggregated in place. Throws OtlpScanError for malformed bytes,
   * after `into.windows` may have received part of the message (`into.halves` is left as it was).
   */
  extractInto(
    signal: OtlpSignal,
    bytes: Uint8Array,
    into: { tenant: string; windows: Map<string, ServiceWindow>; halves?: HalfColumns },
  ): Omit<Extracted, "windows" | "halves"> {
    const w = this.window_ms;
    const { tenant, windows } = into;
    let lastSvc = "", lastStart = NaN;
    let last: ServiceWindow | undefined;
    const win = (service: string, t: number): ServiceWindow => {
      const start = Math.floor(t / w) * w;
      if (service === lastSvc && start === lastStart && last) return last;
      const key = `${service}\u0000${start}`;
      let sw = windows.get(key);
      if (sw === undefined) {
        sw = new ServiceWindow(tenant, service, start);
        windows.set(key, sw);
      }
      lastSvc = service;
      lastStart = start;
      last = sw;
      return sw;
    };
    let max = -Infinity;
    const halves = this.graph ? into.halves : undefined;
    const mark = halves?.length ?? 0;
    const resources: ResourceLink[] = [];
    let lrSvc = "", lrPod = "", lrHost = "";
    let lrWin: ServiceWindow | undefined;
    const opts = { interner: this.#interner };
    const noteResource = (svc: string, pod: string, host: string, _t: number, sw: ServiceWindow) => {
      if (pod === "" && host === "") return;
      if (sw === lrWin && svc === lrSvc && pod === lrPod && host === lrHost) return;
      lrWin = sw;
      lrSvc = svc;
      lrPod = pod;
      lrHost = host;
      if (pod) sw.instances.add(pod);
      else sw.instances.add(host);
      if (this.graph) {
        resources.push({ svc, pod, host, t: sw.window_start_ms });
        linked.add(sw);
      }
    };
    /** windows with a resource link in this message (each link puts its service in the graph window) */
    const linked = new Set<ServiceWindow>();
    let items = 0;
    if (signal === "traces") {
      const scanned = (s: SpanView) => {
        items++;
        const t = s.start_ms;
        if (t > max) max = t;
        const r = s.resource;
        const sw = win(r.service, t);
        const err = isErrorSpan(s);
        sw.op(s.name).add(s.duration_ms, err);
        noteResource(r.service, r.pod || r.instance, r.host || r.node, t, sw);
        if (halves !== undefined && s.kind >= 2) {
          const caller = isCaller(s.kind);
          if (!caller && s.parent_span_id.length === 0) {
            // a root server or consumer has no other half: all it tells the graph is that its service
            // ran in this window, which a resource link says in fewer bytes, once per window
            if (!linked.has(sw)) {
              resources.push({ svc: r.service, pod: "", host: "", t: sw.window_start_ms });
              linked.add(sw);
            }
            return;
          }
          const pk = caller ? virtualPeerKind(s) : "";
          halves.push(
            r.service,
            s.kind,
            err ? 1 : 0,
            caller ? virtualPeerId(s, pk) : "",
            pk,
            t,
            s.duration_ms,
            s.trace_id,
            caller ? s.span_id : s.parent_span_id,
          );
        }
      };
      try {
        this.#scanTraces(bytes, scanned, opts);
      } catch (e) {
        halves?.truncate(mark);
        throw e;
      }
    } else if (signal === "metrics") {
      scanMetrics(bytes, (p) => {
        items++;
        const t = p.time_ms;
        if (t > max) max = t;
        const r = p.resource;
        if (isHostOnlyResource(r)) return;
        const sw = win(r.service, t);
        const instance = r.pod || r.instance || r.host;
        const key = metricKey(p.name, p.kind, instance, p.labels);
        let m = sw.metrics.get(key);
        if (m === undefined) {
          m = newMetricAgg(p, instance);
          sw.metrics.set(key, m);
        }
        addMetricPoint(m, p);
        noteResource(r.service, r.pod || r.instance, r.host || r.node, t, sw);
      }, opts);
    } else {
      scanLogs(bytes, (l) => {
        items++;
        const t = l.time_ms;
        if (t > max) max = t;
        const r = l.resource;
        if (isHostOnlyResource(r)) return;
        const sw = win(r.service, t);
        const sev = severityIndex(l.severity_number, l.severity_text);
        const logs = sw.logs;
        logs.n++;
        logs.sev[sev]++;
        if (l.body !== "") {
          const { id, template } = this.#miner.mine(l.body);
          const e = sev >= 5 ? 1 : 0;
          const cur = logs.tpl[id];
          if (cur === undefined) logs.tpl[id] = [template, 1, e];
          else {
            cur[1]++;
            cur[2] += e;
          }
        }
        noteResource(r.service, r.pod || r.instance, r.host || r.node, t, sw);
      }, opts);
    }
    return { max_event_ms: max, items, resources };
  }
}

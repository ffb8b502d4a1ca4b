/**
 * Turns one OTLP message into partial window aggregates (one {@link ServiceWindow} per service and
 * tumbling window, by event time) plus service-graph edge halves and resource links. Pure and
 * deterministic in the bytes: the same message always gives the same partials, which is what makes
 * redelivery deduplicable (Nats-Msg-Id) and results independent of the number of workers.
 */
import { Interner, type ResourceView, scanLogs, scanMetrics, scanTraces } from "./otlp_scan.ts";
import {
  addMetricPoint,
  isErrorSpan,
  metricKey,
  newMetricAgg,
  ServiceWindow,
  severityIndex,
} from "./window_aggregate.ts";
import { TemplateMiner } from "./log_template.ts";
import { type EdgeHalf, type ResourceLink, virtualPeer } from "../graph/edge_half.ts";
import type { OtlpSignal } from "../bus/subjects.ts";

export interface Extracted {
  windows: ServiceWindow[];
  /** Largest event time in the message, epoch ms (-Infinity when empty). */
  max_event_ms: number;
  items: number;
  halves: EdgeHalf[];
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

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");
const latin = new TextDecoder("utf-8");

/** Lower-case hex of many ids, appended to one byte buffer and decoded into one string at the end. */
class HexColumn {
  #buf = new Uint8Array(1 << 16);
  #pos = 0;
  /** Appends the hex of `id`; returns the end offset (in characters) after it. */
  put(id: Uint8Array): number {
    const n = id.length;
    if (this.#pos + 2 * n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + 2 * n));
      next.set(this.#buf.subarray(0, this.#pos));
      this.#buf = next;
    }
    const b = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < n; i++) {
      const x = id[i];
      b[p++] = HEX_DIGITS[x >> 4];
      b[p++] = HEX_DIGITS[x & 15];
    }
    this.#pos = p;
    return p;
  }
  reset(): void {
    this.#pos = 0;
  }
  /** Everything appended since the last take() or reset(), as one string; resets. */
  take(): string {
    const s = latin.decode(this.#buf.subarray(0, this.#pos));
    this.#pos = 0;
    return s;
  }
}

export class Extractor {
  readonly window_ms: number;
  readonly graph: boolean;
  readonly #scanTraces: typeof scanTraces;
  readonly #interner = new Interner();
  readonly #miner = new TemplateMiner();
  readonly #hex = new HexColumn();
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
    const x = this.extractInto(signal, tenant, bytes, windows);
    return { windows: [...windows.values()], ...x };
  }

  /**
   * Like {@link extract}, but adds the message's windows into `into` (keyed by service and window start,
   * all of tenant `tenant`), merging with those already there: a pull batch's messages aggregated in
   * place. Throws OtlpScanError for malformed bytes, after `into` may have received part of the message.
   */
  extractInto(
    signal: OtlpSignal,
    tenant: string,
    bytes: Uint8Array,
    into: Map<string, ServiceWindow>,
  ): Omit<Extracted, "windows"> {
    const w = this.window_ms;
    const windows = into;
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
    const halves: EdgeHalf[] = [];
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
      if (this.graph) resources.push({ svc, pod, host, t: sw.window_start_ms });
    };
    let items = 0;
    const hex = this.#hex;
    hex.reset(); // a scan that threw may have left ids behind
    const idEnds: number[] = [];
    if (signal === "traces") {
      this.#scanTraces(bytes, (s) => {
        items++;
        const t = s.start_ms;
        if (t > max) max = t;
        const r = s.resource;
        const sw = win(r.service, t);
        const err = isErrorSpan(s);
        sw.op(s.name).add(s.duration_ms, err);
        noteResource(r.service, r.pod || r.instance, r.host || r.node, t, sw);
        if (this.graph && s.kind >= 2) {
          const [peer, pk] = s.kind === 3 || s.kind === 4 ? virtualPeer(s) : ["", ""];
          // ids are written as hex into one buffer and sliced from one decoded string at the end
          idEnds.push(hex.put(s.trace_id), hex.put(s.span_id), hex.put(s.parent_span_id));
          halves.push({
            tr: "",
            id: "",
            par: "",
            svc: r.service,
            k: s.kind,
            st: t,
            d: s.duration_ms,
            e: err ? 1 : 0,
            peer,
            pk,
          });
        }
      }, opts);
      if (halves.length > 0) {
        const all = hex.take();
        let at = 0;
        for (let i = 0; i < halves.length; i++) {
          const h = halves[i];
          h.tr = all.slice(at, at = idEnds[3 * i]);
          h.id = all.slice(at, at = idEnds[3 * i + 1]);
          h.par = all.slice(at, at = idEnds[3 * i + 2]);
        }
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
    return { max_event_ms: max, items, halves, resources };
  }
}

/**
 * Nezha-layout datasets (IntelligentDDS/Nezha, FSE'23): the Online Boutique subset in shared data, and any
 * other system recorded the same way (Train Ticket). Layout:
 *
 *   rca_data/{day}/{day}-fault_list.json        per hour: inject_time, inject_timestamp, inject_pod, inject_type
 *   rca_data/{day}/metric/{pod}_metric.csv      one row a minute per pod (parse `Time`; `TimeStamp` is off)
 *   rca_data/{day}/metric/{source,destination}_50.csv  one row a minute, a column per call edge
 *                                               `{caller}_{callee}`: median latency (s) as measured by the
 *                                               caller (source) and by the callee (destination)
 *   rca_data/{day}/trace/{HH_MM}_trace.csv      spans (partial: about 70 % of the minutes survived)
 *   rca_data/{day}/log/{HH_MM}_log.csv          logs (a few minutes survived)
 *   construct_data/{day}/...                    fault-free periods (warm-up, baselines)
 *   construct_data/root_cause_{system}.json     inner-service root cause per (service, inject_type)
 *
 * Any CSV may be gzip-compressed (`.csv.gz`). A case's frame spans `history_ms` before the injection to
 * `horizon_ms` after it, on the metric files' one-minute grid; spans and logs are those of the trace and
 * log minutes inside that span, and the service graph is derived from the spans (parent service → child
 * service), falling back to the day's `metric/dependency.csv` when no trace minute survived. Edge latencies
 * land on the callee as indicators named by {@link edgeLatencyIndicator}, e.g.
 * `EdgeLatencyP50(s)<-frontend@source`: the latency of frontend's calls into this service, as frontend saw it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type {
  FaultType,
  GraphEdge,
  LogTemplateSeries,
  MetricFrame,
  OfflineCase,
  ServiceGraphSnapshot,
  SpanSummary,
} from "../core/rca.ts";
import { columnIndex, parseCsv, readTextFile, toNumber } from "./csv.ts";
import type { RcaDataset } from "./dataset.ts";
import { FrameBuilder } from "./frame_builder.ts";
import { sharedDataPath } from "./shared_data.ts";

const MINUTE_MS = 60_000;

/** Nezha's inject_type → Vigil's fault type. */
export const NEZHA_FAULT_TYPES: Readonly<Record<string, FaultType>> = {
  cpu_contention: "cpu",
  cpu_consumed: "cpu",
  network_delay: "network_delay",
  return: "code_return",
  exception: "code_exception",
};

/** Metric columns that are not indicators. */
const NON_INDICATORS = new Set(["Time", "TimeStamp", "PodName"]);

export function defaultNezhaDir(): string {
  return sharedDataPath("rca", "nezha-ob");
}

/** `checkoutservice-578fcf4766-9csqn` → `checkoutservice` (drops the ReplicaSet and pod hash suffixes). */
export function serviceOfPod(pod: string): string {
  const parts = pod.split("-");
  return parts.length > 2 ? parts.slice(0, -2).join("-") : pod;
}

/** Parses Nezha's Go-formatted `Time` cell ("2022-08-22 03:51:19.607158889 +0000 UTC m=+0.11") to epoch ms. */
export function parseNezhaTime(cell: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(?:([+-]\d{2})(\d{2})|Z)?/.exec(
    cell.trim(),
  );
  if (!m) return NaN;
  const frac = m[3] ? m[3].slice(0, 4) : "";
  const zone = m[4] ? `${m[4]}:${m[5]}` : "Z";
  return Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
}

/** One fault injection from a `{day}-fault_list.json`. */
export interface NezhaFault {
  readonly day: string;
  readonly inject_ms: number;
  readonly pod: string;
  readonly service: string;
  readonly inject_type: string;
}

export interface NezhaOptions {
  /** Metric history before the injection. @default 20 minutes */
  history_ms?: number;
  /** Metric data after the injection. @default 5 minutes */
  horizon_ms?: number;
  /** Per-edge latency indicators from `source_50.csv` / `destination_50.csv`, on the callee. @default true */
  edge_latency?: boolean;
  /** Load spans, the trace-derived graph and logs (slower). @default true */
  multimodal?: boolean;
  /** Dataset name in reports. @default the directory's base name */
  name?: string;
  /**
   * How the recording is cut into cases.
   * - `"windows"` (offline): each case spans `history_ms` before to `horizon_ms` after its injection. The
   *   injections are about 8 minutes apart, so a case's history holds the previous faults.
   * - `"contiguous"` (streaming): each day is one unbroken timeline cut at the injections, every minute in
   *   exactly one case: a case runs from where the previous one ended to `horizon_ms` after its injection
   *   (at most to the minute before the next injection's), and the first case of a day opens with the
   *   fault-free tail of the day before it, or of the day itself for the first day ({@link loadNezhaWarmup}
   *   with `past`, `warmup_ms`), moved in time to end where the day's recording starts. Replayed end to end with no gap, it is each day as recorded, played once.
   * @default "windows"
   */
  cut?: "windows" | "contiguous";
  /** `cut: "contiguous"`: fault-free warm-up before each day. @default 2 hours */
  warmup_ms?: number;
}

function findFile(dir: string, base: string): string | null {
  for (const candidate of [join(dir, base), join(dir, `${base}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function listDir(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** Reads every day's fault list, ordered by injection time. */
export async function readNezhaFaults(dir: string): Promise<NezhaFault[]> {
  const faults: NezhaFault[] = [];
  for (const day of listDir(join(dir, "rca_data"))) {
    const file = findFile(join(dir, "rca_data", day), `${day}-fault_list.json`);
    if (!file) continue;
    const byHour = JSON.parse(await readTextFile(file)) as Record<string, Record<string, string>[]>;
    for (const entries of Object.values(byHour)) {
      for (const e of entries) {
        const fromStamp = Number(e.inject_timestamp) * 1000;
        const inject_ms = Number.isFinite(fromStamp) && fromStamp > 0
          ? fromStamp
          : Date.parse(`${e.inject_time.replace(" ", "T")}Z`);
        if (!Number.isFinite(inject_ms)) {
          throw new RangeError(
            `Cannot parse the injection time in ${file}: current value is ${JSON.stringify(e)}`,
          );
        }
        faults.push({
          day,
          inject_ms,
          pod: e.inject_pod,
          service: serviceOfPod(e.inject_pod),
          inject_type: e.inject_type,
        });
      }
    }
  }
  return faults.sort((a, b) => a.inject_ms - b.inject_ms);
}

/** Reads `construct_data/root_cause_*.json`: service → inject_type → indicator (metric or log-event pair). */
export async function readNezhaRootCauses(dir: string): Promise<Record<string, Record<string, string>>> {
  const construct = join(dir, "construct_data");
  const file = listDir(construct).find((f) => /^root_cause_.*\.json(\.gz)?$/.test(f));
  if (!file) return {};
  return JSON.parse(await readTextFile(join(construct, file)));
}

/** Reads every `{pod}_metric.csv` of a metric directory into a builder, keyed by service. */
export async function readNezhaMetrics(
  metricDir: string,
  builder: FrameBuilder,
  options: { from_ms?: number; to_ms?: number } = {},
): Promise<void> {
  const from = options.from_ms ?? -Infinity, to = options.to_ms ?? Infinity;
  for (const file of listDir(metricDir).filter((f) => /_metric\.csv(\.gz)?$/.test(f))) {
    const path = join(metricDir, file);
    const table = parseCsv(await readTextFile(path));
    const timeCol = columnIndex(table, "Time", path);
    const podCol = table.header.indexOf("PodName");
    const filePod = file.replace(/_metric\.csv(\.gz)?$/, "");
    const indicatorCols = table.header.map((h, i) => [h, i] as const).filter(([h]) => !NON_INDICATORS.has(h));
    for (const row of table.rows) {
      const t = parseNezhaTime(row[timeCol] ?? "");
      if (!(t >= from && t < to)) continue;
      const service = serviceOfPod(podCol >= 0 && row[podCol] ? row[podCol] : filePod);
      for (const [h, i] of indicatorCols) builder.add(t, service, h, toNumber(row[i]));
    }
  }
}

/** The indicator name, on the callee, of the median latency of `caller`'s calls as measured at `side`. */
export function edgeLatencyIndicator(caller: string, side: "source" | "destination"): string {
  return `EdgeLatencyP50(s)<-${caller}@${side}`;
}

/** Parses an edge indicator back into (caller, side); null when `indicator` is not one. */
export function parseEdgeLatencyIndicator(
  indicator: string,
): { caller: string; side: "source" | "destination" } | null {
  const m = /^EdgeLatencyP50\(s\)<-(.+)@(source|destination)$/.exec(indicator);
  return m ? { caller: m[1], side: m[2] as "source" | "destination" } : null;
}

/**
 * Reads a day's per-edge latency files (`source_50.csv`, `destination_50.csv`: a `time` column and one column
 * per `{caller}_{callee}` edge) into a builder, on the callee (see {@link edgeLatencyIndicator}).
 */
export async function readNezhaEdgeLatencies(
  metricDir: string,
  builder: FrameBuilder,
  options: { from_ms?: number; to_ms?: number; services?: ReadonlySet<string> } = {},
): Promise<void> {
  const from = options.from_ms ?? -Infinity, to = options.to_ms ?? Infinity;
  for (const side of ["source", "destination"] as const) {
    const path = findFile(metricDir, `${side}_50.csv`);
    if (!path) continue;
    const table = parseCsv(await readTextFile(path));
    const timeCol = table.header.findIndex((h) => h.toLowerCase() === "time");
    if (timeCol < 0) continue;
    const edges: { col: number; caller: string; callee: string }[] = [];
    table.header.forEach((h, col) => {
      // Service names contain no "_", so the split is unambiguous; unknown callees are skipped.
      const parts = h.split("_");
      if (parts.length !== 2) return;
      const [caller, callee] = parts;
      if (options.services && !options.services.has(callee)) return;
      edges.push({ col, caller, callee });
    });
    for (const row of table.rows) {
      const t = parseNezhaTime(row[timeCol] ?? "");
      if (!(t >= from && t < to)) continue;
      for (const e of edges) {
        builder.add(t, e.callee, edgeLatencyIndicator(e.caller, side), toNumber(row[e.col]));
      }
    }
  }
}

/** Minute files (`HH_MM_{kind}.csv[.gz]`) of a day whose minute lies in [from_ms, to_ms). */
function minuteFiles(dir: string, day: string, kind: string, from_ms: number, to_ms: number): string[] {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const out: string[] = [];
  for (const f of listDir(dir)) {
    const m = new RegExp(`^(\\d{2})_(\\d{2})_${kind}\\.csv(\\.gz)?$`).exec(f);
    if (!m) continue;
    const t = dayStart + (Number(m[1]) * 60 + Number(m[2])) * MINUTE_MS;
    if (t + MINUTE_MS > from_ms && t < to_ms) out.push(join(dir, f));
  }
  return out;
}

/** Reads Nezha span CSVs into summaries (Nezha spans carry no status: `is_error` is false). */
export async function readNezhaSpans(files: readonly string[]): Promise<SpanSummary[]> {
  const spans: SpanSummary[] = [];
  for (const path of files) {
    const table = parseCsv(await readTextFile(path));
    const c = (name: string) => columnIndex(table, name, path);
    const [tid, sid, pid, pod, op, start, end] = [
      c("TraceID"),
      c("SpanID"),
      c("ParentID"),
      c("PodName"),
      c("OperationName"),
      c("StartTimeUnixNano"),
      c("EndTimeUnixNano"),
    ];
    for (const r of table.rows) {
      const startNs = BigInt(r[start] || "0"), endNs = BigInt(r[end] || "0");
      spans.push({
        trace_id: r[tid],
        span_id: r[sid],
        parent_span_id: r[pid] === "root" ? "" : r[pid],
        service: serviceOfPod(r[pod]),
        operation: r[op],
        start_ms: Number(startNs / 1000n) / 1000,
        duration_ms: Number(endNs - startNs) / 1e6,
        is_error: false,
      });
    }
  }
  return spans;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The service graph of a set of spans: an edge per (parent service, child service) pair that differ. */
export function graphFromSpans(spans: readonly SpanSummary[]): ServiceGraphSnapshot {
  const byId = new Map<string, SpanSummary>();
  for (const s of spans) byId.set(`${s.trace_id}/${s.span_id}`, s);
  const edges = new Map<string, { caller: string; callee: string; errors: number; durations: number[] }>();
  const nodes = new Set<string>();
  for (const s of spans) {
    nodes.add(s.service);
    if (!s.parent_span_id) continue;
    const parent = byId.get(`${s.trace_id}/${s.parent_span_id}`);
    if (!parent || parent.service === s.service) continue;
    const key = `${parent.service}\u0000${s.service}`;
    let e = edges.get(key);
    if (!e) edges.set(key, e = { caller: parent.service, callee: s.service, errors: 0, durations: [] });
    e.durations.push(s.duration_ms);
    if (s.is_error) e.errors++;
  }
  const out: GraphEdge[] = [...edges.values()].map((e) => {
    const d = e.durations.sort((a, b) => a - b);
    return {
      caller: e.caller,
      callee: e.callee,
      calls: d.length,
      errors: e.errors,
      latency_p50_ms: quantile(d, 0.5),
      latency_p99_ms: quantile(d, 0.99),
    };
  }).sort((a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
  return { nodes: [...nodes].sort().map((id) => ({ id, kind: "service" as const })), edges: out };
}

/** The graph in a day's `metric/dependency.csv` (Source,Target,Weight), or null when there is none. */
export async function readNezhaDependencies(metricDir: string): Promise<ServiceGraphSnapshot | null> {
  const file = findFile(metricDir, "dependency.csv");
  if (!file) return null;
  const table = parseCsv(await readTextFile(file));
  const [s, t, w] = ["Source", "Target", "Weight"].map((n) => columnIndex(table, n, file));
  const nodes = new Set<string>();
  const edges: GraphEdge[] = table.rows.map((r) => {
    nodes.add(r[s]);
    nodes.add(r[t]);
    return { caller: r[s], callee: r[t], calls: toNumber(r[w]) || 0, errors: 0 };
  });
  return { nodes: [...nodes].sort().map((id) => ({ id, kind: "service" as const })), edges };
}

/**
 * Turns a raw log line into a template: the message is unwrapped from the container JSON envelope(s),
 * the "TraceID: … SpanID: …" prefix is dropped and variable tokens (numbers, ids, quoted values, lists)
 * become `<*>`. Deterministic and stateless, so ids are stable across cases.
 */
export function logTemplate(raw: string): string {
  let msg = raw;
  for (let depth = 0; depth < 3; depth++) {
    const trimmed = msg.trim();
    if (!trimmed.startsWith("{")) break;
    try {
      const o = JSON.parse(trimmed) as Record<string, unknown>;
      const inner = o.message ?? o.log ?? o.msg;
      if (typeof inner !== "string") break;
      msg = inner;
    } catch {
      break;
    }
  }
  return msg
    .replace(/TraceID:\s*\S+\s*SpanID:\s*\S+\s*/i, "")
    .replace(/\[[^\]]*\]/g, "<*>")
    .replace(/"[^"]*"|'[^']*'/g, "<*>")
    .replace(/\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b/gi, "<*>")
    .replace(/\b(?=[A-Za-z]*\d)[A-Za-z0-9_-]{6,}\b/g, "<*>")
    .replace(/-?\d+(\.\d+)?/g, "<*>")
    .replace(/\s+/g, " ")
    .trim();
}

/** FNV-1a 32-bit of a string, as 8 hex digits: a stable template id. */
export function templateId(template: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < template.length; i++) {
    h ^= template.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Reads Nezha log CSVs into per-(service, template) counts aligned with the frame's windows. */
export async function readNezhaLogs(
  files: readonly string[],
  frame: MetricFrame,
): Promise<LogTemplateSeries[]> {
  const n = frame.times_ms.length;
  const from = frame.times_ms[0] ?? 0;
  const series = new Map<string, { service: string; template: string; counts: Float64Array }>();
  for (const path of files) {
    const table = parseCsv(await readTextFile(path));
    const [tCol, podCol, logCol] = ["TimeUnixNano", "PodName", "Log"].map((c) => columnIndex(table, c, path));
    for (const r of table.rows) {
      const t = Number(BigInt(r[tCol] || "0") / 1_000_000n);
      const i = Math.floor((t - from) / frame.step_ms);
      if (i < 0 || i >= n) continue;
      const service = serviceOfPod(r[podCol]);
      const template = logTemplate(r[logCol] ?? "");
      const key = `${service}\u0000${template}`;
      let s = series.get(key);
      if (!s) series.set(key, s = { service, template, counts: new Float64Array(n) });
      s.counts[i]++;
    }
  }
  return [...series.values()]
    .map((s) => ({
      service: s.service,
      template_id: templateId(s.template),
      template: s.template,
      counts: s.counts,
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.template_id.localeCompare(b.template_id));
}

/** Extra options of {@link loadNezhaCase}. */
export interface NezhaCaseOptions extends NezhaOptions {
  rootCauses?: Record<string, Record<string, string>>;
  id?: string;
  /** Start of the case's data (epoch ms, on the minute grid). @default injection − `history_ms`, floored to the minute */
  from_ms?: number;
  /** End of the case's data (exclusive). @default injection + `horizon_ms` */
  to_ms?: number;
}

/** Loads the case of one injection. */
export async function loadNezhaCase(
  dir: string,
  fault: NezhaFault,
  options: NezhaCaseOptions = {},
): Promise<OfflineCase> {
  const history = options.history_ms ?? 20 * MINUTE_MS;
  const horizon = options.horizon_ms ?? 5 * MINUTE_MS;
  const fault_type = NEZHA_FAULT_TYPES[fault.inject_type];
  if (!fault_type) {
    throw new RangeError(
      `Cannot map Nezha inject_type "${fault.inject_type}" to a fault type: expected one of ${
        Object.keys(NEZHA_FAULT_TYPES).join(", ")
      }`,
    );
  }
  const dayDir = join(dir, "rca_data", fault.day);
  // Grid aligned to whole minutes; each metric row (taken ~:19 s) lands in the minute it was sampled in.
  const from_ms = options.from_ms ?? Math.floor((fault.inject_ms - history) / MINUTE_MS) * MINUTE_MS;
  const to_ms = options.to_ms ?? fault.inject_ms + horizon;
  const builder = new FrameBuilder(MINUTE_MS);
  await readNezhaMetrics(join(dayDir, "metric"), builder, { from_ms, to_ms });
  if (options.edge_latency ?? true) {
    const services = new Set(
      listDir(join(dayDir, "metric")).filter((f) => /_metric\.csv(\.gz)?$/.test(f))
        .map((f) => serviceOfPod(f.replace(/_metric\.csv(\.gz)?$/, ""))),
    );
    await readNezhaEdgeLatencies(join(dayDir, "metric"), builder, { from_ms, to_ms, services });
  }
  const frame = builder.build({ from_ms, to_ms });
  const rootCauses = options.rootCauses ?? await readNezhaRootCauses(dir);
  const indicator = rootCauses[fault.service]?.[fault.inject_type];
  const input: OfflineCase["input"] = { frame };
  let extra: Partial<OfflineCase["input"]> = {};
  if (options.multimodal ?? true) {
    const spans = await readNezhaSpans(
      minuteFiles(join(dayDir, "trace"), fault.day, "trace", from_ms, to_ms),
    );
    const logs = await readNezhaLogs(
      minuteFiles(join(dayDir, "log"), fault.day, "log", from_ms, to_ms),
      frame,
    );
    const graph = spans.length > 0
      ? graphFromSpans(spans)
      : await readNezhaDependencies(join(dayDir, "metric"));
    extra = { spans, logs, ...(graph ? { graph } : {}) };
  }
  return {
    label: {
      id: options.id ??
        `${fault.day}/${new Date(fault.inject_ms).toISOString().slice(11, 19)}/${fault.service}`,
      dataset: options.name ?? "nezha",
      root_cause_service: fault.service,
      ...(indicator ? { root_cause_indicator: indicator } : {}),
      fault_type,
      fault_start_ms: fault.inject_ms,
      fault_end_ms: fault.inject_ms + 3 * MINUTE_MS,
    },
    input: { ...input, ...extra },
  };
}

/**
 * The fault-free warm-up of a Nezha-layout directory: the last `warmup_ms` (default 2 h) of
 * `construct_data/{day}/metric` (and its traces where they survived) for the day of the first injection,
 * or the first day that has construct data. With `past`, the last day before `day` instead when there is
 * one: what a running Vigil saw last before that day began (the recording's days follow on from each
 * other, so its levels are the ones the day starts with; a day's own fault-free tail, hours later, has
 * drifted — memory especially — and the splice alone looks like a fault). Null when there is none.
 */
export async function loadNezhaWarmup(
  dir: string,
  options: { warmup_ms?: number; day?: string; past?: boolean } = {},
): Promise<OfflineCase["input"] | null> {
  const construct = join(dir, "construct_data");
  const days = listDir(construct).filter((d) => existsSync(join(construct, d, "metric"))).sort();
  const before = options.past && options.day ? days.filter((d) => d < options.day!).at(-1) : undefined;
  const day = before ?? (options.day && days.includes(options.day) ? options.day : days[0]);
  if (!day) return null;
  const metricDir = join(construct, day, "metric");
  // the grid ends at the last sampled minute; take the last warmup_ms before it
  const probe = new FrameBuilder(MINUTE_MS);
  await readNezhaMetrics(metricDir, probe);
  const all = probe.build();
  const last = all.times_ms.at(-1);
  if (last === undefined) return null;
  const to_ms = last + MINUTE_MS;
  const from_ms = Math.max(all.times_ms[0], to_ms - (options.warmup_ms ?? 2 * 60 * MINUTE_MS));
  const builder = new FrameBuilder(MINUTE_MS);
  await readNezhaMetrics(metricDir, builder, { from_ms, to_ms });
  const frame = builder.build({ from_ms, to_ms });
  const spans = await readNezhaSpans(
    minuteFiles(join(construct, day, "trace"), day, "trace", from_ms, to_ms),
  );
  const graph = spans.length > 0 ? graphFromSpans(spans) : await readNezhaDependencies(metricDir);
  return { frame, spans, ...(graph ? { graph } : {}) };
}

/**
 * The [from_ms, to_ms) of every case when each day is cut into contiguous cases (see NezhaOptions.cut):
 * on the minute grid; a case ends `horizon_ms` after its injection, or at the minute before the next
 * injection's minute when that comes first, and the next case starts there. A day's first case starts
 * `history_ms` before its injection. Faults must be ordered by injection time.
 */
export function contiguousCuts(
  faults: readonly NezhaFault[],
  options: { history_ms?: number; horizon_ms?: number } = {},
): { from_ms: number; to_ms: number; first_of_day: boolean }[] {
  const history = options.history_ms ?? 20 * MINUTE_MS;
  const horizon = options.horizon_ms ?? 5 * MINUTE_MS;
  const minute = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
  const cuts: { from_ms: number; to_ms: number; first_of_day: boolean }[] = [];
  faults.forEach((f, k) => {
    const prev = cuts[k - 1];
    const first_of_day = k === 0 || faults[k - 1].day !== f.day;
    const from_ms = first_of_day ? minute(f.inject_ms - history) : prev.to_ms;
    const next = faults[k + 1];
    let to_ms = Math.ceil((f.inject_ms + horizon) / MINUTE_MS) * MINUTE_MS;
    if (next && next.day === f.day) to_ms = Math.min(to_ms, minute(next.inject_ms) - MINUTE_MS);
    cuts.push({ from_ms, to_ms: Math.max(to_ms, minute(f.inject_ms) + MINUTE_MS), first_of_day });
  });
  return cuts;
}

/** The input moved by `shift_ms` (a whole number of steps): frame times, span starts; logs stay aligned. */
function shiftInput(input: OfflineCase["input"], shift_ms: number): OfflineCase["input"] {
  return {
    ...input,
    frame: { ...input.frame, times_ms: input.frame.times_ms.map((t) => t + shift_ms) },
    ...(input.spans ? { spans: input.spans.map((s) => ({ ...s, start_ms: s.start_ms + shift_ms })) } : {}),
  };
}

/**
 * `before` followed by `after` on one grid: `before` must end where `after` starts (same step). Series
 * missing on one side are NaN there; spans are concatenated, logs padded; the graph is `after`'s.
 */
export function concatInputs(
  before: OfflineCase["input"],
  after: OfflineCase["input"],
): OfflineCase["input"] {
  const a = before.frame, b = after.frame;
  const aEnd = (a.times_ms.at(-1) ?? NaN) + a.step_ms;
  if (a.step_ms !== b.step_ms || (a.times_ms.length > 0 && b.times_ms.length > 0 && aEnd !== b.times_ms[0])) {
    throw new RangeError(
      `Cannot concatenate frames that do not abut on one grid: first ends at ${aEnd} (step ${a.step_ms}), ` +
        `second starts at ${b.times_ms[0]} (step ${b.step_ms})`,
    );
  }
  const na = a.times_ms.length, nb = b.times_ms.length;
  const series = new Map<string, Map<string, Float64Array>>();
  for (const [frame, offset] of [[a, 0], [b, na]] as const) {
    for (const [service, indicators] of frame.series) {
      let out = series.get(service);
      if (!out) series.set(service, out = new Map());
      for (const [indicator, values] of indicators) {
        let arr = out.get(indicator);
        if (!arr) out.set(indicator, arr = new Float64Array(na + nb).fill(NaN));
        arr.set(values, offset);
      }
    }
  }
  const pad = (logs: readonly LogTemplateSeries[], offset: number) =>
    logs.map((l) => {
      const counts = new Float64Array(na + nb);
      counts.set(l.counts, offset);
      return { ...l, counts };
    });
  const logs = [...pad(before.logs ?? [], 0), ...pad(after.logs ?? [], na)];
  const spans = [...(before.spans ?? []), ...(after.spans ?? [])];
  return {
    ...after,
    frame: { times_ms: [...a.times_ms, ...b.times_ms], step_ms: b.step_ms, series },
    ...(spans.length > 0 ? { spans } : {}),
    ...(logs.length > 0 ? { logs } : {}),
  };
}

/** Drops the leading grid rows where no series has a value (before a recording starts). */
function trimLeadingGap(input: OfflineCase["input"]): OfflineCase["input"] {
  const { frame } = input;
  let i0 = frame.times_ms.length;
  for (const indicators of frame.series.values()) {
    for (const values of indicators.values()) {
      const i = values.findIndex((v) => Number.isFinite(v));
      if (i >= 0 && i < i0) i0 = i;
    }
  }
  if (i0 === 0 || i0 === frame.times_ms.length) return input;
  const series = new Map(
    [...frame.series].map(([s, ind]) => [s, new Map([...ind].map(([k, v]) => [k, v.slice(i0)]))]),
  );
  return {
    ...input,
    frame: { ...frame, times_ms: frame.times_ms.slice(i0), series },
    ...(input.logs ? { logs: input.logs.map((l) => ({ ...l, counts: l.counts.slice(i0) })) } : {}),
  };
}

/** A Nezha-layout dataset; cases are ordered by injection time. */
export async function loadNezha(
  dir: string = defaultNezhaDir(),
  options: NezhaOptions = {},
): Promise<RcaDataset> {
  if (!existsSync(join(dir, "rca_data"))) {
    throw new RangeError(
      `Cannot load a Nezha-layout dataset as rca_data/ is missing: current value is ${dir}`,
    );
  }
  const faults = await readNezhaFaults(dir);
  const rootCauses = await readNezhaRootCauses(dir);
  const name = options.name ?? (dir.replace(/\/+$/, "").split("/").pop() || "nezha");
  return {
    kind: "rca",
    name,
    size: faults.length,
    ...(options.cut === "contiguous" ? {} : { warmup: () => loadNezhaWarmup(dir, { day: faults[0]?.day }) }),
    async *cases() {
      if (options.cut !== "contiguous") {
        for (const fault of faults) yield await loadNezhaCase(dir, fault, { ...options, rootCauses, name });
        return;
      }
      const cuts = contiguousCuts(faults, options);
      for (const [k, fault] of faults.entries()) {
        const { from_ms, to_ms, first_of_day } = cuts[k];
        const c = await loadNezhaCase(dir, fault, { ...options, rootCauses, name, from_ms, to_ms });
        if (!first_of_day) {
          yield c;
          continue;
        }
        const input = trimLeadingGap(c.input);
        const warmup = await loadNezhaWarmup(dir, {
          day: fault.day,
          warmup_ms: options.warmup_ms,
          past: true,
        });
        if (!warmup || warmup.frame.times_ms.length === 0 || input.frame.times_ms.length === 0) {
          yield { ...c, input };
          continue;
        }
        const wEnd = warmup.frame.times_ms.at(-1)! + warmup.frame.step_ms;
        const moved = shiftInput(warmup, input.frame.times_ms[0] - wEnd);
        yield { ...c, input: concatInputs({ frame: moved.frame, spans: moved.spans ?? [] }, input) };
      }
    },
  };
}

/**
 * Replays labelled cases as OTLP, at accelerated time, to Vigil's OTLP/HTTP receiver or straight to the
 * NATS subjects `otlp.v1.{signal}.{tenant}`.
 *
 * - Metrics: one ExportMetricsServiceRequest per window, a resource per service (semantic-convention
 *   attributes `service.name`, `k8s.pod.name`, `service.namespace`), one gauge per indicator named after
 *   the dataset's indicator (e.g. `cpu`, `lat_90`, `CpuUsageRate(%)`), time = window start.
 * - Spans (Nezha): ExportTraceServiceRequest per window, spans grouped by service, SERVER kind for spans
 *   whose parent is in another service (or root), CLIENT otherwise.
 * - Logs: LogTemplateSeries counts become that many log records per window with the template as body.
 *
 * Cases are laid end to end on one monotone timeline (case k starts `gap_ms` after case k-1 ends), so
 * event time never goes backwards even when datasets' cases overlap or lie days apart; each case's
 * pre-onset history is its fault-free warm-up. The shifted labels are returned for matching incidents.
 */
import type { LabelledCase, OfflineCase } from "../core/rca.ts";
import { encodeOtlp, type OtlpSignal } from "../core/otlp/codec.ts";
import { subjects } from "../bus/subjects.ts";

/** One OTLP request to send, at event time `time_ms`. */
export interface OtlpBatch {
  readonly signal: OtlpSignal;
  readonly time_ms: number;
  // deno-lint-ignore no-explicit-any
  readonly request: Record<string, any>;
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** The OTLP batches of one case, in time order, shifted by `shift_ms`. */
export function caseToOtlp(c: OfflineCase, options: { shift_ms?: number } = {}): OtlpBatch[] {
  const shift = options.shift_ms ?? 0;
  const { frame, spans = [], logs = [] } = c.input;
  const resource = (service: string) => ({
    attributes: [
      str("service.name", service),
      str("k8s.pod.name", `${service}-0`),
      str("service.namespace", c.label.dataset),
    ],
  });
  const batches: OtlpBatch[] = [];
  for (let i = 0; i < frame.times_ms.length; i++) {
    const t = frame.times_ms[i] + shift;
    const resourceMetrics = [];
    for (const [service, indicators] of frame.series) {
      const metrics = [];
      for (const [indicator, values] of indicators) {
        if (!Number.isFinite(values[i])) continue;
        metrics.push({
          name: indicator,
          gauge: { dataPoints: [{ timeUnixNano: nanos(t), asDouble: values[i] }] },
        });
      }
      if (metrics.length > 0) {
        resourceMetrics.push({
          resource: resource(service),
          scopeMetrics: [{ scope: { name: "vigil.replay" }, metrics }],
        });
      }
    }
    if (resourceMetrics.length > 0) {
      batches.push({ signal: "metrics", time_ms: t, request: { resourceMetrics } });
    }
    const logsByService = new Map<string, unknown[]>();
    for (const l of logs) {
      const n = l.counts[i];
      for (let k = 0; k < n; k++) {
        if (!logsByService.has(l.service)) logsByService.set(l.service, []);
        logsByService.get(l.service)!.push({
          timeUnixNano: nanos(t),
          severityNumber: 9,
          body: { stringValue: l.template },
          attributes: [str("log.template_id", l.template_id)],
        });
      }
    }
    if (logsByService.size > 0) {
      batches.push({
        signal: "logs",
        time_ms: t,
        request: {
          resourceLogs: [...logsByService].map(([service, logRecords]) => ({
            resource: resource(service),
            scopeLogs: [{ scope: { name: "vigil.replay" }, logRecords }],
          })),
        },
      });
    }
  }
  if (spans.length > 0) {
    const serviceOf = new Map(spans.map((s) => [`${s.trace_id}/${s.span_id}`, s.service]));
    const byWindow = new Map<number, Map<string, unknown[]>>();
    for (const s of spans) {
      const w = Math.floor((s.start_ms - (frame.times_ms[0] ?? 0)) / frame.step_ms);
      if (!byWindow.has(w)) byWindow.set(w, new Map());
      const bySvc = byWindow.get(w)!;
      if (!bySvc.has(s.service)) bySvc.set(s.service, []);
      const parentService = s.parent_span_id ? serviceOf.get(`${s.trace_id}/${s.parent_span_id}`) : undefined;
      bySvc.get(s.service)!.push({
        traceId: s.trace_id.padStart(32, "0"),
        spanId: s.span_id.padStart(16, "0"),
        ...(s.parent_span_id ? { parentSpanId: s.parent_span_id.padStart(16, "0") } : {}),
        name: s.operation,
        kind: parentService === s.service ? 3 : 2,
        startTimeUnixNano: nanos(s.start_ms + shift),
        endTimeUnixNano: nanos(s.start_ms + s.duration_ms + shift),
        status: { code: s.is_error ? 2 : 0 },
      });
    }
    for (const [w, bySvc] of byWindow) {
      batches.push({
        signal: "traces",
        time_ms: (frame.times_ms[0] ?? 0) + w * frame.step_ms + shift,
        request: {
          resourceSpans: [...bySvc].map(([service, s]) => ({
            resource: resource(service),
            scopeSpans: [{ scope: { name: "vigil.replay" }, spans: s }],
          })),
        },
      });
    }
  }
  return batches.sort((a, b) => a.time_ms - b.time_ms);
}

/** Where replayed OTLP goes. `send` resolves once the receiver accepted (HTTP 2xx, or a JetStream PubAck). */
export interface OtlpSink {
  send(signal: OtlpSignal, body: Uint8Array<ArrayBuffer>): Promise<void>;
}

export interface HttpSinkOptions {
  /** Sent as the tenant header; omitted, the receiver's default tenant. */
  tenant?: string;
  /** @default "x-vigil-tenant" */
  tenant_header?: string;
}

/** POSTs protobuf to `{endpoint}/v1/{signal}`; a non-2xx answer is an Error naming the status. */
export function httpSink(endpoint = "http://127.0.0.1:4318", options: HttpSinkOptions = {}): OtlpSink {
  const base = endpoint.replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/x-protobuf" };
  if (options.tenant) headers[options.tenant_header ?? "x-vigil-tenant"] = options.tenant;
  return {
    async send(signal, body) {
      const res = await fetch(`${base}/v1/${signal}`, { method: "POST", headers, body });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`OTLP receiver answered ${res.status} for /v1/${signal}`);
    },
  };
}

/** Publishes protobuf to `otlp.v1.{signal}.{tenant}` with a caller-supplied publish (e.g. bus publishDurable). */
export function natsSink(
  publish: (subject: string, body: Uint8Array) => Promise<unknown>,
  tenant = "default",
): OtlpSink {
  return { send: async (signal, body) => void await publish(subjects.otlp(signal, tenant), body) };
}

export interface ReplayOptions {
  /** Time acceleration: 60 replays a minute of data per second. Infinity sends as fast as possible. @default 60 */
  speed?: number;
  /** Gap between consecutive cases on the replay timeline. @default 10 minutes */
  gap_ms?: number;
  /** Where the replay timeline starts (epoch ms). @default the first case's own start */
  start_ms?: number;
  /**
   * Fault-free data replayed before the first case, ending `gap_ms` before it (see RcaDataset.warmup).
   * Its extent on the replay timeline is returned as `warmup_extent`.
   */
  warmup?: OfflineCase["input"] | null;
  /** Called after each case with its shifted label. */
  on_case?: (label: LabelledCase, index: number) => void;
  signal?: AbortSignal;
  /** Injected sleep (tests, or an injected clock). @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayStats {
  readonly cases: number;
  readonly requests: Record<OtlpSignal, number>;
  readonly bytes: number;
  /** Labels with times on the replay timeline. */
  readonly labels: LabelledCase[];
  /** Per case (parallel to `labels`): its data's extent on the replay timeline, [start_ms, end_ms). */
  readonly extents: { start_ms: number; end_ms: number }[];
  /** The warm-up's extent on the replay timeline, when one was replayed. */
  readonly warmup_extent?: { start_ms: number; end_ms: number };
}

/** Replays cases in order to a sink; returns what was sent and the shifted labels. */
export async function replayCases(
  cases: AsyncIterable<OfflineCase>,
  sink: OtlpSink,
  options: ReplayOptions = {},
): Promise<ReplayStats> {
  const speed = options.speed ?? 60;
  if (!(speed > 0)) throw new RangeError(`Cannot replay as speed must be > 0: current value is ${speed}`);
  const gap = options.gap_ms ?? 600_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const requests: Record<OtlpSignal, number> = { traces: 0, metrics: 0, logs: 0 };
  const labels: LabelledCase[] = [];
  const extents: { start_ms: number; end_ms: number }[] = [];
  let bytes = 0;
  let cursor: number | undefined = options.start_ms;
  let lastEvent: number | undefined;
  let warmup_extent: { start_ms: number; end_ms: number } | undefined;
  const send = async (batches: OtlpBatch[]) => {
    for (const b of batches) {
      options.signal?.throwIfAborted();
      if (lastEvent !== undefined && Number.isFinite(speed)) {
        const wait = (b.time_ms - lastEvent) / speed;
        if (wait > 0) await sleep(Math.min(wait, 60_000));
      }
      lastEvent = b.time_ms;
      const body = encodeOtlp(b.signal, b.request);
      await sink.send(b.signal, body);
      requests[b.signal]++;
      bytes += body.byteLength;
    }
  };
  for await (const c of cases) {
    options.signal?.throwIfAborted();
    const t0 = c.input.frame.times_ms[0] ?? c.label.fault_start_ms;
    const tEnd = (c.input.frame.times_ms.at(-1) ?? t0) + c.input.frame.step_ms;
    const shift = cursor === undefined ? 0 : cursor - t0;
    cursor = tEnd + shift + gap;
    const label: LabelledCase = {
      ...c.label,
      fault_start_ms: c.label.fault_start_ms + shift,
      ...(c.label.fault_end_ms !== undefined ? { fault_end_ms: c.label.fault_end_ms + shift } : {}),
    };
    if (options.warmup && labels.length === 0) {
      const w = options.warmup;
      const wStart = w.frame.times_ms[0];
      const wEnd = (w.frame.times_ms.at(-1) ?? wStart) + w.frame.step_ms;
      if (wStart !== undefined) {
        const wShift = t0 + shift - gap - wEnd;
        await send(caseToOtlp({ label: { ...c.label, id: "warmup" }, input: w }, { shift_ms: wShift }));
        warmup_extent = { start_ms: wStart + wShift, end_ms: wEnd + wShift };
      }
    }
    await send(caseToOtlp(c, { shift_ms: shift }));
    labels.push(label);
    extents.push({ start_ms: t0 + shift, end_ms: tEnd + shift });
    options.on_case?.(label, labels.length - 1);
  }
  return {
    cases: labels.length,
    requests,
    bytes,
    labels,
    extents,
    ...(warmup_extent ? { warmup_extent } : {}),
  };
}

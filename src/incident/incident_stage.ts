/**
 * The live detection → localization → incident stage.
 *
 * Reads FEATURES records (replaying the last `replay_history_ms` on start, so detector state is rebuilt
 * from the stream rather than kept elsewhere), runs the configured detector per service and window,
 * publishes anomalies on `vigil.anomalies.{service}`, and once a window is complete (a record of a later
 * window arrived, or `window_ms` of quiet passed) steps the IncidentTracker, which localizes, classifies
 * and groups. Incident records go to `vigil.incidents.{severity}` and the KV bucket `vigil_incidents`
 * (key `<tenant>.<id>`). Every output has a deterministic Nats-Msg-Id, so a replay after a restart
 * stores nothing twice.
 */
import type { Bus } from "../bus/connection.ts";
import { type KvBucket, openKvBucket } from "../bus/kv_bucket.ts";
import { replayAndFollow } from "../bus/ordered.ts";
import { publishDurable } from "../bus/publish.ts";
import { STREAMS, subjects } from "../bus/subjects.ts";
import { FeatureRecordSchema } from "../core/feature_record.ts";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import { anomalyRecord } from "../detect/anomaly_record.ts";
import type { DetectionResult, Detector } from "../detect/detector.ts";
import { featureIndicators } from "../detect/feature_indicators.ts";
import { FrameBuffer } from "../detect/frame_buffer.ts";
import { createDetector } from "../detect/registry.ts";
import { createLocalizer } from "../localize/registry.ts";
import { IncidentTracker } from "./incident_tracker.ts";
import type { IncidentRecord } from "./incident_record.ts";

export interface IncidentStageOptions {
  /** Window of the FEATURES records. @default 10000 */
  window_ms?: number;
  /** Windows of history handed to localizers. @default 90 */
  history_windows?: number;
  /** FEATURES history replayed on start to warm the detectors. @default 3600000 */
  replay_history_ms?: number;
  /** @default "robust_score" */
  detector?: string;
  detector_config?: unknown;
  /** @default "ensemble" */
  localizer?: string;
  localizer_config?: unknown;
  /** User-facing services; their involvement raises severity. @default [] */
  entry_services?: string[];
  /** The service graph as of a time (from the feature engine), if there is one. */
  graph?: (t_ms: number, tenant: string) => Promise<ServiceGraphSnapshot | undefined>;
  /** Called with every incident record published. */
  on_incident?: (r: IncidentRecord) => void;
  log?: (line: string) => void;
}

export interface IncidentStageCounters {
  records: number;
  invalid_records: number;
  out_of_order_records: number;
  anomalies: number;
  windows_stepped: number;
  incidents_published: number;
  errors: number;
}

export interface IncidentStage {
  counters(): IncidentStageCounters;
  /** Latest record of every incident seen, newest first. */
  incidents(): IncidentRecord[];
  /** Steps every tenant's pending window now (end of a replay, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface TenantState {
  detector: Detector;
  tracker: IncidentTracker;
  frame: FrameBuffer;
  current: number;
  pending: Map<string, DetectionResult>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export async function startIncidentStage(
  bus: Bus,
  options: IncidentStageOptions = {},
): Promise<IncidentStage> {
  const window_ms = options.window_ms ?? 10_000;
  const detectorName = options.detector ?? "robust_score";
  const localizerName = options.localizer ?? "ensemble";
  // validate the component configs once, up front (unknown names and keys are rejected here)
  createDetector(detectorName, options.detector_config ?? {});
  createLocalizer(localizerName, options.localizer_config ?? {});
  const log = options.log ?? (() => {});
  const kv: KvBucket = await openKvBucket(bus, "vigil_incidents");
  const counters: IncidentStageCounters = {
    records: 0,
    invalid_records: 0,
    out_of_order_records: 0,
    anomalies: 0,
    windows_stepped: 0,
    incidents_published: 0,
    errors: 0,
  };
  const tenants = new Map<string, TenantState>();
  const latest = new Map<string, IncidentRecord>();
  let lastInput = Date.now();

  const state = (tenant: string): TenantState => {
    let s = tenants.get(tenant);
    if (!s) {
      s = {
        detector: createDetector(detectorName, options.detector_config ?? {}),
        tracker: new IncidentTracker({
          tenant,
          localizer: createLocalizer(localizerName, options.localizer_config ?? {}),
          entry_services: options.entry_services ?? [],
        }),
        frame: new FrameBuffer({ step_ms: window_ms, capacity: options.history_windows ?? 90 }),
        current: -Infinity,
        pending: new Map(),
      };
      tenants.set(tenant, s);
    }
    return s;
  };

  const step = async (tenant: string, s: TenantState) => {
    if (s.pending.size === 0) return;
    const t = s.current;
    const detections = [...s.pending.values()];
    s.pending.clear();
    counters.windows_stepped++;
    const graph = options.graph
      ? await options.graph(t + window_ms, tenant).catch(() => undefined)
      : undefined;
    const records = s.tracker.step(t, detections, { frame: s.frame.frame(t), graph });
    for (const r of records) {
      await publishDurable(bus, subjects.incidents(r.severity), enc.encode(JSON.stringify(r)), {
        msg_id: `${r.tenant}/${r.id}/${r.revision}`,
      });
      await kv.put(`${r.tenant}.${r.id}`, enc.encode(JSON.stringify(r)));
      counters.incidents_published++;
      latest.set(`${r.tenant}.${r.id}`, r);
      options.on_incident?.(r);
      log(`vigil: incident ${r.id} ${r.status} r${r.revision} ${r.severity}: ${r.report.title}`);
    }
  };

  // one message at a time: the stage's state is single-threaded by construction
  const onMessage = async (_subject: string, data: Uint8Array) => {
    lastInput = Date.now();
    counters.records++;
    let json: unknown;
    try {
      json = JSON.parse(dec.decode(data));
    } catch {
      counters.invalid_records++;
      return;
    }
    const parsed = FeatureRecordSchema.safeParse(json);
    if (!parsed.success) {
      counters.invalid_records++;
      return;
    }
    const rec = parsed.data;
    const s = state(rec.tenant);
    if (rec.window_start_ms > s.current) {
      await step(rec.tenant, s);
      s.current = rec.window_start_ms;
    }
    const values = featureIndicators(rec);
    s.frame.add(rec.service, rec.window_start_ms, values);
    let d: DetectionResult;
    try {
      d = s.detector.observe(rec.service, { time_ms: rec.window_start_ms, values });
    } catch (e) {
      if (e instanceof RangeError) {
        counters.out_of_order_records++; // a window at or before one already seen (replay overlap)
        return;
      }
      throw e;
    }
    if (rec.window_start_ms === s.current) s.pending.set(rec.service, d);
    if (d.anomalous) {
      counters.anomalies++;
      await publishDurable(
        bus,
        subjects.anomalies(rec.service),
        enc.encode(JSON.stringify(anomalyRecord(rec.tenant, detectorName, d))),
        { msg_id: `${rec.tenant}/${rec.service}/${rec.window_start_ms}` },
      );
    }
  };

  const abort = new AbortController();
  let queue = Promise.resolve();
  const serialized = (f: () => Promise<void>) => (queue = queue.then(f).catch((e) => {
    counters.errors++;
    log(`vigil: incident stage error: ${(e as Error).message}`);
  }));
  const running = replayAndFollow(bus, (subject, data) => serialized(() => onMessage(subject, data)), {
    stream: STREAMS.features,
    filter_subjects: [subjects.featuresAll],
    start_time_ms: Date.now() - (options.replay_history_ms ?? 3_600_000),
    signal: abort.signal,
    on_error: () => counters.errors++,
  });
  // a window with no successor is stepped once input has been quiet for a window
  const timer = setInterval(() => {
    if (Date.now() - lastInput < window_ms) return;
    serialized(async () => {
      for (const [tenant, s] of tenants) await step(tenant, s);
    });
  }, Math.min(window_ms, 1000));

  let closed = false;
  return {
    counters: () => ({ ...counters }),
    incidents: () => [...latest.values()].sort((a, b) => b.updated_ms - a.updated_ms),
    async flush() {
      await serialized(async () => {
        for (const [tenant, s] of tenants) await step(tenant, s);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      abort.abort();
      await running;
      await queue;
    },
  };
}

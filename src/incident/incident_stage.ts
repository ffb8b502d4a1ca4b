/**
 * The live detection → localization → incident stage: IncidentEngine (incident_engine.ts) on the bus.
 *
 * Reads FEATURES records (replaying the last `replay_history_ms` on start, so detector state is rebuilt
 * from the stream rather than kept elsewhere), publishes anomalies on `vigil.anomalies.{service}`, and
 * incident records on `vigil.incidents.{severity}` and in the KV bucket `vigil_incidents` (key
 * `<tenant>.<id>`). A window with no successor is completed once input has been quiet for a window.
 * Every output has a deterministic Nats-Msg-Id, so a replay after a restart stores nothing twice.
 * With `report_llm` on, an LLM rewrite of a report follows as the incident's next revision
 * (report_rewriter.ts); the incident itself never waits for it.
 */
import type { Bus } from "../bus/connection.ts";
import { type KvBucket, openKvBucket } from "../bus/kv_bucket.ts";
import { replayAndFollow } from "../bus/ordered.ts";
import { publishDurable } from "../bus/publish.ts";
import { STREAMS, subjects } from "../bus/subjects.ts";
import { FeatureRecordSchema } from "../core/feature_record.ts";
import type { ServiceGraphSnapshot } from "../core/rca.ts";
import {
  IncidentEngine,
  type IncidentEngineCounters,
  type IncidentEngineOptions,
} from "./incident_engine.ts";
import type { IncidentRecord } from "./incident_record.ts";
import {
  createReportRewriter,
  type ReportLlmConfig,
  type ReportRewriterCounters,
} from "./report_rewriter.ts";

export interface IncidentStageOptions extends IncidentEngineOptions {
  /** FEATURES history replayed on start to warm the detectors. @default 3600000 */
  replay_history_ms?: number;
  /** The service graph as of a time (from the feature engine), if there is one. */
  graph?: (t_ms: number, tenant: string) => Promise<ServiceGraphSnapshot | undefined>;
  /** Called with every incident record published. */
  on_incident?: (r: IncidentRecord) => void;
  log?: (line: string) => void;
  /** Optional LLM rewrite of the reports (config `incidents.report_llm`). @default off */
  report_llm?: ReportLlmConfig;
}

/** The rewriter's counters are there when `report_llm` is on. */
export interface IncidentStageCounters extends IncidentEngineCounters, Partial<ReportRewriterCounters> {
  invalid_records: number;
  incidents_published: number;
  errors: number;
}

export interface IncidentStage {
  counters(): IncidentStageCounters;
  /** Latest record of every incident seen, newest first. */
  incidents(): IncidentRecord[];
  /** Completes every tenant's pending window now (end of a replay, tests). */
  flush(): Promise<void>;
  /** Stops following; safe twice. */
  close(): Promise<void>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export async function startIncidentStage(
  bus: Bus,
  options: IncidentStageOptions = {},
): Promise<IncidentStage> {
  const engine = new IncidentEngine(options);
  const window_ms = options.window_ms ?? 10_000;
  const log = options.log ?? (() => {});
  const kv: KvBucket = await openKvBucket(bus, "vigil_incidents");
  const own = { invalid_records: 0, incidents_published: 0, errors: 0 };
  const latest = new Map<string, IncidentRecord>();
  let lastInput = Date.now();

  const graphFor = async (w: { tenant: string; window_start_ms: number } | null) =>
    w && options.graph
      ? await options.graph(w.window_start_ms + window_ms, w.tenant).catch(() => undefined)
      : undefined;

  // the tracker's records go through the rewriter (revision shift, rewrite carried forward); its own
  // rewrite revisions (`rewrites`) are final
  const publishIncidents = async (records: IncidentRecord[], rewrites = false) => {
    for (const tracked of records) {
      const r = rewriter && !rewrites ? rewriter.track(tracked, { rewrite: live }) : tracked;
      const body = enc.encode(JSON.stringify(r));
      await publishDurable(bus, subjects.incidents(r.severity), body, {
        msg_id: `${r.tenant}/${r.id}/${r.revision}`,
      });
      await kv.put(`${r.tenant}.${r.id}`, body);
      own.incidents_published++;
      latest.set(`${r.tenant}.${r.id}`, r);
      options.on_incident?.(r);
    }
  };

  const onMessage = async (data: Uint8Array) => {
    lastInput = Date.now();
    let json: unknown;
    try {
      json = JSON.parse(dec.decode(data));
    } catch {
      own.invalid_records++;
      return;
    }
    const parsed = FeatureRecordSchema.safeParse(json);
    if (!parsed.success) {
      own.invalid_records++;
      return;
    }
    const rec = parsed.data;
    const out = engine.onRecord(rec, await graphFor(engine.completes(rec)));
    for (const a of out.anomalies) {
      await publishDurable(bus, subjects.anomalies(a.service), enc.encode(JSON.stringify(a)), {
        msg_id: `${a.tenant}/${a.service}/${a.window_start_ms}`,
      });
    }
    await publishIncidents(out.incidents);
  };

  const flushAll = async () => {
    for (const w of engine.pendingWindows()) {
      await publishIncidents(engine.flush(w.tenant, await graphFor(w)));
    }
  };

  // one message at a time: the engine's state is single-threaded by construction
  let queue = Promise.resolve();
  const serialized = (f: () => Promise<void>) =>
    queue = queue.then(f).catch((e) => {
      own.errors++;
      log(`vigil: incident stage error: ${(e as Error).message}`);
    });
  const rewriter = createReportRewriter(options.report_llm, {
    on_ready: () => serialized(() => publishIncidents(rewriter!.takeReady(), true)),
    log,
  });
  // records replayed on start re-create incidents already reported: no rewrite is asked for them
  const replayedSeq = rewriter
    ? await bus.jsm().then((m) => m.streams.info(STREAMS.features)).then((i) => i.state.last_seq, () => 0)
    : 0;
  let live = true;
  const abort = new AbortController();
  const running = replayAndFollow(bus, (_subject, data, seq) =>
    serialized(() => {
      live = seq > replayedSeq;
      return onMessage(data);
    }), {
    stream: STREAMS.features,
    filter_subjects: [subjects.featuresAll],
    start_time_ms: Date.now() - (options.replay_history_ms ?? 3_600_000),
    signal: abort.signal,
    on_error: () => own.errors++,
  });
  const timer = setInterval(() => {
    if (Date.now() - lastInput >= window_ms) serialized(flushAll);
  }, Math.min(window_ms, 1000));

  let closed = false;
  return {
    counters: () => ({ ...engine.counters, ...own, ...rewriter?.counters() }),
    incidents: () => [...latest.values()].sort((a, b) => b.updated_ms - a.updated_ms),
    flush: () => serialized(flushAll),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      abort.abort();
      await running;
      await rewriter?.close();
      await queue;
    },
  };
}

/**
 * The streaming feature engine: N feature workers sharing one durable pull consumer on the OTLP stream,
 * and the window reducer that merges their partials into FEATURES records.
 *
 * ```ts
 * await using engine = await startFeatureEngine({ nats_url: "nats://127.0.0.1:4222", workers: 2 });
 * engine.store.recent("checkout");            // recent FEATURES records, in process
 * engine.store.subscribe((rec) => ...);       // every record as it is published
 * await engine.graph?.asOf(Date.now());       // the service graph (src/graph/service_graph.ts)
 * engine.counters();                          // workers, reducer, graph counters
 * await engine.flush();                       // close every open window now (end of stream, tests)
 * ```
 *
 * Options (all optional but nats_url): `workers` (Deno Workers, default 1; 0 runs no worker here, for
 * processes that only reduce while src/features/feature_worker_main.ts processes do the work),
 * `window_ms` (10000), `max_out_of_order_ms` (5000), `allowed_lateness_ms` (5000), the reducer's caps and
 * ttls (WindowReducerOptions: `max_operations`, `max_metric_series`, `series_ttl_ms`, `max_log_clusters`,
 * ...), `batch_size` (64), `partials_per` ("batch": one feature partial per pull batch and partition, or
 * "message"), `idle_flush_ms` (closes open windows after that long without input; default
 * 30000, 0 disables), `reducer` (true), `persist_state` (true), `graph` (true), `graph_ttl_ms` (unpaired
 * span halves, 30000), `ack_wait_ms` for the OTLP consumer (30000), `store` (FeatureStoreOptions).
 *
 * Data flow and guarantees: workers ack an OTLP message only after its partials are stored in
 * FEATURE_PARTIALS (deterministic Nats-Msg-Id; a batch partial lists the OTLP sequences it covers, and
 * the reducer merges each sequence once: see feature_worker.ts for the argument); the reducer acks a
 * partial only after every window it touched is published on FEATURES (Nats-Msg-Id
 * `<tenant>/<service>/<window start>`) and the reducer's
 * state as of those windows is stored (KV `vigil_reducer_state`, src/features/reducer_state_store.ts).
 * Too-late partials are published on `vigil.late.features` and counted. Streams come from
 * nats/streams.json (src/bus/streams.ts); consumers are created here.
 *
 * Crash safety: a reducer starts from the last complete state in KV and re-reads, from the stream, the
 * partials its consumer had delivered but not acked (to the reducer that died, or to this one before a
 * failed publish or state write, after which it starts over the same way). It then publishes exactly the
 * records a reducer that never stopped would have (re-published records are identical and deduplicated by
 * their Nats-Msg-Id), as long as no data was too late in one run and not in the other (arrival order
 * decides lateness, as for any reordering). Without persist_state the cumulative baselines and log
 * clusters start empty after a restart.
 *
 * Lifecycle: disposal (or `close()`) stops the workers after their batch in flight, then the reducer;
 * safe to call twice. Open windows are not flushed on close: their partials stay unacked in JetStream
 * and are merged again by the next reducer.
 */
import { type Bus, connectBus } from "../bus/connection.ts";
import { publishDurable } from "../bus/publish.ts";
import { type BusMessage, consumerLag, ensurePullConsumer, pullBatches } from "../bus/pull_batches.ts";
import { ensureStreams } from "../bus/streams.ts";
import { STREAMS, subjects } from "../bus/subjects.ts";
import type { FeatureRecord } from "../core/feature_record.ts";
import {
  FEATURE_CONSUMER,
  type FeatureWorkerCounters,
  newWorkerCounters,
  type PartialsPer,
} from "./feature_worker.ts";
import { FeatureStore, type FeatureStoreOptions } from "./feature_store.ts";
import { decodePartial, isBinaryPartial } from "./partial_codec.ts";
import {
  type PartialMessage,
  type ReducerCounters,
  WindowReducer,
  type WindowReducerOptions,
} from "./window_reducer.ts";
import { ReducerStateStore } from "./reducer_state_store.ts";
import { readRange, unackedRange } from "../bus/read_range.ts";
import { ServiceGraph, type ServiceGraphCounters } from "../graph/service_graph.ts";

export const REDUCER_CONSUMER = "vigil-reducer";
const PARTIAL_SUBJECTS = ["vigil.features.partial.>"];

/** Steps of a reducer close, in order, for fault-injection tests (`on_close_step`). */
export type CloseStep = "records_published" | "states_written" | "state_committed";

/** Reducer counters of the engine: the reducer's, and those of publishing and of its durable state. */
export interface EngineReducerCounters extends ReducerCounters {
  records_published: number;
  late_published: number;
  /** State generations written (one per close that closed windows). */
  state_writes: number;
  /** Service states written, summed over generations. */
  state_services_written: number;
  state_bytes_written: number;
  /** Times the reducer started from the stored state (at start, and after a failed close). */
  recoveries: number;
  /** Partials re-read from the stream at recoveries (delivered before, never acked). */
  partials_reread: number;
  /** Service states put back to their complete revision at recoveries. */
  state_rolled_back: number;
}

export interface FeatureEngineOptions extends WindowReducerOptions {
  nats_url: string;
  workers?: number;
  batch_size?: number;
  /** How the workers cut feature partials (src/features/feature_worker.ts). @default "batch" */
  partials_per?: PartialsPer;
  idle_flush_ms?: number;
  reducer?: boolean;
  graph?: boolean;
  graph_ttl_ms?: number;
  ack_wait_ms?: number;
  store?: FeatureStoreOptions;
  /** Create or update the streams from nats/streams.json at start. @default true */
  ensure_streams?: boolean;
  /** Keep the reducer's cross-window state in KV, so that a restart changes no record. @default true */
  persist_state?: boolean;
  /** KV bucket of the reducer's state. @default "vigil_reducer_state" */
  state_bucket?: string;
  /** Ack wait of the reducer's partials consumer (longer than a window is held). @default 300000 */
  partial_ack_wait_ms?: number;
  /** Most partials the reducer merges between two closes. @default 256 */
  partial_batch_size?: number;
  /**
   * Called at each step of a close that closed windows (fault injection in crash tests), with the close's
   * number in this engine (1, 2, ...) and the reducer's counters.
   */
  on_close_step?: (
    step: CloseStep,
    info: { close: number; counters: EngineReducerCounters },
  ) => void | Promise<void>;
}

export interface FeatureEngineCounters {
  /** The workers' counters, summed. */
  workers: FeatureWorkerCounters;
  /** Each worker's own (the share of the stream each one took). */
  per_worker: FeatureWorkerCounters[];
  reducer: EngineReducerCounters;
  graph: ServiceGraphCounters | null;
}

export interface FeatureEngine extends AsyncDisposable {
  readonly store: FeatureStore;
  readonly graph: ServiceGraph | null;
  counters(): FeatureEngineCounters;
  /** Closes every open window now and publishes their records. */
  flush(): Promise<FeatureRecord[]>;
  /** True when no OTLP or partial message is pending or unacked-but-processable. */
  drained(): Promise<boolean>;
  close(): Promise<void>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

/** A one-slot mutex: runs tasks one after the other. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => {});
    return next;
  };
}

export async function startFeatureEngine(options: FeatureEngineOptions): Promise<FeatureEngine> {
  const nWorkers = options.workers ?? 1;
  if (!(Number.isInteger(nWorkers) && nWorkers >= 0)) {
    throw new RangeError(
      `Cannot start the feature engine as workers must be an integer >= 0: current value is ${nWorkers}`,
    );
  }
  const window_ms = options.window_ms ?? 10_000;
  const bus: Bus = await connectBus(options.nats_url, { name: "vigil-feature-engine" });
  // the runtime has already declared the streams (with config overrides); standalone use declares them
  if (options.ensure_streams ?? true) await ensureStreams(bus);
  await ensurePullConsumer(bus, {
    stream: STREAMS.otlp,
    durable: FEATURE_CONSUMER,
    filter_subjects: [subjects.otlpAll],
    ack_wait_ms: options.ack_wait_ms ?? 30_000,
  });
  const abort = new AbortController();
  const store = new FeatureStore(options.store);
  const tasks: Promise<void>[] = [];
  const run = serial();

  // ---- workers (Deno Workers, each with its own connection)
  const workerCounters: FeatureWorkerCounters[] = [];
  const workers: Worker[] = [];
  for (let i = 0; i < nWorkers; i++) {
    const w = new Worker(new URL("./feature_worker_entry.ts", import.meta.url), { type: "module" });
    const c = newWorkerCounters();
    workerCounters.push(c);
    const started = new Promise<void>((resolve) => {
      w.onmessage = (e) => {
        if (e.data.type === "counters" || e.data.type === "stopped") Object.assign(c, e.data.counters);
        if (e.data.type === "started") resolve();
      };
    });
    w.postMessage({
      type: "start",
      nats_url: options.nats_url,
      options: {
        window_ms,
        batch_size: options.batch_size,
        partials_per: options.partials_per,
        graph: options.graph ?? true,
      },
    });
    await started;
    workers.push(w);
  }

  // ---- reducer
  const reducerOptions: WindowReducerOptions = {
    window_ms,
    max_out_of_order_ms: options.max_out_of_order_ms,
    allowed_lateness_ms: options.allowed_lateness_ms,
    max_operations: options.max_operations,
    max_operations_held: options.max_operations_held,
    max_metric_series: options.max_metric_series,
    max_metric_series_held: options.max_metric_series_held,
    max_templates: options.max_templates,
    series_ttl_ms: options.series_ttl_ms,
    max_log_clusters: options.max_log_clusters,
    log_similarity: options.log_similarity,
    log_cluster_ttl_ms: options.log_cluster_ttl_ms,
  };
  let reducer = new WindowReducer<BusMessage>(reducerOptions); // validates the options before any I/O
  const rc = {
    records_published: 0,
    late_published: 0,
    state_writes: 0,
    state_services_written: 0,
    state_bytes_written: 0,
    recoveries: 0,
    partials_reread: 0,
    state_rolled_back: 0,
  };
  let lastInput = Date.now();
  let closes = 0;
  const batchSize = options.partial_batch_size ?? 256;
  const states = (options.reducer ?? true) && (options.persist_state ?? true)
    ? await ReducerStateStore.open(bus, { bucket: options.state_bucket })
    : null;

  /** Merges one partial; too-late windows go to vigil.late.features (returned, to await). */
  const accept = (r: WindowReducer<BusMessage>, data: Uint8Array, seq: number, m?: BusMessage) => {
    let p: PartialMessage;
    try {
      p = isBinaryPartial(data) ? decodePartial(data) : JSON.parse(dec.decode(data));
    } catch {
      m?.term("not a partial (binary or JSON)");
      return undefined;
    }
    const { too_late } = r.accept(p, m, { position: seq });
    if (too_late.length === 0) return undefined;
    rc.late_published++;
    return publishDurable(
      bus,
      subjects.late("features"),
      enc.encode(JSON.stringify({ ...p, windows: too_late })),
      { msg_id: `late/${p.src}` },
    );
  };

  /**
   * Starts the reducer over from the last complete state, then merges again the partials delivered but
   * not acked (in stream order, as first delivered, closing windows every `partial_batch_size` partials as
   * the live path does). Their deliveries still pending at JetStream come back later as duplicates, held
   * with their windows or acked at once.
   */
  const recover = async (): Promise<void> => {
    const r = new WindowReducer<BusMessage>(reducerOptions);
    if (states) {
      const s = await states.load();
      r.restore(s.progress, s.services);
      rc.state_rolled_back += s.rolled_back;
    }
    const c = reducer.counters;
    for (const k of Object.keys(c) as (keyof ReducerCounters)[]) r.counters[k] += c[k];
    reducer = r;
    rc.recoveries++;
    const range = await unackedRange(bus, STREAMS.featurePartials, REDUCER_CONSUMER);
    let late: Promise<unknown>[] = [];
    const closeBatch = async () => {
      await Promise.all(late);
      late = [];
      await publishClosed(false);
    };
    await readRange(bus, async (data, seq) => {
      const l = accept(r, data, seq);
      if (l) late.push(l);
      if (++rc.partials_reread % batchSize === 0) await closeBatch();
    }, { stream: STREAMS.featurePartials, filter_subjects: PARTIAL_SUBJECTS, ...range });
    await closeBatch();
  };

  const publishClosed = async (all: boolean): Promise<FeatureRecord[]> => {
    const { records, releasable } = reducer.close({ all });
    const close = records.length > 0 ? ++closes : closes;
    await Promise.all(
      records.map((r) =>
        publishDurable(bus, subjects.features(r.service), enc.encode(JSON.stringify(r)), {
          msg_id: `${r.tenant}/${r.service}/${r.window_start_ms}`,
        })
      ),
    );
    rc.records_published += records.length;
    const hook = (step: CloseStep) =>
      options.on_close_step?.(step, { close, counters: { ...reducer.counters, ...rc } });
    if (records.length > 0) await hook("records_published");
    if (reducer.state_changed) {
      const snapshot = reducer.snapshot();
      if (states) {
        const w = await states.write(snapshot, { on_step: hook });
        rc.state_writes++;
        rc.state_services_written += w.services;
        rc.state_bytes_written += w.bytes;
        await hook("state_committed");
      }
    }
    for (const r of records) store.add(r);
    if (records.length > 0) store.expire(reducer.watermark_ms); // idle services leave the store
    for (const m of releasable) m.ack();
    return records;
  };

  // Every reducer step runs one at a time; after a failure (NATS away, a publish or state write refused)
  // nothing of the step is acked, and the next step first starts over from the stored state.
  let failed = false;
  const step = <R>(fn: () => Promise<R>): Promise<R> =>
    run(async () => {
      if (failed) {
        await recover();
        failed = false;
      }
      try {
        return await fn();
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  if (options.reducer ?? true) {
    await ensurePullConsumer(bus, {
      stream: STREAMS.featurePartials,
      durable: REDUCER_CONSUMER,
      filter_subjects: PARTIAL_SUBJECTS,
      ack_wait_ms: options.partial_ack_wait_ms ?? 300_000,
      max_deliver: -1,
      max_ack_pending: 100_000,
    });
    await recover();
    tasks.push(pullBatches(bus, (msgs) =>
      step(async () => {
        lastInput = Date.now();
        const late: Promise<unknown>[] = [];
        for (const m of msgs) {
          const l = accept(reducer, m.data, m.stream_seq, m);
          if (l) late.push(l);
        }
        await Promise.all(late);
        await publishClosed(false);
      }), {
      stream: STREAMS.featurePartials,
      durable: REDUCER_CONSUMER,
      batch_size: batchSize,
      signal: abort.signal,
    }));
  }

  // ---- graph
  const graph = (options.graph ?? true)
    ? await ServiceGraph.start(bus, {
      window_ms,
      ttl_ms: options.graph_ttl_ms,
      max_out_of_order_ms: options.max_out_of_order_ms,
      allowed_lateness_ms: options.allowed_lateness_ms,
      signal: abort.signal,
    })
    : null;

  const idleMs = options.idle_flush_ms ?? 30_000;
  const idleTimer = idleMs > 0
    ? setInterval(() => {
      if (Date.now() - lastInput >= idleMs && reducer.open_windows > 0) {
        step(() => publishClosed(true)).catch(() => {});
        graph?.flush().catch(() => {});
      }
    }, Math.min(idleMs, 1_000))
    : undefined;

  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      if (idleTimer !== undefined) clearInterval(idleTimer);
      await Promise.all(workers.map((w, i) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 10_000);
          w.onmessage = (e) => {
            if (e.data.type === "counters" || e.data.type === "stopped") {
              Object.assign(workerCounters[i], e.data.counters);
            }
            if (e.data.type === "stopped") {
              clearTimeout(t);
              resolve();
            }
          };
          w.postMessage({ type: "stop" });
        }).then(() => w.terminate())
      ));
      abort.abort();
      await Promise.allSettled(tasks);
      await graph?.stopped();
      await bus.close();
    })();

  return {
    store,
    graph,
    counters() {
      const sum = newWorkerCounters();
      for (const c of workerCounters) {
        for (const k of Object.keys(sum) as (keyof FeatureWorkerCounters)[]) sum[k] += c[k];
      }
      return {
        workers: sum,
        per_worker: workerCounters.map((c) => ({ ...c })),
        reducer: { ...reducer.counters, ...rc },
        graph: graph?.counters ?? null,
      };
    },
    async flush() {
      const recs = await step(() => publishClosed(true));
      await graph?.flush();
      return recs;
    },
    async drained() {
      const a = await consumerLag(bus, STREAMS.otlp, FEATURE_CONSUMER);
      const b = await consumerLag(bus, STREAMS.featurePartials, REDUCER_CONSUMER);
      return a.pending === 0 && a.ack_pending === 0 && b.pending === 0 &&
        b.ack_pending === reducer.held_tokens &&
        (graph ? await graph.drained() : true);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

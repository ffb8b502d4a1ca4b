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
 * `window_ms` (10000), `max_out_of_order_ms` (5000), `allowed_lateness_ms` (5000), `max_operations` per
 * service (200), `batch_size` (64), `idle_flush_ms` (closes open windows after that long without input;
 * default 30000, 0 disables), `reducer` (true), `graph` (true), `graph_ttl_ms` (unpaired span halves, 30000),
 * `ack_wait_ms` for the OTLP consumer (30000), `store` (FeatureStoreOptions).
 *
 * Data flow and guarantees: workers ack an OTLP message only after its partials are stored in
 * FEATURE_PARTIALS (deterministic Nats-Msg-Id); the reducer acks a partial only after every window it
 * touched is published on FEATURES (Nats-Msg-Id `<tenant>/<service>/<window start>`). Too-late partials
 * are published on `vigil.late.features` and counted. Streams come from nats/streams.json
 * (src/bus/streams.ts); consumers are created here.
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
import { FEATURE_CONSUMER, type FeatureWorkerCounters, newWorkerCounters } from "./feature_worker.ts";
import { FeatureStore, type FeatureStoreOptions } from "./feature_store.ts";
import { decodePartial, isBinaryPartial } from "./partial_codec.ts";
import { type PartialMessage, type ReducerCounters, WindowReducer } from "./window_reducer.ts";
import { ServiceGraph, type ServiceGraphCounters } from "../graph/service_graph.ts";

export const REDUCER_CONSUMER = "vigil-reducer";

export interface FeatureEngineOptions {
  nats_url: string;
  workers?: number;
  window_ms?: number;
  max_out_of_order_ms?: number;
  allowed_lateness_ms?: number;
  max_operations?: number;
  batch_size?: number;
  idle_flush_ms?: number;
  reducer?: boolean;
  graph?: boolean;
  graph_ttl_ms?: number;
  ack_wait_ms?: number;
  store?: FeatureStoreOptions;
  /** Create or update the streams from nats/streams.json at start. @default true */
  ensure_streams?: boolean;
}

export interface FeatureEngineCounters {
  workers: FeatureWorkerCounters;
  reducer: ReducerCounters & { records_published: number; late_published: number };
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
      options: { window_ms, batch_size: options.batch_size, graph: options.graph ?? true },
    });
    await started;
    workers.push(w);
  }

  // ---- reducer
  const reducer = new WindowReducer<BusMessage>({
    window_ms,
    max_out_of_order_ms: options.max_out_of_order_ms,
    allowed_lateness_ms: options.allowed_lateness_ms,
    max_operations: options.max_operations,
  });
  const rc = { records_published: 0, late_published: 0 };
  let lastInput = Date.now();

  const publishClosed = async (all: boolean): Promise<FeatureRecord[]> => {
    const { records, releasable } = reducer.close({ all });
    await Promise.all(
      records.map((r) =>
        publishDurable(bus, subjects.features(r.service), enc.encode(JSON.stringify(r)), {
          msg_id: `${r.tenant}/${r.service}/${r.window_start_ms}`,
        })
      ),
    );
    rc.records_published += records.length;
    for (const r of records) store.add(r);
    if (records.length > 0) store.expire(reducer.watermark_ms); // idle services leave the store
    for (const m of releasable) m.ack();
    return records;
  };

  if (options.reducer ?? true) {
    await ensurePullConsumer(bus, {
      stream: STREAMS.featurePartials,
      durable: REDUCER_CONSUMER,
      filter_subjects: ["vigil.features.partial.>"],
      ack_wait_ms: 300_000,
      max_deliver: -1,
      max_ack_pending: 100_000,
    });
    tasks.push(pullBatches(bus, (msgs) =>
      run(async () => {
        lastInput = Date.now();
        const late: Promise<unknown>[] = [];
        for (const m of msgs) {
          let p: PartialMessage;
          try {
            p = isBinaryPartial(m.data) ? decodePartial(m.data) : JSON.parse(dec.decode(m.data));
          } catch {
            m.term("not a partial (binary or JSON)");
            continue;
          }
          const { too_late } = reducer.accept(p, m);
          if (too_late.length > 0) {
            late.push(
              publishDurable(
                bus,
                subjects.late("features"),
                enc.encode(JSON.stringify({ ...p, windows: too_late })),
                {
                  msg_id: `late/${p.src}`,
                },
              ),
            );
          }
        }
        await Promise.all(late);
        rc.late_published += late.length;
        await publishClosed(false);
      }), {
      stream: STREAMS.featurePartials,
      durable: REDUCER_CONSUMER,
      batch_size: 256,
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
        run(() => publishClosed(true)).catch(() => {});
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
      return { workers: sum, reducer: { ...reducer.counters, ...rc }, graph: graph?.counters ?? null };
    },
    async flush() {
      const recs = await run(() => publishClosed(true));
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

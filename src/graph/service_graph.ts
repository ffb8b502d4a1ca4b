/**
 * The live service graph: consumes edge halves from `vigil.spans.>` (FEATURE_PARTIALS stream, durable
 * consumer "vigil-graph"), pairs them (src/graph/graph_assembler.ts), stores each closed window in the
 * NATS KV bucket `vigil_graph` under `w.<tenant>.<window start>` and publishes it on `vigil.graph.window`
 * (change notification). Messages are acked only once every window they fed is stored.
 *
 * ```ts
 * const graph = await ServiceGraph.start(bus, { window_ms: 10_000, signal });
 * const g = await graph.asOf(Date.now(), { lookback_ms: 300_000 }); // ServiceGraphSnapshot + edge stats
 * ```
 */
import type { Bus } from "../bus/connection.ts";
import { type KvBucket, openKvBucket } from "../bus/kv_bucket.ts";
import { type BusMessage, consumerLag, ensurePullConsumer, pullBatches } from "../bus/pull_batches.ts";
import { STREAMS, subjects } from "../bus/subjects.ts";
import type { GraphEdge, GraphEdgeWindow, ServiceGraphSnapshot } from "../core/rca.ts";
import { DDSketch } from "../features/ddsketch.ts";
import { decodeHalfColumns, isBinaryHalves } from "./halves_codec.ts";
import {
  type EdgeType,
  GraphAssembler,
  type GraphAssemblerOptions,
  type GraphEdgeJson,
  type GraphWindowJson,
  type HalfColumnsMessage,
  mergeGraphWindows,
  type ServiceGraphCounters,
  type SpanHalvesMessage,
} from "./graph_assembler.ts";

export type { ServiceGraphCounters };
export const GRAPH_CONSUMER = "vigil-graph";
export const GRAPH_BUCKET = "vigil_graph";

export interface GraphAsOf extends ServiceGraphSnapshot {
  readonly t_ms: number;
  readonly from_ms: number;
  readonly edges: readonly (GraphEdge & { readonly type: EdgeType })[];
}

export interface ServiceGraphOptions extends GraphAssemblerOptions {
  signal: AbortSignal;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export function graphKey(tenant: string, window_start_ms: number): string {
  return `w.${tenant}.${window_start_ms}`;
}

/** Builds the snapshot of merged windows (p50 / p99 from the merged latency sketches). */
export function snapshotOf(windows: GraphWindowJson[], t_ms: number, from_ms: number): GraphAsOf {
  const { nodes, edges } = mergeGraphWindows(windows);
  const series = edgeSeries(windows);
  return {
    t_ms,
    from_ms,
    nodes,
    edges: edges.map((e) => ({
      caller: e.caller,
      callee: e.callee,
      type: e.type,
      calls: e.calls,
      errors: e.errors,
      latency_p50_ms: e.k.quantile(0.5),
      latency_p99_ms: e.k.quantile(0.99),
      series: series.get(edgeKey(e)) ?? [],
    })),
  };
}

const edgeKey = (e: { caller: string; callee: string; type: EdgeType }) =>
  `${e.caller}\u0000${e.callee}\u0000${e.type}`;

// A window's edges are immutable once closed and appear in many consecutive snapshots: decode once.
const p90Cache = new WeakMap<GraphEdgeJson, number>();
function p90Of(e: GraphEdgeJson): number {
  let v = p90Cache.get(e);
  if (v === undefined) p90Cache.set(e, v = DDSketch.fromJSON(e.latency).quantile(0.9));
  return v;
}

/** Every edge window by window (what callers observed of each callee over time), ascending. */
function edgeSeries(windows: GraphWindowJson[]): Map<string, GraphEdgeWindow[]> {
  const out = new Map<string, GraphEdgeWindow[]>();
  for (const w of [...windows].sort((a, b) => a.window_start_ms - b.window_start_ms)) {
    for (const e of w.edges) {
      const key = edgeKey(e);
      let s = out.get(key);
      if (!s) out.set(key, s = []);
      s.push({
        window_start_ms: w.window_start_ms,
        calls: e.calls,
        errors: e.errors,
        latency_p90_ms: p90Of(e),
      });
    }
  }
  return out;
}

/**
 * The graph as of `t_ms` read straight from the KV bucket (no assembler needed: any process, e.g. the
 * API, can call it): windows overlapping [t_ms − lookback_ms, t_ms], default 5 windows of window_ms.
 */
export async function graphAsOf(
  bus: Bus,
  t_ms: number,
  options: { tenant?: string; lookback_ms?: number; window_ms?: number } = {},
): Promise<GraphAsOf> {
  return readAsOf(await openKvBucket(bus, GRAPH_BUCKET), t_ms, options.window_ms ?? 10_000, options);
}

async function readAsOf(
  kv: KvBucket,
  t_ms: number,
  w: number,
  options: { tenant?: string; lookback_ms?: number },
): Promise<GraphAsOf> {
  const from = t_ms - (options.lookback_ms ?? 5 * w);
  const keys = [];
  for (let s = Math.floor(from / w) * w; s <= t_ms; s += w) {
    keys.push(graphKey(options.tenant ?? "default", s));
  }
  const windows: GraphWindowJson[] = [];
  for (const v of await Promise.all(keys.map((k) => kv.get(k)))) {
    if (v) windows.push(JSON.parse(dec.decode(v)));
  }
  return snapshotOf(windows, t_ms, from);
}

export class ServiceGraph {
  readonly assembler: GraphAssembler<BusMessage>;
  #kv: KvBucket;
  #bus: Bus;
  #task: Promise<void>;
  #serial: Promise<unknown> = Promise.resolve();

  private constructor(bus: Bus, kv: KvBucket, options: ServiceGraphOptions) {
    this.#bus = bus;
    this.#kv = kv;
    this.assembler = new GraphAssembler(options);
    this.#task = pullBatches(bus, (msgs) => this.#run(() => this.#onBatch(msgs)), {
      stream: STREAMS.featurePartials,
      durable: GRAPH_CONSUMER,
      batch_size: 256,
      signal: options.signal,
    });
  }

  static async start(bus: Bus, options: ServiceGraphOptions): Promise<ServiceGraph> {
    await ensurePullConsumer(bus, {
      stream: STREAMS.featurePartials,
      durable: GRAPH_CONSUMER,
      filter_subjects: ["vigil.spans.>"],
      ack_wait_ms: 600_000,
      max_deliver: -1,
      max_ack_pending: 100_000,
    });
    return new ServiceGraph(bus, await openKvBucket(bus, GRAPH_BUCKET), options);
  }

  get counters(): ServiceGraphCounters {
    return { ...this.assembler.counters };
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(fn, fn);
    this.#serial = next.catch(() => {});
    return next;
  }

  async #onBatch(msgs: BusMessage[]): Promise<void> {
    for (const m of msgs) {
      try {
        const msg: HalfColumnsMessage | SpanHalvesMessage = isBinaryHalves(m.data)
          ? decodeHalfColumns(m.data)
          : JSON.parse(dec.decode(m.data));
        this.assembler.accept(msg, m);
      } catch {
        m.term("not a span halves message");
      }
    }
    await this.#store(false);
  }

  async #store(all: boolean): Promise<GraphWindowJson[]> {
    const { windows, releasable } = this.assembler.close({ all });
    for (const w of windows) {
      const key = graphKey(w.tenant, w.window_start_ms);
      // Overwrite: every message that fed this window is unacked until now, so after a crash the
      // redelivered messages rebuild the whole window.
      const body = enc.encode(JSON.stringify(w));
      await this.#kv.put(key, body);
      this.#bus.nc.publish(subjects.graph("window"), body);
    }
    for (const m of releasable) m.ack();
    return windows;
  }

  /** Expires every pending half and stores every open window now. */
  flush(): Promise<GraphWindowJson[]> {
    return this.#run(() => this.#store(true));
  }

  async drained(): Promise<boolean> {
    const lag = await consumerLag(this.#bus, STREAMS.featurePartials, GRAPH_CONSUMER);
    return lag.pending === 0 && lag.ack_pending === this.assembler.held_tokens;
  }

  stopped(): Promise<void> {
    return this.#task;
  }

  /** The graph of windows overlapping [t_ms − lookback_ms, t_ms] (default: 5 windows), from the KV bucket. */
  asOf(t_ms: number, options: { tenant?: string; lookback_ms?: number } = {}): Promise<GraphAsOf> {
    return readAsOf(this.#kv, t_ms, this.assembler.window_ms, options);
  }
}

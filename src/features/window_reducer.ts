/**
 * The window reducer: merges partial aggregates of (tenant, service, window) from any number of workers,
 * in any order, and closes windows by event-time watermark. Pure state machine (no I/O, no clock); the
 * engine (src/features/engine.ts) feeds it from JetStream and publishes what it returns.
 *
 * Watermark = (largest event time seen in any partial) − max_out_of_order_ms. A window [s, e) closes once
 * the watermark reaches e + allowed_lateness_ms; its record is then final. Data for a window that has
 * closed (or would close at the current watermark) is too late: it is returned to the caller (to publish
 * on `vigil.late.features`) and counted, never merged.
 *
 * Deduplication by units: a partial stands for input units `<OTLP stream seq>/<partition>`, one for a
 * partial of one OTLP message (its src), several for a partial that aggregates a pull batch (`covers`).
 * A partial none of whose units was merged is merged; one all of whose units were merged is a duplicate
 * (a redelivery, or a message partial of a unit a batch partial carried); one some of whose units were
 * merged overlaps and is skipped too (`overlapping`): a batch partial can only overlap when it was stored
 * after a redelivery of one of its messages, and the worker then makes sure every one of its messages comes
 * back as a message partial (src/features/feature_worker.ts gives the argument). So redelivery, however
 * it regroups messages, never double counts.
 *
 * Callers can attach an opaque token (the JetStream message) to each partial; `close()` hands back the
 * tokens whose every window has been closed, i.e. the messages that are safe to ack. A redelivery of a
 * partial whose windows are still open is a duplicate whose token is held with the first one (acking it
 * at once would let JetStream forget data not yet in a record).
 *
 * State across windows, per (tenant, service): the last point of each cumulative metric series (rates and
 * increases of the next window are measured from it: src/features/metric_increase.ts) and the service's
 * log template clusters (src/features/log_cluster.ts). Windows close in (start, tenant, service) order
 * whatever the arrival order (a window closes only after every earlier one), so this state, and the records
 * computed with it, do not depend on the number of workers or the arrival order. Every use of it is decided
 * by event time (a baseline older than `series_ttl_ms` before a window is not used; a cluster idle for
 * `log_cluster_ttl_ms` is forgotten), and it is swept from memory only once no later window could use it.
 *
 * Durability: `snapshot()` hands over the state of the services whose windows closed since the previous
 * snapshot (and those swept), with the reducer's progress (largest event time, flush point, largest input
 * position); the engine writes it before acking (src/features/reducer_state_store.ts). `restore()` gives
 * a new reducer that state: it then publishes exactly the records the reducer that wrote it would have,
 * given the partials it had not yet acked again (JetStream redelivers them). Windows the snapshot already
 * counts as closed are recognised by the restored watermark: a partial at or below the restored input
 * position (`accept(p, token, { position })`, the stream sequence) was merged before the snapshot, so its
 * windows that are closed are skipped silently (`replayed_windows`) instead of being reported too late.
 */
import { ServiceWindow, type ServiceWindowJson } from "./window_aggregate.ts";
import { lastCumulativePoint } from "./window_aggregate.ts";
import { LogClusterer, type ServiceNames } from "./log_cluster.ts";
import type { CumulativePoint } from "./metric_increase.ts";
import type { FeatureRecord } from "../core/feature_record.ts";
import type { ReducerProgress, ReducerSnapshot, ServiceState } from "./reducer_state.ts";
import { type CoveredInput, inputUnits, unitsSeen } from "./input_units.ts";

/** A partial stands for input units (src, or covers with partition: src/features/input_units.ts). */
export interface PartialMessage extends CoveredInput {
  v: 1;
  tenant: string;
  max_event_ms: number;
  /** JSON form, or live windows (decoded from the binary form, src/features/partial_codec.ts). */
  windows: (ServiceWindowJson | ServiceWindow)[];
}

export interface WindowReducerOptions {
  /** @default 10000 */
  window_ms?: number;
  /** Bounded out-of-orderness of event times. @default 5000 */
  max_out_of_order_ms?: number;
  /** How long after its end (in watermark time) a window still accepts data. @default 5000 */
  allowed_lateness_ms?: number;
  /** Distinct operations per service kept in a record; the rest fold into "__overflow__". @default 200 */
  max_operations?: number;
  /** Hard cap on operations held per open window (memory bound). @default 4 × max_operations */
  max_operations_held?: number;
  /** Metric series per service kept in a record; the rest are dropped and counted. @default 2000 */
  max_metric_series?: number;
  /** Hard cap on metric series held per open window (memory bound). @default 2 × max_metric_series */
  max_metric_series_held?: number;
  /** Log templates (clusters) per service kept in a record. @default 500 */
  max_templates?: number;
  /** A cumulative series' last point stays the baseline of its next window for this long. @default 600000 */
  series_ttl_ms?: number;
  /** Log template clusters kept per service. @default 1000 */
  max_log_clusters?: number;
  /** Share of token positions that must agree for log templates to merge. @default 0.5 */
  log_similarity?: number;
  /** A log template cluster not seen for this long (event time) is forgotten. @default 3600000 */
  log_cluster_ttl_ms?: number;
}

export interface ReducerCounters {
  partials: number;
  /** Units merged: an OTLP message's share of a partition, one per message partial, covers of a batch. */
  units: number;
  /** Partials all of whose units were merged before (redeliveries, a batch's messages sent again). */
  duplicates: number;
  /** Partials some but not all of whose units were merged before: not merged (see the module docs). */
  overlapping: number;
  windows_closed: number;
  too_late_partials: number;
  too_late_items: number;
  /** Data merged into a window after the watermark passed its end (within the allowed lateness). */
  late_merged: number;
  operations_overflowed: number;
  /** Metric series left out of records by the per-service cap (summed over records). */
  metric_series_dropped: number;
  /** Windows of partials merged before the restored snapshot, already closed by it (skipped). */
  replayed_windows: number;
}

interface OpenWindow {
  w: ServiceWindow;
  /** Source ids of the partials merged into it. */
  srcs: Set<string>;
}

/** A partial some of whose windows are open: how many, and the deliveries of it to ack once none is. */
interface Held<T> {
  holds: number;
  tokens: T[];
}

/** What the reducer remembers of a service between its windows. */
interface ServiceMemory {
  baselines: Map<string, CumulativePoint>;
  clusters: LogClusterer;
  /** End of its latest closed window. */
  last_end_ms: number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export class WindowReducer<T = unknown> {
  readonly window_ms: number;
  readonly max_out_of_order_ms: number;
  readonly allowed_lateness_ms: number;
  readonly #opts: Required<Omit<WindowReducerOptions, "max_out_of_order_ms" | "allowed_lateness_ms">>;
  /** tenant → service → its memory */
  readonly #memory = new Map<string, Map<string, ServiceMemory>>();
  #sweptAt = -Infinity;
  #maxEvent = -Infinity;
  /** Windows with end ≤ this were force-closed by flush(). */
  #flushedThrough = -Infinity;
  readonly #open = new Map<string, OpenWindow>();
  /** unit merged (see {@link PartialMessage.covers}) → the watermark after which it can be forgotten */
  readonly #seen = new Map<string, number>();
  /** source id → the partial while some of its windows are open */
  readonly #held = new Map<string, Held<T>>();
  /** Largest input position accepted (or restored). */
  #position = -Infinity;
  /** Services whose memory changed, and those swept, since the last snapshot() (tenant → services). */
  readonly #changed = new Map<string, Set<string>>();
  readonly #forgotten = new Map<string, Set<string>>();
  #touched = false;
  readonly counters: ReducerCounters = {
    partials: 0,
    units: 0,
    duplicates: 0,
    overlapping: 0,
    windows_closed: 0,
    too_late_partials: 0,
    too_late_items: 0,
    late_merged: 0,
    operations_overflowed: 0,
    metric_series_dropped: 0,
    replayed_windows: 0,
  };

  constructor(options: WindowReducerOptions = {}) {
    this.window_ms = options.window_ms ?? 10_000;
    this.max_out_of_order_ms = options.max_out_of_order_ms ?? 5_000;
    this.allowed_lateness_ms = options.allowed_lateness_ms ?? 5_000;
    for (const [k, v] of Object.entries({ window_ms: this.window_ms, ...options })) {
      if (typeof v === "number" && !(v >= 0)) {
        throw new RangeError(`Cannot create WindowReducer as ${k} must be >= 0: current value is ${v}`);
      }
    }
    if (!(this.window_ms > 0)) {
      throw new RangeError(
        `Cannot create WindowReducer as window_ms must be > 0: current value is ${this.window_ms}`,
      );
    }
    const max_operations = options.max_operations ?? 200;
    const max_metric_series = options.max_metric_series ?? 2000;
    this.#opts = {
      window_ms: this.window_ms,
      max_operations,
      max_operations_held: options.max_operations_held ?? 4 * max_operations,
      max_metric_series,
      max_metric_series_held: options.max_metric_series_held ?? 2 * max_metric_series,
      max_templates: options.max_templates ?? 500,
      series_ttl_ms: options.series_ttl_ms ?? 600_000,
      max_log_clusters: options.max_log_clusters ?? 1000,
      log_similarity: options.log_similarity ?? 0.5,
      log_cluster_ttl_ms: options.log_cluster_ttl_ms ?? 3_600_000,
    };
    new LogClusterer(this.#clusterOptions()); // validates the options now
  }

  get watermark_ms(): number {
    return this.#maxEvent - this.max_out_of_order_ms;
  }

  /** Partials (messages) held until their windows close. */
  get held_tokens(): number {
    return this.#held.size;
  }

  get open_windows(): number {
    return this.#open.size;
  }

  #tooLate(windowStart: number): boolean {
    const end = windowStart + this.window_ms;
    return end + this.allowed_lateness_ms <= this.watermark_ms || end <= this.#flushedThrough;
  }

  /**
   * Merges one partial. Returns the windows that were too late (not merged). A duplicate source returns
   * [] and releases its token with the first delivery's (at once when that one was released).
   *
   * `position` orders inputs by first delivery (the stream sequence): a partial at or below the largest
   * position accepted or restored was seen before (by this reducer or the one whose snapshot it restored),
   * so its windows that are closed are skipped, not reported too late.
   */
  accept(
    p: PartialMessage,
    token?: T,
    options: { position?: number } = {},
  ): { too_late: ServiceWindowJson[]; duplicate: boolean } {
    this.#touched = true;
    const units = inputUnits(p);
    const seen = unitsSeen(units, this.#seen);
    if (seen !== "new") {
      if (seen === "duplicate") this.counters.duplicates++;
      else this.counters.overlapping++;
      if (token !== undefined) {
        const held = this.#held.get(p.src);
        if (held !== undefined) held.tokens.push(token);
        else this.#released.push(token);
      }
      return { too_late: [], duplicate: true };
    }
    this.counters.partials++;
    this.counters.units += units.length;
    const replayed = options.position !== undefined && options.position <= this.#position;
    if (options.position !== undefined && options.position > this.#position) {
      this.#position = options.position;
    }
    let maxEnd = -Infinity;
    const tooLate: ServiceWindowJson[] = [];
    let holds = 0;
    const wm = this.watermark_ms;
    for (const x of p.windows) {
      if (this.#tooLate(x.window_start_ms)) {
        if (replayed) {
          this.counters.replayed_windows++;
          continue;
        }
        const j = x instanceof ServiceWindow ? x.toJSON() : x;
        tooLate.push(j);
        this.counters.too_late_items += j.ops.reduce((n, [, s]) => n + s.n, 0) + j.logs.n +
          j.metrics.reduce((n, m) => n + m.points, 0);
        continue;
      }
      const j = x;
      const end = j.window_start_ms + this.window_ms;
      if (end <= wm) this.counters.late_merged++;
      if (end > maxEnd) maxEnd = end;
      const key = `${j.tenant}\u0000${j.service}\u0000${j.window_start_ms}`;
      let o = this.#open.get(key);
      if (o === undefined) {
        o = { w: new ServiceWindow(j.tenant, j.service, j.window_start_ms), srcs: new Set() };
        this.#open.set(key, o);
      }
      o.w.merge(
        j instanceof ServiceWindow ? j : ServiceWindow.fromJSON(j),
        this.#opts.max_operations_held,
        this.#opts.max_metric_series_held,
      );
      if (!o.srcs.has(p.src)) {
        o.srcs.add(p.src);
        holds++;
      }
    }
    if (tooLate.length > 0) this.counters.too_late_partials++;
    const forgetAt = Math.max(maxEnd, this.watermark_ms) + 3 * this.window_ms + this.allowed_lateness_ms;
    for (const u of units) this.#seen.set(u, forgetAt);
    if (p.max_event_ms > this.#maxEvent) this.#maxEvent = p.max_event_ms;
    if (holds > 0) this.#held.set(p.src, { holds, tokens: token === undefined ? [] : [token] });
    else if (token !== undefined) this.#released.push(token);
    return { too_late: tooLate, duplicate: false };
  }

  #released: T[] = [];

  #clusterOptions() {
    return {
      max_clusters: this.#opts.max_log_clusters,
      similarity: this.#opts.log_similarity,
      idle_ttl_ms: this.#opts.log_cluster_ttl_ms,
    };
  }

  /** The memory of a window's service, marked as having reported up to the window's end. */
  #remember(w: ServiceWindow): ServiceMemory {
    let tenant = this.#memory.get(w.tenant);
    if (tenant === undefined) this.#memory.set(w.tenant, tenant = new Map());
    let mem = tenant.get(w.service);
    if (mem === undefined) {
      mem = {
        baselines: new Map(),
        clusters: new LogClusterer(this.#clusterOptions()),
        last_end_ms: -Infinity,
      };
      tenant.set(w.service, mem);
    }
    mem.last_end_ms = Math.max(mem.last_end_ms, w.window_start_ms + this.window_ms);
    mark(this.#changed, w.tenant, w.service);
    this.#forgotten.get(w.tenant)?.delete(w.service);
    return mem;
  }

  /** Finalizes a window with its service's memory (see {@link close}), then updates that memory. */
  #finalize(w: ServiceWindow): FeatureRecord {
    const mem = this.#remember(w);
    const names = this.#memory.get(w.tenant)!;
    const start = w.window_start_ms;
    const oldest = start - this.#opts.series_ttl_ms;
    for (const [k, p] of mem.baselines) if (p[0] < oldest) mem.baselines.delete(k);
    // services that reported within the cluster ttl up to this window: their names stay literal in templates
    const ttl = this.#opts.log_cluster_ttl_ms;
    const services: ServiceNames = {
      has: (name) => (names.get(name)?.last_end_ms ?? -Infinity) + ttl >= start,
    };
    const rec = w.finalize({ ...this.#opts, baselines: mem.baselines, log_clusters: mem.clusters, services });
    for (const [k, m] of w.metricSeries(this.#opts.max_metric_series).kept) {
      const p = lastCumulativePoint(m);
      if (p !== undefined) mem.baselines.set(k, p);
    }
    return rec;
  }

  /**
   * Drops the memory of services no window closing after `limit` could use: a later window starts after
   * limit − window_ms, and uses nothing older than the longer of the two ttls before its start.
   */
  #sweep(limit: number): void {
    if (limit - this.#sweptAt < this.window_ms) return;
    this.#sweptAt = limit;
    const before = limit - this.window_ms - Math.max(this.#opts.series_ttl_ms, this.#opts.log_cluster_ttl_ms);
    for (const [tenant, services] of this.#memory) {
      for (const [name, mem] of services) {
        if (mem.last_end_ms >= before) continue;
        services.delete(name);
        this.#changed.get(tenant)?.delete(name);
        mark(this.#forgotten, tenant, name);
      }
      if (services.size === 0) this.#memory.delete(tenant);
    }
  }

  /** Services whose state (cumulative baselines, log clusters) is held. */
  get services_remembered(): number {
    let n = 0;
    for (const s of this.#memory.values()) n += s.size;
    return n;
  }

  /**
   * Closes every window the watermark has passed (by end + allowed lateness; all open windows when
   * `all`), returning their records sorted by (window start, tenant, service) and the tokens now safe
   * to ack.
   */
  close(options: { all?: boolean } = {}): { records: FeatureRecord[]; releasable: T[] } {
    const limit = options.all ? Infinity : this.watermark_ms - this.allowed_lateness_ms;
    const done: [string, OpenWindow][] = [];
    for (const e of this.#open) {
      if (e[1].w.window_start_ms + this.window_ms <= limit) done.push(e);
    }
    done.sort((a, b) => a[1].w.window_start_ms - b[1].w.window_start_ms || (a[0] < b[0] ? -1 : 1));
    const records: FeatureRecord[] = [];
    let group = NaN;
    for (let i = 0; i < done.length; i++) {
      const [key, o] = done[i];
      // every service with a window at this start is known before any of them is finalized: windows of one
      // start all close in one call, so the set is the same whatever the arrival order
      if (o.w.window_start_ms !== group) {
        group = o.w.window_start_ms;
        for (let j = i; j < done.length && done[j][1].w.window_start_ms === group; j++) {
          this.#remember(done[j][1].w);
        }
      }
      this.#open.delete(key);
      const rec = this.#finalize(o.w);
      this.counters.operations_overflowed += rec.operations_overflowed;
      this.counters.metric_series_dropped += rec.metric_series_dropped ?? 0;
      records.push(rec);
      this.counters.windows_closed++;
      for (const src of o.srcs) {
        const held = this.#held.get(src);
        if (held === undefined || --held.holds > 0) continue;
        this.#held.delete(src);
        for (const t of held.tokens) this.#released.push(t);
      }
      if (options.all) {
        const end = o.w.window_start_ms + this.window_ms;
        if (end > this.#flushedThrough) this.#flushedThrough = end;
      }
    }
    // forget source ids far behind the watermark
    const wm = Math.max(this.watermark_ms, this.#flushedThrough);
    this.#sweep(Math.max(this.#flushedThrough, this.watermark_ms - this.allowed_lateness_ms));
    if (this.#seen.size > 1024) { for (const [k, until] of this.#seen) if (until < wm) this.#seen.delete(k); }
    const releasable = this.#released;
    this.#released = [];
    return { records, releasable };
  }

  /**
   * The state to write before acking what `close()` released: the progress, the services whose windows
   * closed since the previous snapshot, and those swept since. Written and restored together, it stands
   * for exactly the windows closed so far. Resets the change tracking: call it once per close whose
   * releasable tokens are to be acked, after that close.
   */
  snapshot(): ReducerSnapshot {
    const changed: ServiceState[] = [];
    for (const [tenant, names] of [...this.#changed].sort(byKey)) {
      for (const name of [...names].sort()) {
        const mem = this.#memory.get(tenant)?.get(name);
        if (mem === undefined) continue;
        changed.push({
          tenant,
          service: name,
          last_end_ms: mem.last_end_ms,
          baselines: [...mem.baselines].sort(byKey),
          clusters: mem.clusters.toJSON(),
        });
      }
    }
    const forgotten: ReducerSnapshot["forgotten"] = [];
    for (const [tenant, names] of [...this.#forgotten].sort(byKey)) {
      for (const service of [...names].sort()) forgotten.push({ tenant, service });
    }
    this.#changed.clear();
    this.#forgotten.clear();
    return { progress: this.progress, changed, forgotten };
  }

  /** Whether any service's state changed, or was swept, since the last snapshot(). */
  get state_changed(): boolean {
    for (const s of this.#changed.values()) if (s.size > 0) return true;
    for (const s of this.#forgotten.values()) if (s.size > 0) return true;
    return false;
  }

  get progress(): ReducerProgress {
    return {
      max_event_ms: finiteOrNull(this.#maxEvent),
      flushed_through_ms: finiteOrNull(this.#flushedThrough),
      position: finiteOrNull(this.#position),
    };
  }

  /**
   * Takes over a snapshot's state (every service's latest written state, and the progress of the
   * snapshot that completed it). Only for a reducer that has accepted nothing yet; throws otherwise.
   * Written with other options (window_ms, ttls, caps), the records may differ from the writer's.
   */
  restore(progress: ReducerProgress, services: Iterable<ServiceState>): void {
    if (this.#touched || this.#memory.size > 0) {
      throw new Error(
        "Cannot restore a WindowReducer that has accepted partials or restored a state already",
      );
    }
    this.#touched = true;
    this.#maxEvent = progress.max_event_ms ?? -Infinity;
    this.#flushedThrough = progress.flushed_through_ms ?? -Infinity;
    this.#position = progress.position ?? -Infinity;
    for (const s of services) {
      let tenant = this.#memory.get(s.tenant);
      if (tenant === undefined) this.#memory.set(s.tenant, tenant = new Map());
      tenant.set(s.service, {
        baselines: new Map(s.baselines),
        clusters: LogClusterer.fromJSON(s.clusters, this.#clusterOptions()),
        last_end_ms: s.last_end_ms,
      });
    }
  }
}

function mark(m: Map<string, Set<string>>, tenant: string, service: string): void {
  let s = m.get(tenant);
  if (s === undefined) m.set(tenant, s = new Set());
  s.add(service);
}

function byKey<V>(a: [string, V], b: [string, V]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

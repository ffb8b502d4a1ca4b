/**
 * Pairs service-graph edge halves into edges, per event-time window. Pure state machine (no I/O, no
 * clock): src/graph/service_graph.ts feeds it from JetStream and stores what it closes.
 *
 * - client span C and server span S with S.parent = C.span_id (same trace) → edge C.service → S.service,
 *   type "request"; latency = C's duration, error = C's error (the caller's view).
 * - producer P and consumer Q with Q.parent = P.span_id → edge P.service → Q.service, type
 *   "messaging_system"; latency = Q.start − P.start (delivery lag), error = Q's error.
 * - client spans naming a database (db.system) → edge to a virtual node at once, type "database".
 * - a client/producer half still unpaired ttl_ms (event time) after it started expires: it becomes an
 *   edge to its virtual peer (peer.service, server.address, messaging.system/destination), type
 *   "virtual_node", or is dropped when it names none; either way it is counted in `expired`.
 * - pods / instances and hosts (from resource attributes) become nodes linked to their service.
 *
 * An edge belongs to the window of its caller's start time. Watermark = max event time − max_out_of_order;
 * a window closes when the watermark passes its end + max(ttl, allowed lateness), after the halves that
 * could still pair into it have expired.
 *
 * Deduplication by units, as in the window reducer (src/features/window_reducer.ts): a message stands for
 * input units `<OTLP stream seq>/<span partition>`, its src for a message cut from one OTLP message, its
 * `covers` for one that carries a pull batch. A message none of whose units was accepted is accepted; one
 * all of whose units were is a duplicate; one some of whose units were overlaps and is skipped
 * (`overlapping`): the feature worker then sends every one of its OTLP messages again, one by one
 * (src/features/feature_worker.ts gives the argument), so every unit is paired exactly once.
 */
import { DDSketch, type DDSketchJson } from "../features/ddsketch.ts";
import { type CoveredInput, inputUnits } from "../features/input_units.ts";
import type { EdgeHalf, ResourceLink } from "./edge_half.ts";

export type EdgeType = "request" | "messaging_system" | "database" | "virtual_node";

export interface GraphNodeJson {
  id: string;
  kind: "service" | "virtual" | "pod" | "host";
  service?: string;
  host?: string;
}

export interface GraphEdgeJson {
  caller: string;
  callee: string;
  type: EdgeType;
  calls: number;
  errors: number;
  latency: DDSketchJson;
}

export interface GraphWindowJson {
  v: 1;
  tenant: string;
  window_start_ms: number;
  window_end_ms: number;
  nodes: GraphNodeJson[];
  edges: GraphEdgeJson[];
}

/** A message stands for input units (src, or covers with partition: src/features/input_units.ts). */
export interface SpanHalvesMessage extends CoveredInput {
  v: 1;
  tenant: string;
  max_event_ms: number;
  halves: EdgeHalf[];
  resources: ResourceLink[];
}

export interface GraphAssemblerOptions {
  /** @default 10000 */
  window_ms?: number;
  /** How long an unpaired half waits for its other half (event time). @default 30000 */
  ttl_ms?: number;
  /** @default 5000 */
  max_out_of_order_ms?: number;
  /** @default 5000 */
  allowed_lateness_ms?: number;
  /** Unpaired halves held at most; beyond, the oldest expire early (counted). @default 200000 */
  max_pending?: number;
}

export interface ServiceGraphCounters {
  halves: number;
  paired: number;
  expired: number;
  database_edges: number;
  virtual_edges: number;
  windows_closed: number;
  /** Messages all of whose units were accepted before (redeliveries, a batch's messages sent again). */
  duplicates: number;
  /** Messages some but not all of whose units were accepted before: skipped (module docs). */
  overlapping: number;
  too_late: number;
}

class WindowState {
  nodes = new Map<string, GraphNodeJson>();
  edges = new Map<
    string,
    { caller: string; callee: string; type: EdgeType; calls: number; errors: number; k: DDSketch }
  >();
  constructor(readonly tenant: string, readonly start: number) {}
  node(n: GraphNodeJson): void {
    const cur = this.nodes.get(n.id);
    if (!cur || (cur.kind === "virtual" && n.kind !== "virtual")) this.nodes.set(n.id, n);
  }
  edge(caller: string, callee: string, type: EdgeType, err: boolean, latency_ms: number): void {
    const key = `${caller}\u0000${callee}\u0000${type}`;
    let e = this.edges.get(key);
    if (!e) this.edges.set(key, e = { caller, callee, type, calls: 0, errors: 0, k: new DDSketch() });
    e.calls++;
    if (err) e.errors++;
    e.k.add(Math.max(0, latency_ms));
  }
  toJSON(window_ms: number): GraphWindowJson {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return {
      v: 1,
      tenant: this.tenant,
      window_start_ms: this.start,
      window_end_ms: this.start + window_ms,
      nodes: [...this.nodes.values()].sort((a, b) => cmp(a.id, b.id)),
      edges: [...this.edges.values()]
        .map((e) => ({
          caller: e.caller,
          callee: e.callee,
          type: e.type,
          calls: e.calls,
          errors: e.errors,
          latency: { ...e.k.toJSON(), s: 0 },
        }))
        .sort((a, b) => cmp(a.caller, b.caller) || cmp(a.callee, b.callee) || cmp(a.type, b.type)),
    };
  }
}

interface Pending {
  h: EdgeHalf;
  tenant: string;
}

export class GraphAssembler<T = unknown> {
  readonly window_ms: number;
  readonly ttl_ms: number;
  readonly max_out_of_order_ms: number;
  readonly allowed_lateness_ms: number;
  readonly max_pending: number;
  readonly counters: ServiceGraphCounters = {
    halves: 0,
    paired: 0,
    expired: 0,
    database_edges: 0,
    virtual_edges: 0,
    windows_closed: 0,
    duplicates: 0,
    overlapping: 0,
    too_late: 0,
  };
  #maxEvent = -Infinity;
  #closedThrough = -Infinity;
  readonly #windows = new Map<string, WindowState>();
  /** callers (client/producer) waiting for a callee, by tenant/trace/span id */
  readonly #callers = new Map<string, Pending>();
  /** callees (server/consumer) waiting for their caller, by tenant/trace/parent id */
  readonly #callees = new Map<string, Pending>();
  readonly #seen = new Map<string, number>();
  /** token → the closed-through time at which it may be acked */
  readonly #tokens: { token: T; until: number }[] = [];

  constructor(options: GraphAssemblerOptions = {}) {
    this.window_ms = options.window_ms ?? 10_000;
    this.ttl_ms = options.ttl_ms ?? 30_000;
    this.max_out_of_order_ms = options.max_out_of_order_ms ?? 5_000;
    this.allowed_lateness_ms = options.allowed_lateness_ms ?? 5_000;
    this.max_pending = options.max_pending ?? 200_000;
    for (const [k, v] of Object.entries(this)) {
      if (typeof v === "number" && !(v >= 0)) {
        throw new RangeError(`Cannot create GraphAssembler as ${k} must be >= 0: current value is ${v}`);
      }
    }
  }

  get watermark_ms(): number {
    return this.#maxEvent - this.max_out_of_order_ms;
  }
  get pending_halves(): number {
    return this.#callers.size + this.#callees.size;
  }
  get held_tokens(): number {
    return this.#tokens.length;
  }
  get open_windows(): number {
    return this.#windows.size;
  }

  #win(tenant: string, t: number): WindowState | null {
    const start = Math.floor(t / this.window_ms) * this.window_ms;
    if (start + this.window_ms <= this.#closedThrough) {
      this.counters.too_late++;
      return null;
    }
    const key = `${tenant}\u0000${start}`;
    let w = this.#windows.get(key);
    if (!w) this.#windows.set(key, w = new WindowState(tenant, start));
    return w;
  }

  #pair(tenant: string, caller: EdgeHalf, callee: EdgeHalf): void {
    const w = this.#win(tenant, caller.st);
    if (!w) return;
    this.counters.paired++;
    w.node({ id: caller.svc, kind: "service" });
    w.node({ id: callee.svc, kind: "service" });
    if (caller.k === 4) {
      w.edge(caller.svc, callee.svc, "messaging_system", callee.e === 1, callee.st - caller.st);
    } else w.edge(caller.svc, callee.svc, "request", caller.e === 1, caller.d);
  }

  #expire(p: Pending): void {
    this.counters.expired++;
    const h = p.h;
    if ((h.k === 3 || h.k === 4) && h.peer) {
      const w = this.#win(p.tenant, h.st);
      if (!w) return;
      this.counters.virtual_edges++;
      w.node({ id: h.svc, kind: "service" });
      w.node({ id: h.peer, kind: "virtual" });
      w.edge(h.svc, h.peer, "virtual_node", h.e === 1, h.d);
    }
  }

  /**
   * Accepts a message's halves unless some of its units were accepted before (`duplicate`: all were;
   * otherwise it overlaps and is counted in `overlapping`); either way `token` is held until the windows
   * the message fed are closed (at once when it was skipped).
   */
  accept(m: SpanHalvesMessage, token?: T): { duplicate: boolean; overlapping: boolean } {
    const units = inputUnits(m);
    let seen = 0;
    for (const u of units) if (this.#seen.has(u)) seen++;
    if (seen > 0) {
      if (seen === units.length) this.counters.duplicates++;
      else this.counters.overlapping++;
      if (token !== undefined) this.#tokens.push({ token, until: -Infinity });
      return { duplicate: seen === units.length, overlapping: seen < units.length };
    }
    const t = m.tenant;
    let maxSt = -Infinity;
    for (const h of m.halves) {
      this.counters.halves++;
      if (h.st > maxSt) maxSt = h.st;
      if (h.k === 3 && h.pk === "database") {
        const w = this.#win(t, h.st);
        if (!w) continue;
        this.counters.database_edges++;
        w.node({ id: h.svc, kind: "service" });
        w.node({ id: h.peer, kind: "virtual" });
        w.edge(h.svc, h.peer, "database", h.e === 1, h.d);
        continue;
      }
      if (h.k === 3 || h.k === 4) {
        const key = `${t}/${h.tr}/${h.id}`;
        const callee = this.#callees.get(key);
        if (callee) {
          this.#callees.delete(key);
          this.#pair(t, h, callee.h);
        } else this.#callers.set(key, { h, tenant: t });
      } else {
        const w = this.#win(t, h.st);
        if (w) w.node({ id: h.svc, kind: "service" });
        if (h.par === "") continue; // a root: no caller
        const key = `${t}/${h.tr}/${h.par}`;
        const caller = this.#callers.get(key);
        if (caller) {
          this.#callers.delete(key);
          this.#pair(t, caller.h, h);
        } else this.#callees.set(key, { h, tenant: t });
      }
    }
    for (const r of m.resources) {
      const w = this.#win(t, r.t);
      if (!w) continue;
      w.node({ id: r.svc, kind: "service" });
      if (r.pod) w.node({ id: r.pod, kind: "pod", service: r.svc, ...(r.host ? { host: r.host } : {}) });
      if (r.host) w.node({ id: r.host, kind: "host" });
      if (r.t > maxSt) maxSt = r.t;
    }
    if (m.max_event_ms > this.#maxEvent) this.#maxEvent = m.max_event_ms;
    const until = Math.floor(maxSt / this.window_ms) * this.window_ms + this.window_ms;
    for (const u of units) this.#seen.set(u, until + this.ttl_ms + 3 * this.window_ms);
    if (token !== undefined) this.#tokens.push({ token, until });
    // memory bound: expire the oldest callers early
    while (this.#callers.size + this.#callees.size > this.max_pending) {
      const map = this.#callers.size >= this.#callees.size ? this.#callers : this.#callees;
      const [k, p] = map.entries().next().value!;
      map.delete(k);
      this.#expire(p);
    }
    return { duplicate: false, overlapping: false };
  }

  /**
   * Expires halves older than the TTL and closes the windows the watermark has passed (all when `all`).
   * Returns the closed windows (ascending) and the tokens now safe to ack.
   */
  close(options: { all?: boolean } = {}): { windows: GraphWindowJson[]; releasable: T[] } {
    const wm = options.all ? Infinity : this.watermark_ms;
    for (const map of [this.#callers, this.#callees]) {
      for (const [k, p] of map) {
        if (p.h.st + this.ttl_ms <= wm) {
          map.delete(k);
          this.#expire(p);
        }
      }
    }
    const limit = options.all ? Infinity : wm - Math.max(this.ttl_ms, this.allowed_lateness_ms);
    const out: GraphWindowJson[] = [];
    for (const [k, w] of this.#windows) {
      if (w.start + this.window_ms <= limit) {
        this.#windows.delete(k);
        out.push(w.toJSON(this.window_ms));
        this.counters.windows_closed++;
        if (w.start + this.window_ms > this.#closedThrough) this.#closedThrough = w.start + this.window_ms;
      }
    }
    if (options.all && this.#maxEvent > this.#closedThrough) {
      this.#closedThrough = Math.floor(this.#maxEvent / this.window_ms) * this.window_ms + this.window_ms;
    }
    if (Number.isFinite(limit) && limit > this.#closedThrough) {
      this.#closedThrough = Math.floor(limit / this.window_ms) * this.window_ms;
    }
    out.sort((a, b) => a.window_start_ms - b.window_start_ms || (a.tenant < b.tenant ? -1 : 1));
    const releasable: T[] = [];
    for (let i = this.#tokens.length - 1; i >= 0; i--) {
      if (this.#tokens[i].until <= this.#closedThrough) {
        releasable.push(this.#tokens[i].token);
        this.#tokens.splice(i, 1);
      }
    }
    if (this.#seen.size > 1024) {
      for (const [k, u] of this.#seen) if (u < this.#closedThrough) this.#seen.delete(k);
    }
    return { windows: out, releasable };
  }
}

/** Merges closed windows into one snapshot (edges summed, sketches merged). */
export function mergeGraphWindows(
  windows: GraphWindowJson[],
): { nodes: GraphNodeJson[]; edges: (GraphEdgeJson & { k: DDSketch })[] } {
  const nodes = new Map<string, GraphNodeJson>();
  const edges = new Map<string, GraphEdgeJson & { k: DDSketch }>();
  for (const w of windows) {
    for (const n of w.nodes) {
      const cur = nodes.get(n.id);
      if (!cur || (cur.kind === "virtual" && n.kind !== "virtual")) nodes.set(n.id, n);
    }
    for (const e of w.edges) {
      const key = `${e.caller}\u0000${e.callee}\u0000${e.type}`;
      const cur = edges.get(key);
      if (!cur) edges.set(key, { ...e, k: DDSketch.fromJSON(e.latency) });
      else {
        cur.calls += e.calls;
        cur.errors += e.errors;
        cur.k.merge(DDSketch.fromJSON(e.latency));
      }
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    nodes: [...nodes.values()].sort((a, b) => cmp(a.id, b.id)),
    edges: [...edges.values()].sort((a, b) =>
      cmp(a.caller, b.caller) || cmp(a.callee, b.callee) || cmp(a.type, b.type)
    ),
  };
}

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
 * - pods / instances and hosts (from resource attributes) become nodes linked to their service; a resource
 *   link without either stands for root server/consumer spans (no caller to pair with), which workers send
 *   as one link per service and window instead of one half each: the service is a node of the window.
 *
 * An edge belongs to the window of its caller's start time. Watermark = max event time − max_out_of_order;
 * a window closes when the watermark passes its end + max(ttl, allowed lateness), after the halves that
 * could still pair into it have expired.
 *
 * Unpaired halves wait in a join table per tenant and side (src/graph/join_table.ts), looked up by their
 * join key's bytes where the message holds them (src/graph/half_columns.ts), and in expiry buckets by
 * start window, so close() visits the halves that may be due rather than every one waiting. Past
 * `max_pending`, the halves that started first expire early (counted in `expired`).
 *
 * Deduplication by units, as in the window reducer (src/features/window_reducer.ts): a message stands for
 * input units `<OTLP stream seq>/<span partition>`, its src for a message cut from one OTLP message, its
 * `covers` for one that carries a pull batch. A message none of whose units was accepted is accepted; one
 * all of whose units were is a duplicate; one some of whose units were overlaps and is skipped
 * (`overlapping`): the feature worker then sends every one of its OTLP messages again, one by one
 * (src/features/feature_worker.ts gives the argument), so every unit is paired exactly once.
 */
import { DDSketch, type DDSketchJson } from "../features/ddsketch.ts";
import { type CoveredInput, inputUnits, unitsSeen } from "../features/input_units.ts";
import type { EdgeHalf, ResourceLink } from "./edge_half.ts";
import { HalfColumns, isCaller } from "./half_columns.ts";
import { JoinTable } from "./join_table.ts";

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

/** A span halves message column by column (what the feature worker builds and the codec reads). */
export interface HalfColumnsMessage extends CoveredInput {
  v: 1;
  tenant: string;
  max_event_ms: number;
  halves: HalfColumns;
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
  /** Unpaired halves held at most; beyond, those that started first expire early (counted). @default 200000 */
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

const EDGE_TYPES: readonly EdgeType[] = ["request", "messaging_system", "database", "virtual_node"];
const REQUEST = 0, MESSAGING = 1, DATABASE = 2, VIRTUAL = 3;

interface EdgeAgg {
  caller: string;
  callee: string;
  type: EdgeType;
  calls: number;
  errors: number;
  k: DDSketch;
}

/** Whether a node of `kind` takes an id's place: a first one, or any other kind over a virtual node. */
function takesOver(cur: GraphNodeJson | undefined, kind: GraphNodeJson["kind"]): boolean {
  return !cur || (cur.kind === "virtual" && kind !== "virtual");
}

class WindowState {
  nodes = new Map<string, GraphNodeJson>();
  /** by caller, callee, then type index (EDGE_TYPES): no key strings built per call */
  edges = new Map<string, Map<string, (EdgeAgg | undefined)[]>>();
  constructor(readonly tenant: string, readonly start: number) {}
  /** A service or virtual node (see {@link takesOver}). */
  node(id: string, kind: "service" | "virtual"): void {
    if (takesOver(this.nodes.get(id), kind)) this.nodes.set(id, { id, kind });
  }
  nodeJson(n: GraphNodeJson): void {
    if (takesOver(this.nodes.get(n.id), n.kind)) this.nodes.set(n.id, n);
  }
  edge(caller: string, callee: string, type: number, err: boolean, latency_ms: number): void {
    let byCallee = this.edges.get(caller);
    if (!byCallee) this.edges.set(caller, byCallee = new Map());
    let byType = byCallee.get(callee);
    if (!byType) byCallee.set(callee, byType = []);
    let e = byType[type];
    if (!e) {
      byType[type] = e = { caller, callee, type: EDGE_TYPES[type], calls: 0, errors: 0, k: new DDSketch() };
    }
    e.calls++;
    if (err) e.errors++;
    e.k.add(Math.max(0, latency_ms));
  }
  toJSON(window_ms: number): GraphWindowJson {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const edges: GraphEdgeJson[] = [];
    for (const byCallee of this.edges.values()) {
      for (const byType of byCallee.values()) {
        for (const e of byType) {
          if (!e) continue;
          edges.push({
            caller: e.caller,
            callee: e.callee,
            type: e.type,
            calls: e.calls,
            errors: e.errors,
            latency: { ...e.k.toJSON(), s: 0 },
          });
        }
      }
    }
    return {
      v: 1,
      tenant: this.tenant,
      window_start_ms: this.start,
      window_end_ms: this.start + window_ms,
      nodes: [...this.nodes.values()].sort((a, b) => cmp(a.id, b.id)),
      edges: edges.sort((a, b) => cmp(a.caller, b.caller) || cmp(a.callee, b.callee) || cmp(a.type, b.type)),
    };
  }
}

/** An unpaired half: what pairing or expiring it needs. */
interface Pending {
  tenant: string;
  svc: string;
  k: number;
  st: number;
  d: number;
  e: number;
  peer: string;
  /**
   * false once paired, replaced or expired: its expiry bucket may still list it, and an expired half
   * stays in its join table (which has no key of it to delete by) until the table is compacted
   */
  live: boolean;
}

/** Unpaired halves whose start falls in one window: close() visits only the buckets that may expire. */
interface ExpiryBucket {
  live: number;
  items: Pending[];
  /** items before it are dead (early expiry walks from here, not from the start) */
  head: number;
}

/** A tenant's unpaired halves, by join key. */
interface TenantPending {
  /** callers (client/producer) waiting for a callee, by trace id + span id */
  callers: JoinTable<Pending>;
  /** callees (server/consumer) waiting for their caller, by trace id + parent span id */
  callees: JoinTable<Pending>;
}

/** A message's halves as columns (EdgeHalf messages, from JSON, are turned into these). */
function columnsOf(
  halves: HalfColumns | readonly EdgeHalf[],
): { cols: HalfColumns; root: (i: number) => boolean } {
  if (halves instanceof HalfColumns) return { cols: halves, root: (i) => halves.noSpan(i) };
  return { cols: HalfColumns.fromHalves(halves, { text_ids: true }), root: (i) => halves[i].par === "" };
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
  /** the window #win() gave last (reset when windows close) */
  #lastWin: WindowState | null = null;
  /** unpaired halves by tenant */
  readonly #pending = new Map<string, TenantPending>();
  #nPending = 0;
  /** expired halves still in a join table */
  #stale = 0;
  /** unpaired halves by floor(start / window_ms) */
  readonly #due = new Map<number, ExpiryBucket>();
  readonly #seen = new Set<string>();
  /** accepted units by the closed-through time after which they are forgotten */
  readonly #seenUntil = new Map<number, string[]>();
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
    return this.#nPending;
  }
  get held_tokens(): number {
    return this.#tokens.length;
  }
  get open_windows(): number {
    return this.#windows.size;
  }

  #win(tenant: string, t: number): WindowState | null {
    const start = Math.floor(t / this.window_ms) * this.window_ms;
    const last = this.#lastWin;
    if (last !== null && last.start === start && last.tenant === tenant) return last;
    if (start + this.window_ms <= this.#closedThrough) {
      this.counters.too_late++;
      return null;
    }
    const key = `${tenant}\u0000${start}`;
    let w = this.#windows.get(key);
    if (!w) this.#windows.set(key, w = new WindowState(tenant, start));
    return this.#lastWin = w;
  }

  #tenant(tenant: string): TenantPending {
    let p = this.#pending.get(tenant);
    if (!p) this.#pending.set(tenant, p = { callers: new JoinTable(), callees: new JoinTable() });
    return p;
  }

  /** Holds `h` unpaired under key keys[a..b) in `table` (replacing a half held under the same key). */
  #hold(table: JoinTable<Pending>, keys: Uint8Array, from: number, to: number, h: Pending): void {
    const cur = table.set(keys, from, to, h);
    if (cur !== undefined) {
      if (cur.live) this.#drop(cur);
      else this.#stale--; // an expired half's entry, overwritten
    }
    this.#nPending++;
    const b = Math.floor(h.st / this.window_ms);
    let bucket = this.#due.get(b);
    if (bucket === undefined) this.#due.set(b, bucket = { live: 0, items: [], head: 0 });
    bucket.live++;
    bucket.items.push(h);
  }

  /** Marks a held half gone (its caller removes it from its table); compacts its bucket when half dead. */
  #drop(p: Pending): void {
    p.live = false;
    this.#nPending--;
    const b = Math.floor(p.st / this.window_ms);
    const bucket = this.#due.get(b)!;
    if (--bucket.live === 0) this.#due.delete(b);
    else if (bucket.items.length >= 64 && bucket.live < bucket.items.length >> 1) {
      bucket.items = bucket.items.filter((x) => x.live);
      bucket.head = 0;
    }
  }

  /** Expires a held half unpaired (its join table entry goes at the next compaction). */
  #expireHeld(p: Pending): void {
    this.#drop(p);
    this.#stale++;
    this.#expire(p);
  }

  #pair(tenant: string, caller: Pending, callee: Pending): void {
    const w = this.#win(tenant, caller.st);
    if (!w) return;
    this.counters.paired++;
    w.node(caller.svc, "service");
    w.node(callee.svc, "service");
    if (caller.k === 4) {
      w.edge(caller.svc, callee.svc, MESSAGING, callee.e === 1, callee.st - caller.st);
    } else w.edge(caller.svc, callee.svc, REQUEST, caller.e === 1, caller.d);
  }

  #expire(h: Pending): void {
    this.counters.expired++;
    if (isCaller(h.k) && h.peer) {
      const w = this.#win(h.tenant, h.st);
      if (!w) return;
      this.counters.virtual_edges++;
      w.node(h.svc, "service");
      w.node(h.peer, "virtual");
      w.edge(h.svc, h.peer, VIRTUAL, h.e === 1, h.d);
    }
  }

  /**
   * Accepts a message's halves unless some of its units were accepted before (`duplicate`: all were;
   * otherwise it overlaps and is counted in `overlapping`); either way `token` is held until the windows
   * the message fed are closed (at once when it was skipped). Columns (the binary codec's) and EdgeHalf
   * objects (JSON) pair with each other.
   */
  accept(m: HalfColumnsMessage | SpanHalvesMessage, token?: T): void {
    const units = inputUnits(m);
    const seen = unitsSeen(units, this.#seen);
    if (seen !== "new") {
      if (seen === "duplicate") this.counters.duplicates++;
      else this.counters.overlapping++;
      if (token !== undefined) this.#tokens.push({ token, until: -Infinity });
      return;
    }
    const t = m.tenant;
    let maxSt = -Infinity;
    const { cols, root } = columnsOf(m.halves);
    const { svc, kind, err, peer, pk, st, d, keys, keyEnd } = cols;
    const pending = this.#tenant(t);
    const { callers, callees } = pending;
    this.counters.halves += cols.length;
    for (let i = 0; i < cols.length; i++) {
      const k = kind[i], hst = st[i];
      if (hst > maxSt) maxSt = hst;
      if (k === 3 && pk[i] === "database") {
        const w = this.#win(t, hst);
        if (!w) continue;
        this.counters.database_edges++;
        w.node(svc[i], "service");
        w.node(peer[i], "virtual");
        w.edge(svc[i], peer[i], DATABASE, err[i] === 1, d[i]);
        continue;
      }
      const a = i === 0 ? 0 : keyEnd[i - 1], b = keyEnd[i];
      const calling = isCaller(k); // a client or producer half: its callee half pairs with it
      if (!calling) {
        const w = this.#win(t, hst);
        if (w) w.node(svc[i], "service");
        if (root(i)) continue; // a root: no caller
      }
      const h: Pending = {
        tenant: t,
        svc: svc[i],
        k,
        st: hst,
        d: d[i],
        e: err[i],
        peer: peer[i],
        live: true,
      };
      const waiting = calling ? callees : callers, mine = calling ? callers : callees;
      const other = waiting.get(keys, a, b);
      if (other?.live) {
        waiting.delete(keys, a, b);
        this.#drop(other);
        if (calling) this.#pair(t, h, other);
        else this.#pair(t, other, h);
      } else this.#hold(mine, keys, a, b, h); // (a span id seen twice: the later half waits)
    }
    for (const r of m.resources) {
      const w = this.#win(t, r.t);
      if (!w) continue;
      w.node(r.svc, "service");
      if (r.pod) w.nodeJson({ id: r.pod, kind: "pod", service: r.svc, ...(r.host ? { host: r.host } : {}) });
      if (r.host) w.nodeJson({ id: r.host, kind: "host" });
      if (r.t > maxSt) maxSt = r.t;
    }
    if (m.max_event_ms > this.#maxEvent) this.#maxEvent = m.max_event_ms;
    const until = Math.floor(maxSt / this.window_ms) * this.window_ms + this.window_ms;
    const forget = until + this.ttl_ms + 3 * this.window_ms;
    let list = this.#seenUntil.get(forget);
    if (list === undefined) this.#seenUntil.set(forget, list = []);
    for (const u of units) {
      this.#seen.add(u);
      list.push(u);
    }
    if (token !== undefined) this.#tokens.push({ token, until });
    // memory bound: expire the halves that started first early
    while (this.#nPending > this.max_pending) {
      let first = Infinity;
      for (const b of this.#due.keys()) if (b < first) first = b;
      // from the oldest bucket, in arrival order, until under the cap or the bucket is gone
      const bucket = this.#due.get(first)!;
      while (this.#nPending > this.max_pending && this.#due.get(first) === bucket) {
        while (!bucket.items[bucket.head].live) bucket.head++;
        this.#expireHeld(bucket.items[bucket.head++]);
      }
    }
    this.#compact();
  }

  /** Drops expired halves' entries from the join tables once they outnumber the live ones. */
  #compact(): void {
    if (this.#stale < 4096 || this.#stale < this.#nPending) return;
    for (const p of this.#pending.values()) {
      p.callers.retain((x) => x.live);
      p.callees.retain((x) => x.live);
    }
    this.#stale = 0;
  }

  /**
   * Expires halves older than the TTL and closes the windows the watermark has passed (all when `all`).
   * Returns the closed windows (ascending) and the tokens now safe to ack.
   */
  close(options: { all?: boolean } = {}): { windows: GraphWindowJson[]; releasable: T[] } {
    const wm = options.all ? Infinity : this.watermark_ms;
    for (const [b, bucket] of this.#due) {
      if (b * this.window_ms + this.ttl_ms > wm) continue; // none of its halves is due yet
      for (const p of bucket.items) if (p.live && p.st + this.ttl_ms <= wm) this.#expireHeld(p);
    }
    if (this.#nPending === 0) {
      this.#pending.clear(); // nothing waits: drop the tables (and their expired entries) at once
      this.#stale = 0;
    } else this.#compact();
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
    this.#lastWin = null;
    out.sort((a, b) => a.window_start_ms - b.window_start_ms || (a.tenant < b.tenant ? -1 : 1));
    const releasable: T[] = [];
    for (let i = this.#tokens.length - 1; i >= 0; i--) {
      if (this.#tokens[i].until <= this.#closedThrough) {
        releasable.push(this.#tokens[i].token);
        this.#tokens.splice(i, 1);
      }
    }
    for (const [forget, units] of this.#seenUntil) {
      if (forget >= this.#closedThrough) continue;
      for (const u of units) this.#seen.delete(u);
      this.#seenUntil.delete(forget);
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
      if (takesOver(nodes.get(n.id), n.kind)) nodes.set(n.id, n);
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

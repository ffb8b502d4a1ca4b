/**
 * Drain-style clustering of one service's log templates (He et al., "Drain: An Online Log Parsing Approach
 * with Fixed Depth Tree", ICWS 2017), run by the window reducer on each closed window, so that the result
 * does not depend on the number of workers or on the arrival order.
 *
 * Workers mask what is obviously variable (numbers, ids, quoted values: src/features/log_template.ts) and
 * count messages per masked template. Masking cannot tell a user name or a word from a constant; Drain's
 * similarity merge can: templates with the same token count and the same first token (Drain's fixed-depth
 * tree: length, then leading token) whose tokens agree at a share ≥ `similarity` of the positions join one
 * cluster, and the positions where they differ become `<*>`.
 *
 * Determinism and stable ids: a window's masked templates are clustered in a canonical order (most messages
 * first, then by masked template id), and windows reach the clusterer in event-time order, so the clusters
 * are a function of the data. A cluster's id is the id of the masked template that founded it, and a masked
 * template, once placed, stays in its cluster (until the cluster idles out), so ids are stable across windows;
 * a template that never merged keeps exactly the id it had before clustering existed.
 *
 * Unlike plain Drain, two templates never merge over a position where either token is *protected*: it names
 * a known service (the localizers read the service a log line names from the template text) or is error
 * wording (classifiers read it). `connection to carts refused` and `connection to orders refused` stay apart.
 *
 * Memory: at most `max_clusters` clusters per service (masked templates beyond that which match none are
 * reported as they are, unclustered) and `4 × max_clusters` remembered placements; a cluster not seen for
 * `idle_ttl_ms` of event time is forgotten.
 *
 * Durable: `toJSON()` / `LogClusterer.fromJSON()` round-trip everything that decides future results (the
 * clusters in founding order, their text, members and last window), so a reducer restored from a snapshot
 * clusters the next windows exactly as the one that wrote it would have (src/features/reducer_state.ts).
 */

export const WILDCARD = "<*>";

/** Error wording (the vocabulary the classifier and the localizers look for in template text). */
const ERROR_WORDING =
  /error|exception|fail|panic|traceback|refused|timeout|timed|invalid|unavailable|denied|reject|abort|crash|fatal|unhandled|uncaught|warn/i;

/** A window's masked templates or its clusters: template id → [template, count, error count]. */
export type TemplateCounts = Record<string, [string, number, number]>;

export interface LogClustererOptions {
  /** Share of token positions that must agree for a template to join a cluster. @default 0.5 */
  similarity?: number;
  /** Clusters kept per service. @default 1000 */
  max_clusters?: number;
  /** A cluster not seen for this long (event time) is forgotten. @default 3_600_000 */
  idle_ttl_ms?: number;
}

interface Cluster {
  id: string;
  tokens: string[];
  /** Window start (event time) of the last window it had messages in. */
  last_ms: number;
  /** Masked template ids placed in it (for forgetting). */
  members: string[];
}

/**
 * The durable form of a {@link LogClusterer}: its clusters as `[id, template, last window start, members]`,
 * grouped by (token count, first token) in sorted group order and, within a group, in founding order
 * (which breaks similarity ties, so it is kept). Deterministic: equal clusterers give equal JSON.
 */
export interface LogClustererJson {
  clusters: [id: string, template: string, last_ms: number, members: string[]][];
}

/** The service names known to the caller (a Set will do). */
export interface ServiceNames {
  has(name: string): boolean;
}

const NO_NAMES: ServiceNames = { has: () => false };

/** Whether a template token is protected (see the module doc) — given the known service names. */
export function isProtectedToken(token: string, services: ServiceNames): boolean {
  if (token === WILDCARD) return false;
  if (ERROR_WORDING.test(token)) return true;
  for (const part of token.split(/[^A-Za-z0-9_.\-/]+/)) if (part !== "" && services.has(part)) return true;
  return false;
}

/** The clusters of one service. Not thread-safe; windows must be given in event-time order. */
export class LogClusterer {
  readonly similarity: number;
  readonly max_clusters: number;
  readonly idle_ttl_ms: number;
  /** (token count, first token) → clusters, in founding order. */
  readonly #groups = new Map<string, Cluster[]>();
  /** masked template id → its cluster */
  readonly #placed = new Map<string, Cluster>();
  #clusters = 0;

  constructor(options: LogClustererOptions = {}) {
    this.similarity = options.similarity ?? 0.5;
    this.max_clusters = options.max_clusters ?? 1000;
    this.idle_ttl_ms = options.idle_ttl_ms ?? 3_600_000;
    if (!(this.similarity > 0 && this.similarity <= 1)) {
      throw new RangeError(
        `Cannot create a LogClusterer as similarity must be in (0, 1]: current value is ${this.similarity}`,
      );
    }
    if (!(Number.isInteger(this.max_clusters) && this.max_clusters >= 1)) {
      throw new RangeError(
        `Cannot create a LogClusterer as max_clusters must be an integer >= 1: current value is ${this.max_clusters}`,
      );
    }
    if (!(this.idle_ttl_ms > 0)) {
      throw new RangeError(
        `Cannot create a LogClusterer as idle_ttl_ms must be > 0: current value is ${this.idle_ttl_ms}`,
      );
    }
  }

  /** Clusters held. */
  get size(): number {
    return this.#clusters;
  }

  /** The clusters, to restore with {@link LogClusterer.fromJSON} (see {@link LogClustererJson}). */
  toJSON(): LogClustererJson {
    const keys = [...this.#groups.keys()].sort();
    return {
      clusters: keys.flatMap((k) =>
        this.#groups.get(k)!.map((c): LogClustererJson["clusters"][number] => [
          c.id,
          c.tokens.join(" "),
          c.last_ms,
          [...c.members],
        ])
      ),
    };
  }

  /**
   * A clusterer holding the clusters of `json` (from {@link toJSON}), with `options` (those of the one that
   * wrote it, for identical results). Clusters beyond `max_clusters` are dropped (the latest founded first).
   */
  static fromJSON(json: LogClustererJson, options: LogClustererOptions = {}): LogClusterer {
    const c = new LogClusterer(options);
    for (const [id, template, last_ms, members] of json.clusters) {
      if (c.#clusters >= c.max_clusters) break;
      const tokens = template.split(" ");
      const cluster: Cluster = { id, tokens, last_ms, members: [] };
      const key = groupKey(tokens);
      let group = c.#groups.get(key);
      if (group === undefined) c.#groups.set(key, group = []);
      group.push(cluster);
      c.#clusters++;
      for (const m of members) {
        if (c.#placed.size >= 4 * c.max_clusters || c.#placed.has(m)) continue;
        c.#placed.set(m, cluster);
        cluster.members.push(m);
      }
    }
    return c;
  }

  /**
   * Clusters one closed window's masked templates; returns the counts by cluster id with each cluster's
   * template text after this window. `services` are the names whose tokens never turn into `<*>`.
   */
  cluster(
    templates: TemplateCounts,
    options: { window_start_ms: number; services?: ServiceNames },
  ): TemplateCounts {
    const t = options.window_start_ms;
    const services = options.services ?? NO_NAMES;
    this.#forgetIdle(t);
    const order = Object.entries(templates).sort((a, b) =>
      b[1][1] - a[1][1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    );
    const touched = new Map<Cluster, [number, number]>();
    const out: TemplateCounts = {};
    for (const [id, [template, count, errors]] of order) {
      const c = this.#place(id, template, services);
      if (c === null) {
        out[id] = [template, count, errors];
        continue;
      }
      c.last_ms = t;
      const cur = touched.get(c);
      if (cur === undefined) touched.set(c, [count, errors]);
      else {
        cur[0] += count;
        cur[1] += errors;
      }
    }
    for (const [c, [count, errors]] of touched) out[c.id] = [c.tokens.join(" "), count, errors];
    return out;
  }

  #place(id: string, template: string, services: ServiceNames): Cluster | null {
    const known = this.#placed.get(id);
    if (known !== undefined) {
      merge(known.tokens, template.split(" "));
      return known;
    }
    const tokens = template.split(" ");
    const key = groupKey(tokens);
    let group = this.#groups.get(key);
    let best: Cluster | null = null, bestSim = -1;
    for (const c of group ?? []) {
      const s = similarity(c.tokens, tokens, services);
      if (s > bestSim) {
        best = c;
        bestSim = s;
      }
    }
    if (best !== null && bestSim >= this.similarity) {
      merge(best.tokens, tokens);
    } else if (this.#clusters < this.max_clusters) {
      best = { id, tokens, last_ms: -Infinity, members: [] };
      if (group === undefined) this.#groups.set(key, group = []);
      group.push(best);
      this.#clusters++;
    } else return null;
    if (this.#placed.size < 4 * this.max_clusters) {
      this.#placed.set(id, best);
      best.members.push(id);
    }
    return best;
  }

  #forgetIdle(now_ms: number): void {
    const cutoff = now_ms - this.idle_ttl_ms;
    for (const [key, group] of this.#groups) {
      const keep = group.filter((c) => c.last_ms >= cutoff);
      if (keep.length === group.length) continue;
      for (const c of group) {
        if (c.last_ms >= cutoff) continue;
        for (const m of c.members) this.#placed.delete(m);
        this.#clusters--;
      }
      if (keep.length === 0) this.#groups.delete(key);
      else this.#groups.set(key, keep);
    }
  }
}

/** Drain's fixed-depth tree, flattened: token count, then the first token (`<*>` when it varies). */
function groupKey(tokens: readonly string[]): string {
  return `${tokens.length}\u0000${tokens[0] === undefined || hasWildcard(tokens[0]) ? WILDCARD : tokens[0]}`;
}

function hasWildcard(token: string): boolean {
  return token.includes(WILDCARD);
}

/**
 * Drain's similarity: the share of positions whose tokens are equal; a position where the cluster already
 * has `<*>` does not count for it, and a protected token that differs (even from `<*>`) rules the merge
 * out (-1): a service name or error wording never turns into, or joins, a wildcard.
 */
function similarity(cluster: readonly string[], tokens: readonly string[], services: ServiceNames): number {
  let same = 0;
  for (let i = 0; i < tokens.length; i++) {
    const a = cluster[i], b = tokens[i];
    if (a === b) {
      if (a !== WILDCARD) same++;
    } else if (isProtectedToken(a, services) || isProtectedToken(b, services)) return -1;
  }
  return same / tokens.length;
}

/** Turns the positions where `tokens` differ from the cluster into `<*>` (in place). */
function merge(cluster: string[], tokens: readonly string[]): void {
  for (let i = 0; i < cluster.length; i++) if (cluster[i] !== tokens[i]) cluster[i] = WILDCARD;
}

/**
 * The window reducer's state in a NATS KV bucket (`vigil_reducer_state`, declared in nats/streams.json with
 * `history: 2`), written so that a reducer killed at any instant is restored to the state of exactly the
 * windows it had closed at one snapshot: never half of one.
 *
 * Protocol, one generation per snapshot (src/features/engine.ts, after publishing the snapshot's records
 * and before acking the partials they release):
 * 1. put every changed service's state, tagged with the generation `g`, under `svc.<tenant>.<service>`
 *    (in parallel); delete the keys of forgotten services;
 * 2. put the commit marker `commit` = { g, progress }.
 * A generation is complete once its marker is stored. `load()` takes, for every key, the latest revision
 * of a complete generation: a crash between 1 and 2 leaves keys at generation g + 1 whose previous
 * revision (kept by `history: 2`) is the complete one; load puts that one back (or deletes a key that had
 * none), so that the bucket's latest revisions are all complete again before the next generation writes.
 * Deleting a forgotten service needs no rollback: its state could not change any later record.
 *
 * Costs: one put per service whose windows closed, one small put per snapshot; nothing when no window
 * closed. A service's state is bounded by the reducer's caps (max_metric_series baselines,
 * max_log_clusters clusters with at most 4 × max_log_clusters members).
 */
import type { Bus } from "../bus/connection.ts";
import { type KvBucket, openKvBucket } from "../bus/kv_bucket.ts";
import {
  decodeCommit,
  decodeServiceState,
  encodeCommit,
  encodeServiceState,
  type ReducerProgress,
  type ReducerSnapshot,
  type ServiceState,
  serviceStateKey,
} from "./reducer_state.ts";

export const REDUCER_STATE_BUCKET = "vigil_reducer_state";
const COMMIT_KEY = "commit";

export interface LoadedReducerState {
  /** The last complete generation (0 when none was written). */
  gen: number;
  progress: ReducerProgress;
  services: ServiceState[];
  /** Keys put back to their complete revision (a crash came between writing a generation and its marker). */
  rolled_back: number;
}

export interface ReducerStateWrite {
  gen: number;
  services: number;
  forgotten: number;
  bytes: number;
}

export class ReducerStateStore {
  #gen = 0;
  /** A write failed: the bucket may hold an incomplete generation that only load() rolls back. */
  #broken = false;
  private constructor(readonly kv: KvBucket) {}

  /** Opens (creating when missing) the bucket. */
  static async open(bus: Bus, options: { bucket?: string } = {}): Promise<ReducerStateStore> {
    return new ReducerStateStore(
      await openKvBucket(bus, options.bucket ?? REDUCER_STATE_BUCKET, { history: 2 }),
    );
  }

  /** The last complete generation written or loaded. */
  get gen(): number {
    return this.#gen;
  }

  /** Reads the last complete state, rolling back the keys of an incomplete generation (see the module doc). */
  async load(): Promise<LoadedReducerState> {
    const marker = await this.kv.get(COMMIT_KEY);
    const { gen, progress } = marker
      ? decodeCommit(marker)
      : { gen: 0, progress: { max_event_ms: null, flushed_through_ms: null, position: null } };
    const services: ServiceState[] = [];
    let rolled_back = 0;
    for (const key of (await this.kv.keys("svc.>")).sort()) {
      const latest = await this.kv.get(key);
      if (latest === null) continue;
      const s = decodeServiceState(latest);
      if (s.gen <= gen) {
        services.push(s.state);
        continue;
      }
      // written by a generation whose marker never came: its previous revision is complete
      const revisions = await this.kv.history(key);
      const prev = revisions.slice(0, -1).reverse().find((r) =>
        r !== null && decodeServiceState(r).gen <= gen
      );
      if (prev) {
        await this.kv.put(key, prev);
        services.push(decodeServiceState(prev).state);
      } else await this.kv.delete(key);
      rolled_back++;
    }
    this.#gen = gen;
    this.#broken = false;
    return { gen, progress, services, rolled_back };
  }

  /**
   * Writes one snapshot as the next generation (see the module doc); resolves once its marker is stored.
   * `on_step` is called after step 1 (for fault-injection tests). On a rejection the generation is not
   * complete: the caller must not ack, and must restart from `load()` (writes throw until then).
   */
  async write(
    snapshot: ReducerSnapshot,
    options: { on_step?: (step: "states_written") => void | Promise<void> } = {},
  ): Promise<ReducerStateWrite> {
    if (this.#broken) {
      throw new Error(
        `Cannot write generation ${this.#gen + 1} of the reducer state before load() after a failed write`,
      );
    }
    this.#broken = true;
    const gen = this.#gen + 1;
    let bytes = 0;
    await Promise.all([
      ...snapshot.changed.map((s) => {
        const value = encodeServiceState(s, gen);
        bytes += value.length;
        return this.kv.put(serviceStateKey(s.tenant, s.service), value);
      }),
      ...snapshot.forgotten.map((s) => this.kv.delete(serviceStateKey(s.tenant, s.service))),
    ]);
    await options.on_step?.("states_written");
    const marker = encodeCommit(gen, snapshot.progress);
    await this.kv.put(COMMIT_KEY, marker);
    this.#gen = gen;
    this.#broken = false;
    return {
      gen,
      services: snapshot.changed.length,
      forgotten: snapshot.forgotten.length,
      bytes: bytes + marker.length,
    };
  }
}

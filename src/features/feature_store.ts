/**
 * Recent FEATURES records in process memory, for the API and the detectors (no stream re-read).
 * Bounded: at most `max_windows` records per (tenant, service), and services with no record newer than
 * `idle_ttl_ms` (by window end, event time) are dropped by `expire()`.
 */
import type { FeatureRecord } from "../core/feature_record.ts";

export interface FeatureStoreOptions {
  /** Records kept per (tenant, service). @default 360 (an hour of 10 s windows) */
  max_windows?: number;
  /** Services idle longer than this (event time) are dropped by expire(). @default 3600000 */
  idle_ttl_ms?: number;
}

export class FeatureStore {
  readonly max_windows: number;
  readonly idle_ttl_ms: number;
  /** tenant → service → records ascending by window start */
  readonly #data = new Map<string, Map<string, FeatureRecord[]>>();
  #listeners = new Set<(r: FeatureRecord) => void>();

  constructor(options: FeatureStoreOptions = {}) {
    this.max_windows = options.max_windows ?? 360;
    this.idle_ttl_ms = options.idle_ttl_ms ?? 3_600_000;
  }

  /** Inserts or replaces (same tenant, service and window) a record. */
  add(rec: FeatureRecord): void {
    let byService = this.#data.get(rec.tenant);
    if (!byService) this.#data.set(rec.tenant, byService = new Map());
    let list = byService.get(rec.service);
    if (!list) byService.set(rec.service, list = []);
    let i = list.length;
    while (i > 0 && list[i - 1].window_start_ms > rec.window_start_ms) i--;
    if (i > 0 && list[i - 1].window_start_ms === rec.window_start_ms) list[i - 1] = rec;
    else list.splice(i, 0, rec);
    if (list.length > this.max_windows) list.splice(0, list.length - this.max_windows);
    for (const l of this.#listeners) l(rec);
  }

  /** The latest `limit` records of a service, oldest first. */
  recent(service: string, options: { tenant?: string; limit?: number } = {}): FeatureRecord[] {
    const list = this.#data.get(options.tenant ?? "default")?.get(service) ?? [];
    return list.slice(Math.max(0, list.length - (options.limit ?? list.length)));
  }

  /** Records with window start in [from_ms, to_ms), per service. */
  range(from_ms: number, to_ms: number, options: { tenant?: string } = {}): Map<string, FeatureRecord[]> {
    const out = new Map<string, FeatureRecord[]>();
    for (const [svc, list] of this.#data.get(options.tenant ?? "default") ?? []) {
      const sel = list.filter((r) => r.window_start_ms >= from_ms && r.window_start_ms < to_ms);
      if (sel.length) out.set(svc, sel);
    }
    return out;
  }

  services(tenant = "default"): string[] {
    return [...(this.#data.get(tenant)?.keys() ?? [])].sort();
  }

  /** Drops services whose newest window ended more than idle_ttl_ms before `now_ms`. Returns how many. */
  expire(now_ms: number): number {
    let n = 0;
    for (const byService of this.#data.values()) {
      for (const [svc, list] of byService) {
        if (list.length === 0 || list[list.length - 1].window_end_ms + this.idle_ttl_ms < now_ms) {
          byService.delete(svc);
          n++;
        }
      }
    }
    return n;
  }

  /** Calls `fn` for every record added; returns an unsubscribe function. */
  subscribe(fn: (r: FeatureRecord) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

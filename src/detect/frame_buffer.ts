/**
 * A rolling MetricFrame: the last `capacity` windows of every service's indicators, on the window grid.
 * What the live stages hand to localizers. Bounded: services idle for `capacity` windows are dropped.
 */
import type { MetricFrame } from "../core/rca.ts";

export class FrameBuffer {
  readonly #step: number;
  readonly #capacity: number;
  /** service → indicator → (window start → value) */
  readonly #data = new Map<string, Map<string, Map<number, number>>>();
  readonly #lastSeen = new Map<string, number>();
  #latest = -Infinity;

  constructor(options: { step_ms: number; capacity: number }) {
    if (!(options.step_ms > 0)) {
      throw new RangeError(
        `Cannot build a FrameBuffer as step_ms must be > 0: current value is ${options.step_ms}`,
      );
    }
    if (!(options.capacity >= 2)) {
      throw new RangeError(
        `Cannot build a FrameBuffer as capacity must be >= 2: current value is ${options.capacity}`,
      );
    }
    this.#step = options.step_ms;
    this.#capacity = options.capacity;
  }

  add(service: string, window_start_ms: number, values: ReadonlyMap<string, number>): void {
    let s = this.#data.get(service);
    if (!s) this.#data.set(service, s = new Map());
    for (const [k, v] of values) {
      let col = s.get(k);
      if (!col) s.set(k, col = new Map());
      col.set(window_start_ms, v);
    }
    this.#lastSeen.set(service, Math.max(this.#lastSeen.get(service) ?? -Infinity, window_start_ms));
    if (window_start_ms > this.#latest) {
      this.#latest = window_start_ms;
      this.#evict();
    }
  }

  /** The services buffered now. */
  services(): ReadonlySet<string> {
    return new Set(this.#data.keys());
  }

  #evict(): void {
    const oldest = this.#latest - (this.#capacity - 1) * this.#step;
    for (const [service, inds] of this.#data) {
      if ((this.#lastSeen.get(service) ?? -Infinity) < oldest) {
        this.#data.delete(service);
        this.#lastSeen.delete(service);
        continue;
      }
      for (const col of inds.values()) for (const t of col.keys()) if (t < oldest) col.delete(t);
    }
  }

  /** The buffered windows up to `until_ms` (inclusive) as a frame; NaN where a value is missing. */
  frame(until_ms = this.#latest): MetricFrame {
    const n = Number.isFinite(until_ms) ? this.#capacity : 0;
    const first = until_ms - (n - 1) * this.#step;
    const times = Array.from({ length: n }, (_, i) => first + i * this.#step);
    const series = new Map<string, Map<string, Float64Array>>();
    for (const [service, inds] of this.#data) {
      const m = new Map<string, Float64Array>();
      for (const [ind, col] of inds) {
        const a = new Float64Array(n).fill(NaN);
        for (let i = 0; i < n; i++) {
          const v = col.get(times[i]);
          if (v !== undefined) a[i] = v;
        }
        m.set(ind, a);
      }
      series.set(service, m);
    }
    return { times_ms: times, step_ms: this.#step, series };
  }
}

/**
 * A rolling per-(service, log template) count buffer, fed from FEATURES records (`logs.templates`), on the
 * same window grid as {@link FrameBuffer}: what the live stages hand to localizers and the classifier as
 * `LocalizeInput.logs`. The incident engine keeps a second one keyed by operation (span name) instead of
 * template, fed through {@link LogTemplateBuffer.addCounts}, for `LocalizeInput.operations`.
 *
 * Bounded in three ways: only the last `capacity` windows are kept; a template with no record in those
 * windows is dropped (idle); and a service keeps at most `max_templates` templates; past that, the one
 * seen least recently goes (ties: the one with the fewest records), so a template that has just appeared
 * (the one that matters at an onset) is never the one evicted.
 */
import type { FeatureRecord } from "../core/feature_record.ts";
import type { LogTemplateSeries } from "../core/rca.ts";

export interface LogTemplateBufferOptions {
  step_ms: number;
  /** Windows kept (align with the FrameBuffer's). */
  capacity: number;
  /** Templates kept per service. @default 64 */
  max_templates?: number;
}

interface Tpl {
  template: string;
  /** window start → [count, error count] */
  counts: Map<number, [number, number]>;
  last_ms: number;
  total: number;
}

export class LogTemplateBuffer {
  readonly #step: number;
  readonly #capacity: number;
  readonly #max: number;
  /** service → template id → counts */
  readonly #data = new Map<string, Map<string, Tpl>>();
  #latest = -Infinity;

  constructor(options: LogTemplateBufferOptions) {
    if (!(options.step_ms > 0)) {
      throw new RangeError(
        `Cannot build a LogTemplateBuffer as step_ms must be > 0: current value is ${options.step_ms}`,
      );
    }
    if (!(Number.isInteger(options.capacity) && options.capacity >= 2)) {
      throw new RangeError(
        `Cannot build a LogTemplateBuffer as capacity must be an integer >= 2: current value is ${options.capacity}`,
      );
    }
    const max = options.max_templates ?? 64;
    if (!(Number.isInteger(max) && max >= 1)) {
      throw new RangeError(
        `Cannot build a LogTemplateBuffer as max_templates must be an integer >= 1: current value is ${max}`,
      );
    }
    this.#step = options.step_ms;
    this.#capacity = options.capacity;
    this.#max = max;
  }

  /** Adds the templates of one FEATURES record. */
  add(record: Pick<FeatureRecord, "service" | "window_start_ms" | "logs">): void {
    this.addCounts(record.service, record.window_start_ms, record.logs.templates);
  }

  /**
   * Adds counts of one service's window under any keys: log templates (what {@link add} does), or, in a
   * second buffer, the record's operations (key and template: the span name).
   */
  addCounts(
    service: string,
    window_start_ms: number,
    entries: readonly { template_id: string; template: string; count: number; error_count: number }[],
  ): void {
    const t = window_start_ms;
    if (entries.length > 0) {
      let s = this.#data.get(service);
      if (!s) this.#data.set(service, s = new Map());
      for (const x of entries) {
        let tpl = s.get(x.template_id);
        if (!tpl) {
          s.set(x.template_id, tpl = { template: x.template, counts: new Map(), last_ms: t, total: 0 });
        }
        const cur = tpl.counts.get(t);
        tpl.counts.set(t, cur ? [cur[0] + x.count, cur[1] + x.error_count] : [x.count, x.error_count]);
        tpl.last_ms = Math.max(tpl.last_ms, t);
        tpl.total += x.count;
      }
      if (s.size > this.#max) this.#trim(s);
    }
    if (t > this.#latest) {
      this.#latest = t;
      this.#evict();
    }
  }

  /** Templates buffered now, over all services. */
  get size(): number {
    let n = 0;
    for (const s of this.#data.values()) n += s.size;
    return n;
  }

  #trim(s: Map<string, Tpl>): void {
    const order = [...s].sort((a, b) =>
      a[1].last_ms - b[1].last_ms || a[1].total - b[1].total || (a[0] < b[0] ? -1 : 1)
    );
    for (let i = 0; i < order.length - this.#max; i++) s.delete(order[i][0]);
  }

  #evict(): void {
    const oldest = this.#latest - (this.#capacity - 1) * this.#step;
    for (const [service, s] of this.#data) {
      for (const [id, tpl] of s) {
        if (tpl.last_ms < oldest) {
          s.delete(id);
          continue;
        }
        for (const [t, c] of tpl.counts) {
          if (t < oldest) {
            tpl.counts.delete(t);
            tpl.total -= c[0];
          }
        }
      }
      if (s.size === 0) this.#data.delete(service);
    }
  }

  /**
   * The buffered windows up to `until_ms` (inclusive), aligned with `FrameBuffer.frame(until_ms)`: the
   * same `capacity` windows, 0 where a template had no record (a count, not a gap).
   */
  series(until_ms = this.#latest): Required<LogTemplateSeries>[] {
    if (!Number.isFinite(until_ms)) return [];
    const n = this.#capacity;
    const first = until_ms - (n - 1) * this.#step;
    const out: Required<LogTemplateSeries>[] = [];
    for (const [service, s] of this.#data) {
      for (const [template_id, tpl] of s) {
        const counts = new Float64Array(n);
        const error_counts = new Float64Array(n);
        let any = false;
        for (const [t, c] of tpl.counts) {
          const i = (t - first) / this.#step;
          if (i < 0 || i >= n || !Number.isInteger(i)) continue;
          counts[i] = c[0];
          error_counts[i] = c[1];
          any = true;
        }
        if (any) out.push({ service, template_id, template: tpl.template, counts, error_counts });
      }
    }
    return out;
  }
}

/**
 * Builds a {@link MetricFrame} from irregular (time, service, indicator, value) samples: samples are placed
 * on a regular grid of `step_ms` starting at the first sample's floored time; missing cells are NaN and a
 * later sample for the same cell replaces an earlier one.
 */
import type { MetricFrame } from "../core/rca.ts";

export class FrameBuilder {
  readonly #step_ms: number;
  readonly #samples: { t: number; service: string; indicator: string; value: number }[] = [];

  constructor(step_ms: number) {
    if (!(step_ms > 0)) {
      throw new RangeError(`Cannot build a frame as step_ms must be > 0: current value is ${step_ms}`);
    }
    this.#step_ms = step_ms;
  }

  add(time_ms: number, service: string, indicator: string, value: number): void {
    this.#samples.push({ t: time_ms, service, indicator, value });
  }

  /**
   * The frame covering [from_ms, to_ms) (default: all samples). Grid origin is `from_ms` floored to the
   * step when given, else the earliest sample floored to the step.
   */
  build(options: { from_ms?: number; to_ms?: number } = {}): MetricFrame {
    const step = this.#step_ms;
    let lo = Infinity, hi = -Infinity;
    for (const s of this.#samples) {
      if (s.t < lo) lo = s.t;
      if (s.t > hi) hi = s.t;
    }
    const from = Math.floor((options.from_ms ?? lo) / step) * step;
    const to = options.to_ms ?? hi + 1;
    const n = Number.isFinite(from) && to > from ? Math.ceil((to - from) / step) : 0;
    const times_ms = Array.from({ length: n }, (_, i) => from + i * step);
    const series = new Map<string, Map<string, Float64Array>>();
    for (const s of this.#samples) {
      const i = Math.floor((s.t - from) / step);
      if (i < 0 || i >= n) continue;
      let bySvc = series.get(s.service);
      if (!bySvc) series.set(s.service, bySvc = new Map());
      let arr = bySvc.get(s.indicator);
      if (!arr) bySvc.set(s.indicator, arr = new Float64Array(n).fill(NaN));
      arr[i] = s.value;
    }
    return { times_ms, step_ms: step, series };
  }
}

/**
 * A Detector made of one UnivariateModel and one DynamicThreshold per (service, indicator): the shape of
 * the robust-score, N-sigma, BOCPD and spectral-residual detectors.
 */
import {
  type DetectionResult,
  type Detector,
  type IndicatorScore,
  type ServiceWindow,
  toDetectionResult,
} from "./detector.ts";
import { createThreshold, type DynamicThreshold, type ThresholdConfig } from "./dynamic_threshold.ts";
import type { UnivariateModel } from "./univariate_model.ts";

interface IndicatorState {
  readonly model: UnivariateModel;
  readonly threshold: DynamicThreshold;
}

interface ServiceState {
  last_ms: number;
  readonly indicators: Map<string, IndicatorState>;
}

export class UnivariateDetector implements Detector {
  readonly #services = new Map<string, ServiceState>();

  constructor(
    readonly name: string,
    private readonly make: () => UnivariateModel,
    private readonly threshold: ThresholdConfig,
  ) {}

  observe(service: string, window: ServiceWindow): DetectionResult {
    let st = this.#services.get(service);
    if (!st) {
      st = { last_ms: -Infinity, indicators: new Map() };
      this.#services.set(service, st);
    }
    if (!(window.time_ms > st.last_ms)) {
      throw new RangeError(
        `Cannot observe ${service} as windows must be in increasing time order: current value is ${window.time_ms} after ${st.last_ms}`,
      );
    }
    st.last_ms = window.time_ms;
    const scores: IndicatorScore[] = [];
    for (const [indicator, value] of window.values) {
      if (!Number.isFinite(value)) continue;
      let ind = st.indicators.get(indicator);
      if (!ind) {
        ind = { model: this.make(), threshold: createThreshold(this.threshold) };
        st.indicators.set(indicator, ind);
      }
      const score = ind.model.update(value);
      const d = ind.threshold.check(score);
      scores.push({ indicator, value, score, threshold: d.threshold, anomalous: d.anomalous });
    }
    return toDetectionResult(service, window.time_ms, scores);
  }

  forget(service: string): void {
    this.#services.delete(service);
  }
}

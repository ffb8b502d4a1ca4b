/**
 * Isolation Forest (Liu, Ting & Zhou, ICDM 2008), and a per-service detector that trains it online on the
 * service's recent normal windows (the cold-start detector of the AIOps platform design): points are the
 * service's indicator vectors, robust-standardized against the training buffer; the forest is rebuilt
 * every `retrain_every` windows from windows that were not flagged; the score 2^(-E[h]/c(ψ)) is in (0, 1).
 */
import {
  type DetectionResult,
  type Detector,
  type IndicatorScore,
  type ServiceWindow,
  toDetectionResult,
} from "./detector.ts";
import { createThreshold, type DynamicThreshold, type ThresholdConfig } from "./dynamic_threshold.ts";
import { mulberry32 } from "../core/mulberry32.ts";
import { quantileSorted, safeScale } from "./robust_stats.ts";

/** Average path length of an unsuccessful BST search over n points. */
function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

type Node = { leaf: true; size: number } | {
  leaf: false;
  dim: number;
  split: number;
  left: Node;
  right: Node;
};

export interface IsolationForestOptions {
  /** @default 50 */
  trees?: number;
  /** Subsample size ψ per tree. @default 64 */
  sample_size?: number;
  /** @default 1 */
  seed?: number;
}

export class IsolationForest {
  readonly #trees: Node[] = [];
  readonly #psi: number;

  /** Builds the forest over `points` (rows of equal length; at least 2). */
  constructor(points: readonly Float64Array[], options: IsolationForestOptions = {}) {
    if (points.length < 2) {
      throw new RangeError(
        `Cannot build an IsolationForest as it needs >= 2 points: current value is ${points.length}`,
      );
    }
    const rnd = mulberry32(options.seed ?? 1);
    const nTrees = options.trees ?? 50;
    this.#psi = Math.min(options.sample_size ?? 64, points.length);
    const limit = Math.ceil(Math.log2(Math.max(2, this.#psi)));
    const idx = points.map((_, i) => i);
    for (let t = 0; t < nTrees; t++) {
      // partial Fisher-Yates for a sample without replacement
      for (let i = 0; i < this.#psi; i++) {
        const j = i + Math.floor(rnd() * (idx.length - i));
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
      }
      this.#trees.push(this.#build(points, idx.slice(0, this.#psi), 0, limit, rnd));
    }
  }

  #build(
    points: readonly Float64Array[],
    ids: number[],
    depth: number,
    limit: number,
    rnd: () => number,
  ): Node {
    if (depth >= limit || ids.length <= 1) return { leaf: true, size: ids.length };
    const dims = points[ids[0]].length;
    // pick a dimension that is not constant over ids (try a few times)
    for (let attempt = 0; attempt < dims + 2; attempt++) {
      const dim = Math.floor(rnd() * dims);
      let lo = Infinity;
      let hi = -Infinity;
      for (const i of ids) {
        const v = points[i][dim];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      const split = lo + rnd() * (hi - lo);
      const l: number[] = [];
      const r: number[] = [];
      for (const i of ids) (points[i][dim] < split ? l : r).push(i);
      return {
        leaf: false,
        dim,
        split,
        left: this.#build(points, l, depth + 1, limit, rnd),
        right: this.#build(points, r, depth + 1, limit, rnd),
      };
    }
    return { leaf: true, size: ids.length };
  }

  /** Anomaly score in (0, 1): ~0.5 or less for inliers, toward 1 for isolated points. */
  score(x: Float64Array): number {
    let total = 0;
    for (const tree of this.#trees) {
      let node = tree;
      let depth = 0;
      while (!node.leaf) {
        node = x[node.dim] < node.split ? node.left : node.right;
        depth++;
      }
      total += depth + c(node.size);
    }
    const mean = total / this.#trees.length;
    return Math.pow(2, -mean / c(this.#psi));
  }
}

export interface IsolationForestDetectorOptions extends IsolationForestOptions {
  /** Normal windows kept for training. @default 256 */
  buffer?: number;
  /** Windows needed before the first forest. @default 32 */
  min_history?: number;
  /** Rebuild the forest every this many windows. @default 32 */
  retrain_every?: number;
  /** @default { type: "static", value: 0.62 } */
  threshold?: ThresholdConfig;
}

interface ForestState {
  last_ms: number;
  readonly names: string[];
  readonly buffer: Float64Array[];
  forest?: IsolationForest;
  center?: Float64Array;
  scale?: Float64Array;
  since_train: number;
  readonly threshold: DynamicThreshold;
}

export class IsolationForestDetector implements Detector {
  readonly name = "isolation_forest";
  readonly #opts: Required<Omit<IsolationForestDetectorOptions, "threshold">> & {
    threshold: ThresholdConfig;
  };
  readonly #services = new Map<string, ForestState>();

  constructor(options: IsolationForestDetectorOptions = {}) {
    this.#opts = {
      trees: options.trees ?? 50,
      sample_size: options.sample_size ?? 64,
      seed: options.seed ?? 1,
      buffer: options.buffer ?? 256,
      min_history: options.min_history ?? 32,
      retrain_every: options.retrain_every ?? 32,
      threshold: options.threshold ?? { type: "static", value: 0.62 },
    };
  }

  observe(service: string, window: ServiceWindow): DetectionResult {
    let st = this.#services.get(service);
    if (!st) {
      st = {
        last_ms: -Infinity,
        names: [...window.values.keys()].sort(),
        buffer: [],
        since_train: 0,
        threshold: createThreshold(this.#opts.threshold),
      };
      this.#services.set(service, st);
    }
    if (!(window.time_ms > st.last_ms)) {
      throw new RangeError(
        `Cannot observe ${service} as windows must be in increasing time order: current value is ${window.time_ms} after ${st.last_ms}`,
      );
    }
    st.last_ms = window.time_ms;
    const raw = new Float64Array(st.names.length);
    for (let i = 0; i < st.names.length; i++) {
      const v = window.values.get(st.names[i]);
      raw[i] = v !== undefined && Number.isFinite(v) ? v : NaN;
    }
    // Gaps are imputed with the training centre (so they look normal, not extreme).
    let score = 0;
    let decision = { threshold: NaN, anomalous: false };
    const perIndicator: IndicatorScore[] = [];
    if (st.forest && st.center && st.scale) {
      const z = new Float64Array(raw.length);
      for (let i = 0; i < raw.length; i++) {
        z[i] = Number.isFinite(raw[i]) ? (raw[i] - st.center[i]) / st.scale[i] : 0;
      }
      score = st.forest.score(z);
      decision = st.threshold.check(score);
      // Attribute to the indicators that deviate most (robust z), so anomalies name what moved.
      for (let i = 0; i < raw.length; i++) {
        if (!Number.isFinite(raw[i])) continue;
        const dev = Math.abs(z[i]);
        perIndicator.push({
          indicator: st.names[i],
          value: raw[i],
          score: score * Math.min(1, dev / 3),
          threshold: decision.threshold,
          anomalous: decision.anomalous && dev >= 3,
        });
      }
    } else {
      for (let i = 0; i < raw.length; i++) {
        if (Number.isFinite(raw[i])) {
          perIndicator.push({
            indicator: st.names[i],
            value: raw[i],
            score: 0,
            threshold: NaN,
            anomalous: false,
          });
        }
      }
    }
    if (!decision.anomalous) {
      st.buffer.push(raw);
      if (st.buffer.length > this.#opts.buffer) st.buffer.shift();
    }
    st.since_train++;
    if (
      st.buffer.length >= this.#opts.min_history && (!st.forest || st.since_train >= this.#opts.retrain_every)
    ) {
      this.#train(st);
    }
    const result = toDetectionResult(service, window.time_ms, perIndicator);
    // The service-level decision is the forest's, even when no single indicator passes 3 robust-z.
    return decision.anomalous && !result.anomalous
      ? { ...result, anomalous: true, severity: Math.max(result.severity, score / decision.threshold) }
      : result;
  }

  forget(service: string): void {
    this.#services.delete(service);
  }

  #train(st: ForestState): void {
    const d = st.names.length;
    const center = new Float64Array(d);
    const scale = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const col = st.buffer.map((r) => r[i]).filter(Number.isFinite).sort((a, b) => a - b);
      center[i] = col.length > 0 ? quantileSorted(col, 0.5) : 0;
      scale[i] = safeScale(quantileSorted(col, 0.75) - quantileSorted(col, 0.25), center[i]);
    }
    const pts = st.buffer.map((r) => {
      const z = new Float64Array(d);
      for (let i = 0; i < d; i++) z[i] = Number.isFinite(r[i]) ? (r[i] - center[i]) / scale[i] : 0;
      return z;
    });
    st.forest = new IsolationForest(pts, {
      trees: this.#opts.trees,
      sample_size: this.#opts.sample_size,
      seed: this.#opts.seed,
    });
    st.center = center;
    st.scale = scale;
    st.since_train = 0;
  }
}

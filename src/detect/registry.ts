/**
 * Every detector, by name: its config schema (defaults and docs), and its factory. Explicit array, no
 * import side effects; the runtime and the evaluation harness look detectors up with `createDetector`.
 */
import { z } from "zod";
import type { StreamingScorer } from "../core/rca.ts";
import type { Detector } from "./detector.ts";
import { StreamingAnomalyScorer } from "./streaming_anomaly_scorer.ts";
import type { ThresholdConfig } from "./dynamic_threshold.ts";
import { BocpdModel } from "./bocpd.ts";
import { IsolationForestDetector } from "./isolation_forest.ts";
import { NSigmaModel } from "./nsigma.ts";
import { RobustEffectModel } from "./robust_effect.ts";
import { RobustScoreModel } from "./robust_score.ts";
import { SpectralResidualModel } from "./spectral_residual.ts";
import { UnivariateDetector } from "./univariate_detector.ts";
import { VigilNabScorer } from "./nab/vigil_nab_scorer.ts";

export const thresholdSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("static"), value: z.number() }),
  z.strictObject({
    type: z.literal("sliding_sigma"),
    window: z.number().int().min(2).default(120),
    k: z.number().positive().default(3),
    min_history: z.number().int().min(1).default(10),
    floor: z.number().default(0),
  }),
  z.strictObject({
    type: z.literal("pot"),
    risk: z.number().gt(0).lt(1).default(1e-3),
    init_quantile: z.number().gt(0).lt(1).default(0.98),
    calibration: z.number().int().min(10).default(100),
    floor: z.number().default(0),
  }),
]);

export interface DetectorSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly config: S;
  readonly create: (config: z.output<S>) => Detector;
}

function spec<S extends z.ZodType>(s: DetectorSpec<S>): DetectorSpec {
  return s as unknown as DetectorSpec;
}

const windowed = {
  window: z.number().int().min(4).default(60).describe("baseline length in windows"),
  min_history: z.number().int().min(2).default(10).describe("windows before scoring"),
};

export const DETECTORS: readonly DetectorSpec[] = [
  spec({
    name: "robust_score",
    description: "|x - median| / IQR over a sliding baseline (BARO's robust score), per indicator",
    config: z.strictObject({
      ...windowed,
      threshold: thresholdSchema.default({ type: "static", value: 5 }),
    }),
    create: (c) =>
      new UnivariateDetector("robust_score", () => new RobustScoreModel(c), c.threshold as ThresholdConfig),
  }),
  spec({
    name: "robust_effect",
    description: "robust score with a minimum effect size: scale >= a share of the median, and >= the " +
      "Poisson noise of count indicators (sparse counters do not flap)",
    config: z.strictObject({
      ...windowed,
      // (an IQR of fewer points is too rough: cold starts raised false incidents)
      min_history: z.number().int().min(2).default(30).describe("windows before scoring"),
      relative_floor: z.number().min(0).default(0.05).describe("smallest scale as a share of |median|"),
      guard: z.number().min(0).default(30).describe(
        "points scoring above this are kept out of the baseline (0: off)",
      ),
      adapt_after: z.number().int().min(1).default(30)
        .describe("consecutive held points after which a shift is learned as the new normal"),
      seen_before: z.number().int().min(0).default(2)
        .describe("earlier excursions reaching a value that make it normal for the series (0: off)"),
      threshold: thresholdSchema.default({ type: "static", value: 5 }),
    }),
    create: (c) =>
      new UnivariateDetector(
        "robust_effect",
        () => new RobustEffectModel(c),
        c.threshold as ThresholdConfig,
      ),
  }),
  spec({
    name: "nsigma",
    description: "|x - mean| / std over a sliding baseline, per indicator",
    config: z.strictObject({
      ...windowed,
      threshold: thresholdSchema.default({ type: "static", value: 3 }),
    }),
    create: (c) => new UnivariateDetector("nsigma", () => new NSigmaModel(c), c.threshold as ThresholdConfig),
  }),
  spec({
    name: "bocpd",
    description: "Bayesian online change-point detection; score = P(run length <= recent)",
    config: z.strictObject({
      expected_run_length: z.number().gt(1).default(250),
      max_run_length: z.number().int().min(4).default(200),
      recent: z.number().int().min(0).default(3),
      window: z.number().int().min(4).default(120),
      min_history: z.number().int().min(2).default(10),
      threshold: thresholdSchema.default({ type: "static", value: 0.5 }),
    }),
    create: (c) => new UnivariateDetector("bocpd", () => new BocpdModel(c), c.threshold as ThresholdConfig),
  }),
  spec({
    name: "spectral_residual",
    description: "spectral residual saliency of the newest point (FFT), per indicator",
    config: z.strictObject({
      window: z.number().int().min(8).default(64),
      extend: z.number().int().min(1).default(5),
      average: z.number().int().min(1).default(3),
      min_history: z.number().int().min(4).default(16),
      threshold: thresholdSchema.default({
        type: "pot",
        risk: 1e-3,
        init_quantile: 0.98,
        calibration: 50,
        floor: 1,
      }),
    }),
    create: (c) =>
      new UnivariateDetector(
        "spectral_residual",
        () =>
          new SpectralResidualModel({
            window: c.window,
            extend: c.extend,
            average: c.average,
            min_history: c.min_history,
          }),
        c.threshold as ThresholdConfig,
      ),
  }),
  spec({
    name: "isolation_forest",
    description: "Isolation Forest over each service's indicator vector, retrained online on normal windows",
    config: z.strictObject({
      trees: z.number().int().min(1).default(50),
      sample_size: z.number().int().min(2).default(64),
      seed: z.number().int().default(1),
      buffer: z.number().int().min(8).default(256),
      min_history: z.number().int().min(4).default(32),
      retrain_every: z.number().int().min(1).default(32),
      threshold: thresholdSchema.default({ type: "static", value: 0.62 }),
    }),
    create: (c) => new IsolationForestDetector({ ...c, threshold: c.threshold as ThresholdConfig }),
  }),
];

/** The names of every registered detector. */
export const DETECTOR_NAMES: readonly string[] = DETECTORS.map((d) => d.name);

/**
 * Validates `config` against the named detector's schema (defaults applied, unknown keys rejected) and
 * builds it. Throws RangeError for an unknown name and a ZodError listing every config problem.
 */
export function createDetector(name: string, config: unknown = {}): Detector {
  const s = DETECTORS.find((d) => d.name === name);
  if (!s) {
    throw new RangeError(
      `Cannot create detector as name must be one of ${DETECTOR_NAMES.join(", ")}: current value is ${name}`,
    );
  }
  return s.create(s.config.parse(config));
}

/** Univariate streaming scorers (NAB's contract), by name. */
export const STREAMING_SCORERS: readonly {
  name: string;
  description: string;
  create: () => StreamingScorer;
}[] = [
  {
    name: "vigil",
    description:
      "window-shape novelty at two scales (ARTime-like prototypes), new range, volatility, seasonal-residual and recent-level extremes, with a refractory period",
    create: () => new VigilNabScorer(),
  },
  {
    name: "vigil_robust",
    description:
      "max of robust level, robust difference and spectral-residual tail scores, with a refractory period",
    create: () => new StreamingAnomalyScorer(),
  },
];

export const STREAMING_SCORER_NAMES: readonly string[] = STREAMING_SCORERS.map((s) => s.name);

/** Builds the named streaming scorer; RangeError for an unknown name. */
export function createStreamingScorer(name: string): StreamingScorer {
  const s = STREAMING_SCORERS.find((x) => x.name === name);
  if (!s) {
    throw new RangeError(
      `Cannot create streaming scorer as name must be one of ${
        STREAMING_SCORER_NAMES.join(", ")
      }: current value is ${name}`,
    );
  }
  return s.create();
}

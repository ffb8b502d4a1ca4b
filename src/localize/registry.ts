/**
 * Every localizer, by name: its config schema (defaults, docs; unknown keys rejected) and its factory.
 * Explicit array, no import side effects; the runtime and the evaluation harness use `createLocalizer`.
 */
import { z } from "zod";
import type { Localizer } from "../core/rca.ts";
import { AnomalyDescentLocalizer } from "./anomaly_descent.ts";
import { BaroLocalizer } from "./baro.ts";
import { LogShiftLocalizer } from "./log_shift.ts";
import { MultimodalLocalizer } from "./multimodal/multimodal_localizer.ts";
import { PageRankLocalizer } from "./pagerank.ts";
import { RankFusionLocalizer } from "./rank_fusion.ts";
import { SpectralAttentionLocalizer } from "./spectral_attention.ts";
import { TraceAttributionLocalizer } from "./trace_attribution.ts";

export interface LocalizerSpec<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly config: S;
  readonly create: (config: z.output<S>) => Localizer;
}

function spec<S extends z.ZodType>(s: LocalizerSpec<S>): LocalizerSpec {
  return s as unknown as LocalizerSpec;
}

const baroConfig = {
  baseline_windows: z.number().int().min(0).default(0).describe("baseline windows before the onset (0: all)"),
  horizon_windows: z.number().int().min(0).default(0).describe("windows after the onset (0: all)"),
  exclude_indicators: z.array(z.string()).default([]).describe("indicator names ignored"),
  direction: z.enum(["up", "both"]).default("up").describe("which changes count"),
};

export const LOCALIZERS: readonly LocalizerSpec[] = [
  spec({
    name: "anomaly_descent",
    description:
      "robust rises with effect-size floors, then down the call graph: a service whose anomalous " +
      "callee explains it is a symptom, an anomalous service with healthy callees a root",
    config: z.strictObject({
      relative_floor: z.number().min(0).default(0.05).describe("smallest scale as a share of |median|"),
      anomalous_z: z.number().positive().default(5).describe("robust score of an anomalous service"),
      explained_discount: z.number().min(0).max(1).default(0.9).describe(
        "score a fully explained symptom loses",
      ),
      exclude_indicators: z.array(z.string()).default(["error_rate"]),
      two_sided_indicators: z.array(z.string()).default(["rate"]),
    }),
    create: (c) => new AnomalyDescentLocalizer(c),
  }),
  spec({
    name: "baro",
    description: "robust score (median/IQR of the baseline) of every indicator after the onset (BARO)",
    config: z.strictObject(baroConfig),
    create: (c) => new BaroLocalizer(c),
  }),
  spec({
    name: "pagerank",
    description: "personalized PageRank toward anomalous callees on the service graph (MicroRCA style)",
    config: z.strictObject({
      ...baroConfig,
      damping: z.number().gt(0).lt(1).default(0.85),
      iterations: z.number().int().min(1).default(100),
      self_weight: z.number().min(0).default(1),
    }),
    create: (c) => new PageRankLocalizer(c),
  }),
  spec({
    name: "trace_attribution",
    description: "rise of self-time and originated errors per service along call paths (spans)",
    config: z.strictObject({
      horizon_ms: z.number().int().positive().default(300_000),
      min_spans: z.number().int().min(1).default(5),
    }),
    create: (c) => new TraceAttributionLocalizer(c),
  }),
  spec({
    name: "log_shift",
    description: "shift of log-template frequencies per service after the onset",
    config: z.strictObject({
      horizon_windows: z.number().int().min(0).default(0),
      error_weight: z.number().min(0).default(2),
    }),
    create: (c) => new LogShiftLocalizer(c),
  }),
  spec({
    name: "spectral_attention",
    description:
      "TAMO-style frequency-domain attention between services' spectra (FFT), causal strength graph",
    config: z.strictObject({
      ...baroConfig,
      span_windows: z.number().int().min(2).default(32),
      temperature: z.number().positive().default(0.1),
    }),
    create: (c) => new SpectralAttentionLocalizer(c),
  }),
  spec({
    name: "multimodal",
    description:
      "robust deviations by family (resource, inbound edge latency, own latency, lost traffic, span collapse), " +
      "callee-explained latency discounted; typed candidates (fault_type)",
    config: z.strictObject({
      horizon_windows: z.number().int().min(1).default(4).describe("windows after the onset"),
      baseline_windows: z.number().int().min(0).default(0).describe(
        "baseline windows before the onset (0: all)",
      ),
      relative_floor: z.number().min(0).default(0.05).describe("scale floor as a share of the median"),
      latency_weight: z.number().min(0).default(0.3),
      traffic_loss_weight: z.number().min(0).default(0.7),
      duration_collapse_weight: z.number().min(0).default(0.7),
      moved_z: z.number().positive().default(3),
    }),
    create: (c) => new MultimodalLocalizer(c),
  }),
  spec({
    name: "ensemble",
    description:
      "weighted reciprocal-rank fusion of multimodal, baro, pagerank, trace_attribution and log_shift",
    config: z.strictObject({
      k: z.number().positive().default(5),
      weights: z.strictObject({
        baro: z.number().min(0).default(2),
        pagerank: z.number().min(0).default(1),
        trace_attribution: z.number().min(0).default(1),
        log_shift: z.number().min(0).default(0.5),
        spectral_attention: z.number().min(0).default(0),
        multimodal: z.number().min(0).default(8),
      }).default({
        baro: 2,
        pagerank: 1,
        trace_attribution: 1,
        log_shift: 0.5,
        spectral_attention: 0,
        multimodal: 8,
      }),
      baro: z.strictObject(baroConfig).default({
        baseline_windows: 0,
        horizon_windows: 0,
        exclude_indicators: [],
        direction: "up",
      }),
    }),
    create: (c) =>
      new RankFusionLocalizer(
        [
          { localizer: new BaroLocalizer(c.baro), weight: c.weights.baro },
          { localizer: new PageRankLocalizer(c.baro), weight: c.weights.pagerank },
          { localizer: new TraceAttributionLocalizer(), weight: c.weights.trace_attribution },
          { localizer: new LogShiftLocalizer(), weight: c.weights.log_shift },
          { localizer: new SpectralAttentionLocalizer(c.baro), weight: c.weights.spectral_attention },
          { localizer: new MultimodalLocalizer(), weight: c.weights.multimodal },
        ].filter((m) => m.weight > 0),
        { k: c.k, name: "ensemble" },
      ),
  }),
];

export const LOCALIZER_NAMES: readonly string[] = LOCALIZERS.map((l) => l.name);

/**
 * Validates `config` against the named localizer's schema and builds it. Throws RangeError for an unknown
 * name and a ZodError listing every config problem.
 */
export function createLocalizer(name: string, config: unknown = {}): Localizer {
  const s = LOCALIZERS.find((l) => l.name === name);
  if (!s) {
    throw new RangeError(
      `Cannot create localizer as name must be one of ${
        LOCALIZER_NAMES.join(", ")
      }: current value is ${name}`,
    );
  }
  return s.create(s.config.parse(config));
}

/**
 * The methods the harness can score, by name. Localizers come from src/localize/registry.ts
 * (`createLocalizer`, `LOCALIZER_NAMES`), the fault classifier from src/classify/fault_classifier.ts
 * (`classifyFault`) and streaming scorers from src/detect/registry.ts (`createStreamingScorer`,
 * `STREAMING_SCORER_NAMES`) when those modules exist; they are loaded dynamically so that the harness
 * runs (with its baselines) in a checkout without them. The baselines are always available as "baseline".
 */
import type {
  FaultType,
  LocalizeInput,
  Localizer,
  RootCauseCandidate,
  StreamingScorer,
} from "../core/rca.ts";
import { baselineFaultType, RobustZLocalizer, WindowedGaussianScorer } from "./baseline.ts";

export const BASELINE = "baseline";

/** A fault-type classifier of the top candidate. */
export type FaultClassifier = (
  input: LocalizeInput,
  ranking: readonly RootCauseCandidate[],
) => FaultType | null;

export interface RcaMethod {
  readonly name: string;
  readonly localizer: Localizer;
  readonly classifier: FaultClassifier;
  /** Where the classifier came from ("baseline" or "classify/fault_classifier"). */
  readonly classifier_name: string;
}

export interface ScorerMethod {
  readonly name: string;
  create(): StreamingScorer;
}

// deno-lint-ignore no-explicit-any
async function tryImport(relative: string): Promise<Record<string, any> | null> {
  try {
    return await import(new URL(relative, import.meta.url).href);
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    if (/Module not found|Cannot find module|No such file|not found/i.test(msg)) return null;
    throw e;
  }
}

/** Names of every localizer the harness can run: the baseline then the registry's. */
export async function localizerNames(): Promise<string[]> {
  const reg = await tryImport("../localize/registry.ts");
  return [BASELINE, ...((reg?.LOCALIZER_NAMES as string[] | undefined) ?? [])];
}

/**
 * Resolves an RCA method by name. Default: the registry's first localizer when a registry exists, else
 * the baseline. Unknown names are a RangeError listing the known ones.
 */
export async function resolveRcaMethod(name?: string): Promise<RcaMethod> {
  const reg = await tryImport("../localize/registry.ts");
  const cls = await tryImport("../classify/fault_classifier.ts");
  const names = (reg?.LOCALIZER_NAMES as string[] | undefined) ?? [];
  const chosen = name ?? names[0] ?? BASELINE;
  let localizer: Localizer;
  if (chosen === BASELINE) localizer = new RobustZLocalizer();
  else if (names.includes(chosen) && typeof reg?.createLocalizer === "function") {
    localizer = reg.createLocalizer(chosen) as Localizer;
  } else {
    throw new RangeError(
      `Cannot find method as --method must be one of ${
        [BASELINE, ...names].join(", ")
      }: current value is ${chosen}`,
    );
  }
  if (chosen !== BASELINE && typeof cls?.classifyFault === "function") {
    const classifyFault = cls.classifyFault as (
      input: LocalizeInput,
      candidate: RootCauseCandidate,
    ) => { fault_type: FaultType };
    return {
      name: chosen,
      localizer,
      // a localizer that infers the fault type from its own evidence (multimodal) is trusted first
      classifier: (input, ranking) =>
        ranking[0] ? ranking[0].fault_type ?? classifyFault(input, ranking[0]).fault_type : null,
      classifier_name: "candidate's own, else classify/fault_classifier",
    };
  }
  return { name: chosen, localizer, classifier: (_i, r) => baselineFaultType(r), classifier_name: BASELINE };
}

/** Resolves a streaming scorer (NAB) by name; default: the baseline windowed Gaussian. */
export async function resolveScorer(name?: string): Promise<ScorerMethod> {
  const chosen = name ?? BASELINE;
  if (chosen === BASELINE) return { name: BASELINE, create: () => new WindowedGaussianScorer() };
  const reg = await tryImport("../detect/registry.ts");
  const names = (reg?.STREAMING_SCORER_NAMES as string[] | undefined) ?? [];
  if (names.includes(chosen) && typeof reg?.createStreamingScorer === "function") {
    return { name: chosen, create: () => reg.createStreamingScorer(chosen) as StreamingScorer };
  }
  throw new RangeError(
    `Cannot find a streaming scorer as --method must be one of ${
      [BASELINE, ...names].join(", ")
    }: current value is ${chosen}`,
  );
}

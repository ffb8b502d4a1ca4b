/**
 * The offline evaluation harness: runs a method over a dataset and summarises it in the shape
 * `deno task eval --json` prints. Offline mode calls the localizer (and classifier) directly on each
 * case's frame with the onset given (optionally `late_ms` after the true fault start, RCAEval's tΔ), and a
 * streaming scorer point by point over each NAB series (no look-ahead either way).
 */
import type { FaultType } from "../core/rca.ts";
import type { RcaDataset, SeriesDataset } from "../replay/dataset.ts";
import {
  acAtK,
  avgAtK,
  type CaseOutcome,
  faultTypeAccuracy,
  indicatorAcAtK,
  indicatorRank,
  serviceRank,
} from "./metrics.ts";
import type { RcaMethod, ScorerMethod } from "./methods.ts";
import { type NabScoredSeries, scoreNab } from "./nab_scorer.ts";

/** Figures for one group of cases. */
export interface RcaFigures {
  readonly cases: number;
  readonly ac_at_1: number | null;
  readonly ac_at_3: number | null;
  readonly ac_at_5: number | null;
  readonly avg_at_5: number | null;
  readonly indicator_ac_at_1: number | null;
  readonly indicator_ac_at_3: number | null;
  readonly indicator_ac_at_5: number | null;
  readonly fault_type_accuracy: number | null;
}

/** What `deno task eval --json` prints. Rates are fractions in [0, 1]; null where a metric does not apply. */
export interface EvalSummary extends RcaFigures {
  readonly dataset: string;
  readonly mode: "offline" | "stream";
  readonly method: string;
  readonly classifier: string | null;
  /** Onset given this late after the true fault start (RCAEval's tΔ), seconds. */
  readonly late_s: number | null;
  readonly detection_delay_windows_median: number | null;
  readonly detection_delay_windows_p90: number | null;
  readonly false_incidents_per_service_day: number | null;
  readonly nab_standard: number | null;
  readonly nab_reward_low_fp: number | null;
  readonly nab_reward_low_fn: number | null;
  readonly by_fault_type: Readonly<Record<string, RcaFigures>>;
  readonly elapsed_ms: number;
}

export interface Progress {
  (done: number, total: number, note?: string): void;
}

/** One evaluated case, for per-case output. */
export interface CaseRecord extends CaseOutcome {
  readonly service_rank: number;
  readonly indicator_rank: number;
}

export function figures(outcomes: readonly CaseOutcome[]): RcaFigures {
  return {
    cases: outcomes.length,
    ac_at_1: acAtK(outcomes, 1),
    ac_at_3: acAtK(outcomes, 3),
    ac_at_5: acAtK(outcomes, 5),
    avg_at_5: avgAtK(outcomes, 5),
    indicator_ac_at_1: indicatorAcAtK(outcomes, 1),
    indicator_ac_at_3: indicatorAcAtK(outcomes, 3),
    indicator_ac_at_5: indicatorAcAtK(outcomes, 5),
    fault_type_accuracy: faultTypeAccuracy(outcomes),
  };
}

const NO_STREAM = {
  detection_delay_windows_median: null,
  detection_delay_windows_p90: null,
  false_incidents_per_service_day: null,
} as const;

export interface RcaEvalOptions {
  /** Onset handed to the localizer this long after the true fault start. @default 0 */
  late_ms?: number;
  /** Evaluate only the first N cases. */
  max_cases?: number;
  on_progress?: Progress;
}

/** Offline RCA evaluation of one method on one dataset. */
export async function evaluateRcaOffline(
  dataset: RcaDataset,
  method: RcaMethod,
  options: RcaEvalOptions = {},
): Promise<{ summary: EvalSummary; cases: CaseRecord[] }> {
  const started = performance.now();
  const late = options.late_ms ?? 0;
  const total = Math.min(dataset.size, options.max_cases ?? Infinity);
  const records: CaseRecord[] = [];
  for await (const c of dataset.cases()) {
    if (records.length >= total) break;
    const input = { ...c.input, anomaly_start_ms: c.label.fault_start_ms + late };
    const ranking = method.localizer.localize(input);
    const predicted = method.classifier(input, ranking);
    const outcome: CaseOutcome = { label: c.label, ranking, predicted_fault_type: predicted };
    records.push({ ...outcome, service_rank: serviceRank(outcome), indicator_rank: indicatorRank(outcome) });
    options.on_progress?.(records.length, total, c.label.id);
  }
  const byType = new Map<FaultType | "unknown", CaseOutcome[]>();
  for (const r of records) {
    const k = r.label.fault_type ?? "unknown";
    if (!byType.has(k)) byType.set(k, []);
    byType.get(k)!.push(r);
  }
  const summary: EvalSummary = {
    dataset: dataset.name,
    mode: "offline",
    method: method.name,
    classifier: method.classifier_name,
    late_s: late / 1000,
    ...figures(records),
    ...NO_STREAM,
    nab_standard: null,
    nab_reward_low_fp: null,
    nab_reward_low_fn: null,
    by_fault_type: Object.fromEntries(
      [...byType].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, figures(v)]),
    ),
    elapsed_ms: Math.round(performance.now() - started),
  };
  return { summary, cases: records };
}

/** Offline NAB evaluation: a fresh scorer per series, fed in time order, then NAB's scorer. */
export async function evaluateNabOffline(
  dataset: SeriesDataset,
  scorer: ScorerMethod,
  options: { max_cases?: number; on_progress?: Progress } = {},
): Promise<EvalSummary> {
  const started = performance.now();
  const total = Math.min(dataset.size, options.max_cases ?? Infinity);
  const scored: NabScoredSeries[] = [];
  for await (const s of dataset.series()) {
    if (scored.length >= total) break;
    const model = scorer.create();
    const scores = new Float64Array(s.values.length);
    for (let i = 0; i < s.values.length; i++) scores[i] = model.update(s.times_ms[i], s.values[i]);
    scored.push({ name: s.name, times_ms: s.times_ms, scores, windows: s.windows });
    options.on_progress?.(scored.length, total, s.name);
  }
  const [standard, lowFp, lowFn] = scoreNab(scored);
  const nulls = {
    ac_at_1: null,
    ac_at_3: null,
    ac_at_5: null,
    avg_at_5: null,
    indicator_ac_at_1: null,
    indicator_ac_at_3: null,
    indicator_ac_at_5: null,
    fault_type_accuracy: null,
  };
  return {
    dataset: dataset.name,
    mode: "offline",
    method: scorer.name,
    classifier: null,
    late_s: null,
    cases: scored.length,
    ...nulls,
    ...NO_STREAM,
    // no labelled window at all (e.g. only artificialNoAnomaly series): NAB's normalisation is undefined
    nab_standard: Number.isFinite(standard.normalized) ? standard.normalized : null,
    nab_reward_low_fp: Number.isFinite(lowFp.normalized) ? lowFp.normalized : null,
    nab_reward_low_fn: Number.isFinite(lowFn.normalized) ? lowFn.normalized : null,
    by_fault_type: {},
    elapsed_ms: Math.round(performance.now() - started),
  };
}

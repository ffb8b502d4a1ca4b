/**
 * Offline root-cause accuracy on a labelled dataset, with the onset given (optionally shifted late):
 *
 *   deno run -A src/localize/evaluate_offline.ts --dataset rcd-sockshop --method baro [--delay-s 60]
 *   deno run -A src/localize/evaluate_offline.ts --dataset nezha-ob --method ensemble
 *
 * Prints AC@1..5 and Avg@5 (service level, per fault type), indicator AC@1 and fault-type accuracy.
 * The evaluation harness (src/eval/) is the project's reference; this script is the localizers' own check.
 */
import type { FaultType, OfflineCase, RootCauseCandidate } from "../core/rca.ts";
import { loadNezha } from "../replay/nezha.ts";
import { loadRcdSockshop } from "../replay/rcd_sockshop.ts";
import { classifyFault } from "../classify/fault_classifier.ts";
import { createLocalizer } from "./registry.ts";

export interface CaseOutcome {
  readonly id: string;
  readonly fault: string;
  /** 1-based rank of the true service (Infinity when absent). */
  readonly rank: number;
  readonly indicator_hit: boolean | null;
  readonly fault_type_hit: boolean | null;
  readonly top: string;
}

/** Indicator match: exact, or the label's metric/log-event named inside the candidate's indicator. */
export function indicatorMatches(label: string, got: string | undefined): boolean {
  if (!got) return false;
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  return norm(label) === norm(got) || norm(got).includes(norm(label)) || norm(label).includes(norm(got));
}

export function scoreCase(
  c: OfflineCase,
  ranked: readonly RootCauseCandidate[],
  fault?: FaultType,
): CaseOutcome {
  const i = ranked.findIndex((r) => r.service === c.label.root_cause_service);
  const top = ranked[0];
  const hit = i === 0;
  return {
    id: c.label.id,
    fault: c.label.fault_type ?? "unknown",
    rank: i < 0 ? Infinity : i + 1,
    indicator_hit: c.label.root_cause_indicator && hit
      ? indicatorMatches(c.label.root_cause_indicator, top?.indicator)
      : null,
    fault_type_hit: c.label.fault_type && fault ? c.label.fault_type === fault : null,
    top: top ? `${top.service}:${top.indicator ?? ""}` : "",
  };
}

export function summarize(outcomes: readonly CaseOutcome[]): Record<string, number> {
  const n = outcomes.length;
  const ac = (k: number) => outcomes.filter((o) => o.rank <= k).length / n;
  const acs = [1, 2, 3, 4, 5].map(ac);
  const ind = outcomes.filter((o) => o.rank === 1 && o.indicator_hit !== null);
  const ft = outcomes.filter((o) => o.fault_type_hit !== null);
  return {
    cases: n,
    "AC@1": acs[0],
    "AC@3": acs[2],
    "AC@5": acs[4],
    "Avg@5": acs.reduce((a, b) => a + b, 0) / 5,
    "indicator_AC@1(given top-1 right)": ind.length
      ? ind.filter((o) => o.indicator_hit).length / ind.length
      : NaN,
    "indicator_AC@1(all)": outcomes.filter((o) => o.indicator_hit === true).length / n,
    fault_type_acc: ft.length ? ft.filter((o) => o.fault_type_hit).length / ft.length : NaN,
  };
}

if (import.meta.main) {
  const args = new Map<string, string>();
  for (let i = 0; i < Deno.args.length; i += 2) args.set(Deno.args[i].replace(/^--/, ""), Deno.args[i + 1]);
  const datasetName = args.get("dataset") ?? "rcd-sockshop";
  const method = args.get("method") ?? "baro";
  const delay = Number(args.get("delay-s") ?? "0") * 1000;
  const verbose = args.has("verbose");
  const config = args.has("config") ? JSON.parse(args.get("config")!) : {};
  const dataset = datasetName === "nezha-ob" ? await loadNezha() : loadRcdSockshop();
  const localizer = createLocalizer(method, config);
  const outcomes: CaseOutcome[] = [];
  let ms = 0;
  for await (const c of dataset.cases()) {
    const input = { ...c.input, anomaly_start_ms: c.label.fault_start_ms + delay };
    const t = performance.now();
    const ranked = localizer.localize(input);
    const fault = ranked.length > 0 ? classifyFault(input, ranked[0]).fault_type : undefined;
    ms += performance.now() - t;
    const o = scoreCase(c, ranked, fault);
    outcomes.push(o);
    if (verbose && (o.rank !== 1 || o.indicator_hit === false || o.fault_type_hit === false)) {
      console.log(
        `${o.id} rank=${o.rank} top=${o.top} want=${c.label.root_cause_indicator} type=${fault}/${c.label.fault_type}`,
      );
    }
  }
  const groups = new Map<string, CaseOutcome[]>([["all", outcomes]]);
  for (const o of outcomes) groups.set(o.fault, [...(groups.get(o.fault) ?? []), o]);
  console.log(
    `dataset=${datasetName} method=${method} onset=label${delay ? `+${delay / 1000}s` : ""} mean_ms=${
      (ms / outcomes.length).toFixed(2)
    }`,
  );
  for (const [g, os] of groups) {
    const s = summarize(os);
    console.log(
      g.padEnd(16),
      Object.entries(s).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`).join(" "),
    );
  }
}

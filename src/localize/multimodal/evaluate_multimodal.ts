/**
 * Offline accuracy of the multimodal localizer with its own fault typing (the onset given, as in the Nezha
 * paper and RCAEval):
 *
 *   deno run -A src/localize/multimodal/evaluate_multimodal.ts --dataset nezha-ob [--verbose 1]
 *   deno run -A src/localize/multimodal/evaluate_multimodal.ts --dataset rcd-sockshop [--delay-s 60]
 *
 * Same scoring as src/localize/evaluate_offline.ts (AC@k, indicator AC@1, fault-type accuracy), but the
 * fault type is the candidate's own (`MultimodalCandidate.fault_type`) instead of classify/'s rules.
 */
import { loadNezha } from "../../replay/nezha.ts";
import { loadRcdSockshop } from "../../replay/rcd_sockshop.ts";
import { type CaseOutcome, scoreCase, summarize } from "../evaluate_offline.ts";
import { MultimodalLocalizer } from "./multimodal_localizer.ts";

if (import.meta.main) {
  const args = new Map<string, string>();
  for (let i = 0; i < Deno.args.length; i += 2) args.set(Deno.args[i].replace(/^--/, ""), Deno.args[i + 1]);
  const datasetName = args.get("dataset") ?? "nezha-ob";
  const delay = Number(args.get("delay-s") ?? "0") * 1000;
  const verbose = args.has("verbose");
  const config = args.has("config") ? JSON.parse(args.get("config")!) : {};
  const dataset = datasetName === "nezha-ob" ? await loadNezha() : loadRcdSockshop();
  const localizer = new MultimodalLocalizer(config);
  const outcomes: CaseOutcome[] = [];
  let ms = 0;
  for await (const c of dataset.cases()) {
    const input = { ...c.input, anomaly_start_ms: c.label.fault_start_ms + delay };
    const t = performance.now();
    const ranked = localizer.localize(input);
    ms += performance.now() - t;
    const o = scoreCase(c, ranked, ranked[0]?.fault_type);
    outcomes.push(o);
    if (verbose && (o.rank !== 1 || o.indicator_hit === false || o.fault_type_hit === false)) {
      console.log(
        `${o.id} rank=${o.rank} top=${o.top} type=${ranked[0]?.fault_type}/${c.label.fault_type} ` +
          `want=${c.label.root_cause_indicator}\n    ${
            ranked.slice(0, 3).map((r) => `${r.service} ${r.score.toFixed(2)} [${r.evidence.join("; ")}]`)
              .join("\n    ")
          }`,
      );
    }
  }
  const groups = new Map<string, CaseOutcome[]>([["all", outcomes]]);
  for (const o of outcomes) groups.set(o.fault, [...(groups.get(o.fault) ?? []), o]);
  console.log(
    `dataset=${datasetName} method=multimodal onset=label${delay ? `+${delay / 1000}s` : ""} mean_ms=${
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

/**
 * `deno task nab:score --results <dir> [--nab <dir>] [--thresholds optimize|config] [--json]`
 *
 * Scores a NAB results directory with the TypeScript port of NAB's scorer and prints the normalised
 * standard / reward-low-FP / reward-low-FN scores. Thresholds are optimised over the corpus by default
 * (NAB's optimise step); `--thresholds config` uses NAB's config/thresholds.json instead.
 */
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { defaultNabDir } from "../replay/nab.ts";
import { readNabResults, readNabThresholds } from "./nab_results.ts";
import { scoreNab } from "./nab_scorer.ts";

const USAGE =
  "usage: deno task nab:score --results <dir> [--nab <dir>] [--thresholds optimize|config] [--json]";

export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        results: { type: "string" },
        nab: { type: "string" },
        thresholds: { type: "string", default: "optimize" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.results) {
    console.error(`--results is required\n${USAGE}`);
    return 2;
  }
  if (values.thresholds !== "optimize" && values.thresholds !== "config") {
    console.error(`--thresholds must be optimize or config: current value is ${values.thresholds}\n${USAGE}`);
    return 2;
  }
  const nabDir = values.nab ?? defaultNabDir();
  const detector = basename(values.results.replace(/\/+$/, ""));
  let corpus;
  try {
    corpus = await readNabResults(values.results, { nab_dir: nabDir, detector });
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
  const thresholds = values.thresholds === "config" ? await readNabThresholds(detector, nabDir) : undefined;
  if (values.thresholds === "config" && !thresholds) {
    console.error(`config/thresholds.json has no entry for ${detector}`);
    return 1;
  }
  const results = scoreNab(corpus, { thresholds });
  if (values.json) {
    console.log(JSON.stringify({
      detector,
      series: corpus.length,
      ...Object.fromEntries(results.map((r) => [r.profile, r])),
    }));
    return 0;
  }
  console.log(`NAB scores for ${detector} (${corpus.length} series, ${results[0].windows} windows)`);
  for (const r of results) {
    console.log(
      `  ${r.profile.padEnd(20)} ${r.normalized.toFixed(1).padStart(6)}   (raw ${
        r.raw.toFixed(3)
      }, threshold ${r.threshold.toPrecision(6)}, TP ${r.tp}, FP ${r.fp})`,
    );
  }
  console.log(
    `standard / reward_low_FP / reward_low_FN: ${results.map((r) => r.normalized.toFixed(1)).join(" / ")}`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

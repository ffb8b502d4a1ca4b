/**
 * Reads a NAB results directory (`results/{detector}/{group}/{detector}_{series}.csv[.gz]`, columns
 * `timestamp, value, anomaly_score, …`) into scored series, labelled from a NAB corpus directory.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { columnIndex, parseCsv, readTextFile, toNumber } from "../replay/csv.ts";
import { defaultNabDir, parseNabTime, readNabWindows } from "../replay/nab.ts";
import type { NabProfile, NabScoredSeries } from "./nab_scorer.ts";

export interface NabResultsOptions {
  /** The NAB corpus (labels/, config/). @default the shared copy */
  nab_dir?: string;
  /** Detector name in file names. @default the results directory's base name */
  detector?: string;
}

/** Reads a detector's results for every labelled series; a missing file is a RangeError naming it. */
export async function readNabResults(
  resultsDir: string,
  options: NabResultsOptions = {},
): Promise<NabScoredSeries[]> {
  const nabDir = options.nab_dir ?? defaultNabDir();
  const detector = options.detector ?? basename(resultsDir.replace(/\/+$/, ""));
  const windows = await readNabWindows(nabDir);
  const out: NabScoredSeries[] = [];
  for (const name of [...windows.keys()].sort()) {
    const [group, file] = name.split("/");
    const base = join(resultsDir, group, `${detector}_${file}`);
    const path = existsSync(base) ? base : existsSync(`${base}.gz`) ? `${base}.gz` : null;
    if (!path) throw new RangeError(`Cannot find NAB results for ${name}: expected ${base}[.gz]`);
    const table = parseCsv(await readTextFile(path));
    const t = columnIndex(table, "timestamp", path), s = columnIndex(table, "anomaly_score", path);
    const times_ms = new Float64Array(table.rows.length), scores = new Float64Array(table.rows.length);
    table.rows.forEach((r, i) => {
      times_ms[i] = parseNabTime(r[t]);
      const v = toNumber(r[s]);
      scores[i] = Number.isNaN(v) ? 0 : v;
    });
    out.push({ name, times_ms, scores, windows: windows.get(name) ?? [] });
  }
  return out;
}

/** A detector's thresholds from NAB's config/thresholds.json, or undefined when it is not listed. */
export async function readNabThresholds(
  detector: string,
  nabDir: string = defaultNabDir(),
): Promise<Partial<Record<NabProfile, number>> | undefined> {
  const path = join(nabDir, "config", "thresholds.json");
  if (!existsSync(path)) return undefined;
  const all = JSON.parse(await readTextFile(path)) as Record<string, Record<string, { threshold: number }>>;
  const entry = all[detector];
  if (!entry) return undefined;
  const out: Partial<Record<NabProfile, number>> = {};
  for (const [profile, v] of Object.entries(entry)) out[profile as NabProfile] = v.threshold;
  return out;
}

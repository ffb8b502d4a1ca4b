/**
 * Peers' published figures, for the table printed beside ours. Sources are the files in shared data:
 * `peers/rcaeval_ase_table5.tsv` (RCAEval ASE'24 Table 5, Avg@5), `peers/nab_final_results.json` (NAB
 * scoreboard) and, for Nezha, Table 3 of the Nezha paper as quoted in `data/README.md` (no machine-readable
 * copy exists). Rates are fractions, NAB scores are NAB's 0–100 scale.
 */
import { existsSync } from "node:fs";
import { readTextFile } from "../replay/csv.ts";
import { sharedDataPath } from "../replay/shared_data.ts";

export interface PeerRow {
  readonly method: string;
  /** Column name → value (fraction, or NAB score); null where the peer did not report it. */
  readonly values: Readonly<Record<string, number | null>>;
}

export interface PeerTable {
  readonly source: string;
  readonly columns: readonly string[];
  readonly rows: readonly PeerRow[];
}

/** RCAEval Table 5, Sock Shop 1 columns, for the exact onset (late_s 0) or 60 s late. */
export async function rcdSockshopPeers(options: { late_s: number }): Promise<PeerTable | null> {
  const path = sharedDataPath("peers", "rcaeval_ase_table5.tsv");
  if (!existsSync(path)) return null;
  const lines = (await readTextFile(path)).split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = lines[0].split("\t");
  const cpu = header.indexOf("SS1-CPU"), mem = header.indexOf("SS1-MEM");
  const tag = options.late_s === 60 ? "[tΔ = 60]" : options.late_s === 0 ? "[tΔ = 0]" : null;
  const rows: PeerRow[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split("\t");
    const method = cells[0];
    const timed = /\[tΔ = \d+\]/.test(method);
    if (tag === null ? timed : timed && !method.includes(tag)) continue;
    if (!timed && method !== "Dummy") continue; // keep the table short: timed methods and random
    const num = (s: string | undefined) => (s === undefined || s === "-" ? null : Number(s));
    rows.push({
      method: method === "Dummy" ? "random (Dummy)" : method,
      values: { "Avg@5 cpu": num(cells[cpu]), "Avg@5 mem": num(cells[mem]) },
    });
  }
  return {
    source: `RCAEval ASE'24 Table 5 (SS1), onset ${
      options.late_s === 0 ? "exact" : `${options.late_s} s late`
    }`,
    columns: ["Avg@5 cpu", "Avg@5 mem"],
    rows,
  };
}

/** Nezha FSE'23 Table 3 on the 56 Online Boutique cases (service level AS@k; Nezha and PDiagnose AIS@k). */
export function nezhaPeers(): PeerTable {
  const r = (method: string, a1: number, a3: number, a5: number, i1: number | null = null): PeerRow => ({
    method,
    values: {
      "AC@1": a1 / 100,
      "AC@3": a3 / 100,
      "AC@5": a5 / 100,
      "ind AC@1": i1 === null ? null : i1 / 100,
    },
  });
  return {
    source: "Nezha FSE'23 Table 3 (Online Boutique, 56 cases), via shared/data/README.md",
    columns: ["AC@1", "AC@3", "AC@5", "ind AC@1"],
    rows: [
      r("Nezha (metrics+traces+logs)", 92.86, 96.43, 96.43, 92.86),
      r("PDiagnose (multi-modal)", 41.07, 73.21, 82.14, 35.71),
      r("MicroRank (traces)", 41.07, 48.21, 62.50),
      r("MicroRCA (metrics)", 16.07, 62.50, 92.75),
      r("TraceAnomaly (traces)", 30.35, 33.92, 48.21),
    ],
  };
}

/** NAB scoreboard from peers/nab_final_results.json. */
export async function nabPeers(): Promise<PeerTable | null> {
  const path = sharedDataPath("peers", "nab_final_results.json");
  if (!existsSync(path)) return null;
  const all = JSON.parse(await readTextFile(path)) as Record<string, Record<string, number>>;
  const rows = Object.entries(all)
    .map(([method, v]) => ({
      method,
      values: {
        standard: v.standard ?? null,
        reward_low_FP: v.reward_low_FP_rate ?? null,
        reward_low_FN: v.reward_low_FN_rate ?? null,
      },
    }))
    .sort((a, b) => (b.values.standard ?? -Infinity) - (a.values.standard ?? -Infinity));
  return {
    source: "NAB v1.1 scoreboard (results/final_results.json)",
    columns: ["standard", "reward_low_FP", "reward_low_FN"],
    rows,
  };
}

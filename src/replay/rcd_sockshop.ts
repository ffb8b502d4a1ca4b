/**
 * The RCD Sock Shop dataset (azamikram/rcd `sock-shop-data`, "SS1" of the RCAEval ASE'24 study): 50
 * metric-only cases in `{service}-{cpu|mem}/{1..5}/{normal,anomalous}.csv`, one row a second, columns
 * `time` then `{svc}_{cpu|mem|lod|lat_50|lat_90|lat_99}`.
 *
 * Like the study, each case is normal.csv followed by anomalous.csv. The two files were recorded hours
 * apart, so the normal rows are re-timed to end one step before the first anomalous row (the study's
 * concatenation ignores the gap too); the fault starts at the first timestamp of anomalous.csv.
 */
import { join } from "node:path";
import type { FaultType, MetricFrame, OfflineCase } from "../core/rca.ts";
import { columnIndex, parseCsv, readTextFile, toNumber } from "./csv.ts";
import type { RcaDataset } from "./dataset.ts";
import { FrameBuilder } from "./frame_builder.ts";
import { sharedDataPath } from "./shared_data.ts";

export const RCD_SOCKSHOP_INDICATORS = ["cpu", "mem", "lod", "lat_50", "lat_90", "lat_99"] as const;
const FAULTS: Record<string, FaultType> = { cpu: "cpu", mem: "memory" };
const STEP_MS = 1000;

/** Default location: `rca/rcd-sockshop` in the shared data directory. */
export function defaultRcdSockshopDir(): string {
  return sharedDataPath("rca", "rcd-sockshop");
}

/** Splits `carts-db_lat_99` into ["carts-db", "lat_99"]; null for `time` or unknown suffixes. */
export function splitRcdColumn(column: string): [string, string] | null {
  for (const ind of RCD_SOCKSHOP_INDICATORS) {
    if (column.endsWith(`_${ind}`) && column.length > ind.length + 1) {
      return [column.slice(0, -(ind.length + 1)), ind];
    }
  }
  return null;
}

interface CaseRef {
  readonly dir: string;
  readonly service: string;
  readonly fault: string;
  readonly run: string;
}

function listCases(dir: string): CaseRef[] {
  const refs: CaseRef[] = [];
  const folders = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const folder of folders) {
    const m = /^(.+)-(cpu|mem)$/.exec(folder);
    if (!m) continue;
    const runs = [...Deno.readDirSync(join(dir, folder))].filter((e) => e.isDirectory).map((e) => e.name)
      .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    for (const run of runs) refs.push({ dir: join(dir, folder, run), service: m[1], fault: m[2], run });
  }
  return refs;
}

async function readRows(path: string): Promise<{ columns: string[]; times: number[]; rows: number[][] }> {
  const table = parseCsv(await readTextFile(path));
  const t = columnIndex(table, "time", path);
  const times: number[] = [];
  const rows: number[][] = [];
  for (const r of table.rows) {
    const time = toNumber(r[t]);
    if (Number.isNaN(time)) continue;
    times.push(time * 1000);
    rows.push(r.map(toNumber));
  }
  return { columns: [...table.header], times, rows };
}

/** Loads one case directory (containing normal.csv and anomalous.csv). */
export async function loadRcdSockshopCase(
  caseDir: string,
  options: { service: string; fault: string; id: string },
): Promise<OfflineCase> {
  const fault_type = FAULTS[options.fault];
  if (!fault_type) throw new RangeError(`Cannot map RCD fault "${options.fault}": expected cpu or mem`);
  const normal = await readRows(join(caseDir, "normal.csv"));
  const anomalous = await readRows(join(caseDir, "anomalous.csv"));
  if (anomalous.times.length === 0) throw new RangeError(`Cannot load ${caseDir}: anomalous.csv has no rows`);
  const faultStart = anomalous.times[0];
  const shift = normal.times.length > 0 ? faultStart - STEP_MS - normal.times[normal.times.length - 1] : 0;
  const builder = new FrameBuilder(STEP_MS);
  for (const [part, offset] of [[normal, shift], [anomalous, 0]] as const) {
    const parsed = part.columns.map(splitRcdColumn);
    part.rows.forEach((row, k) => {
      for (let c = 0; c < parsed.length; c++) {
        const p = parsed[c];
        if (p) builder.add(part.times[k] + offset, p[0], p[1], row[c]);
      }
    });
  }
  const frame: MetricFrame = builder.build();
  return {
    label: {
      id: options.id,
      dataset: "rcd-sockshop",
      root_cause_service: options.service,
      root_cause_indicator: options.fault,
      fault_type,
      fault_start_ms: faultStart,
      fault_end_ms: anomalous.times[anomalous.times.length - 1],
    },
    input: { frame },
  };
}

/** The RCD Sock Shop dataset (50 cases in the shared copy), ordered by folder then run. */
export function loadRcdSockshop(dir: string = defaultRcdSockshopDir()): RcaDataset {
  const refs = listCases(dir);
  return {
    kind: "rca",
    name: "rcd-sockshop",
    size: refs.length,
    async *cases() {
      for (const ref of refs) {
        yield await loadRcdSockshopCase(ref.dir, {
          service: ref.service,
          fault: ref.fault,
          id: `${ref.service}-${ref.fault}/${ref.run}`,
        });
      }
    },
  };
}

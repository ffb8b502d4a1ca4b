/**
 * The Numenta Anomaly Benchmark corpus (numenta/NAB v1.1): 58 univariate series under `data/{group}/*.csv`
 * (`timestamp,value`) and their anomaly windows in `labels/combined_windows.json`. NAB timestamps carry no
 * zone; they are read as UTC so that windows and points compare exactly.
 */
import { join } from "node:path";
import { columnIndex, parseCsv, readTextFile, toNumber } from "./csv.ts";
import type { LabelledSeries, SeriesDataset } from "./dataset.ts";
import { sharedDataPath } from "./shared_data.ts";

export function defaultNabDir(): string {
  return sharedDataPath("ad", "nab");
}

/** "2014-04-10 07:15:00.000000" or "2014-04-10 07:15:00" → epoch ms (UTC). */
export function parseNabTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(text.trim());
  if (!m) throw new RangeError(`Cannot parse a NAB timestamp: current value is "${text}"`);
  return Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ""}Z`);
}

/** Reads `labels/combined_windows.json`: series name → windows [start_ms, end_ms]. */
export async function readNabWindows(dir: string): Promise<Map<string, [number, number][]>> {
  const raw = JSON.parse(await readTextFile(join(dir, "labels", "combined_windows.json"))) as Record<
    string,
    [string, string][]
  >;
  const out = new Map<string, [number, number][]>();
  for (const [name, windows] of Object.entries(raw)) {
    out.set(name, windows.map(([a, b]) => [parseNabTime(a), parseNabTime(b)]));
  }
  return out;
}

/** Reads one `timestamp,value` CSV (plain or .gz). */
export async function readNabSeriesFile(
  path: string,
): Promise<{ times_ms: Float64Array; values: Float64Array }> {
  const table = parseCsv(await readTextFile(path));
  const t = columnIndex(table, "timestamp", path), v = columnIndex(table, "value", path);
  const times_ms = new Float64Array(table.rows.length), values = new Float64Array(table.rows.length);
  table.rows.forEach((r, i) => {
    times_ms[i] = parseNabTime(r[t]);
    values[i] = toNumber(r[v]);
  });
  return { times_ms, values };
}

/** The NAB corpus: every series listed in combined_windows.json, in its (sorted) order. */
export async function loadNab(dir: string = defaultNabDir()): Promise<SeriesDataset> {
  const windows = await readNabWindows(dir);
  const names = [...windows.keys()].sort();
  return {
    kind: "series",
    name: "nab",
    size: names.length,
    async *series(): AsyncIterable<LabelledSeries> {
      for (const name of names) {
        const { times_ms, values } = await readNabSeriesFile(join(dir, "data", name));
        yield { name, times_ms, values, windows: windows.get(name) ?? [] };
      }
    },
  };
}

/**
 * A small RFC 4180 CSV reader for the evaluation datasets: quoted fields with doubled quotes and embedded
 * newlines, CRLF or LF line ends, and gzip-compressed files (by the `.gz` suffix).
 */
import { gunzipSync } from "node:zlib";

/** Reads a text file, gunzipping it when its name ends in `.gz`. */
export async function readTextFile(path: string): Promise<string> {
  if (!path.endsWith(".gz")) return await Deno.readTextFile(path);
  const bytes = await Deno.readFile(path);
  return new TextDecoder().decode(gunzipSync(bytes));
}

/** A parsed CSV table: the header and the rows (each as long as the header or shorter). */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Parses CSV text. The first record is the header; empty trailing lines are ignored. */
export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  const n = text.length;
  let atRecordStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */ && field.length === 0) {
      // quoted field
      i++;
      let start = i;
      let acc = "";
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          throw new SyntaxError(`Cannot parse CSV as a quoted field is not closed: from offset ${start}`);
        }
        if (text.charCodeAt(q + 1) === 34) {
          acc += text.slice(start, q + 1);
          i = q + 2;
          start = i;
          continue;
        }
        acc += text.slice(start, q);
        i = q + 1;
        break;
      }
      field = acc;
      atRecordStart = false;
      continue;
    }
    if (c === 44 /* , */) {
      record.push(field);
      field = "";
      atRecordStart = false;
      i++;
      continue;
    }
    if (c === 10 /* \n */ || c === 13 /* \r */) {
      if (!atRecordStart || field.length > 0 || record.length > 0) {
        record.push(field);
        records.push(record);
      }
      record = [];
      field = "";
      atRecordStart = true;
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    // unquoted run up to the next delimiter
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 44 || d === 10 || d === 13) break;
      j++;
    }
    field += text.slice(i, j);
    atRecordStart = false;
    i = j;
  }
  if (!atRecordStart || field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

/** Index of a header column, or a RangeError naming the missing column and the file. */
export function columnIndex(table: CsvTable, name: string, file = "CSV"): number {
  const i = table.header.indexOf(name);
  if (i < 0) {
    throw new RangeError(`Cannot find column "${name}" in ${file}: columns are ${table.header.join(", ")}`);
  }
  return i;
}

/** Parses a numeric cell; empty or unparsable cells become NaN. */
export function toNumber(cell: string | undefined): number {
  if (cell === undefined || cell.length === 0) return NaN;
  const v = Number(cell);
  return Number.isFinite(v) ? v : NaN;
}

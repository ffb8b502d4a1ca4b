/**
 * `deno task eval --dataset <rcd-sockshop|nezha|nab|sim:<topology>|path> [--mode offline|stream] [--json]
 *   [--path P] [--cases N] [--seed S] [--method NAME] [--late-s 60]`
 *
 * Offline mode calls the localizer (or, for NAB, a streaming scorer) directly on each case; stream mode
 * replays the dataset as OTLP through the running pipeline and collects its incidents (see stream_eval.ts).
 * Without --json it prints our figures beside the peers' published ones, with a progress bar on stderr.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Dataset } from "../replay/dataset.ts";
import { loadNab } from "../replay/nab.ts";
import { loadNezha } from "../replay/nezha.ts";
import { loadRcdSockshop } from "../replay/rcd_sockshop.ts";
import { type EvalSummary, evaluateNabOffline, evaluateRcaOffline } from "./harness.ts";
import { resolveRcaMethod, resolveScorer } from "./methods.ts";
import { nabPeers, nezhaPeers, type PeerTable, rcdSockshopPeers } from "./peers.ts";

const USAGE =
  `usage: deno task eval --dataset <rcd-sockshop|nezha|nab|sim:<topology>|path> [--mode offline|stream]
       [--json] [--path P] [--cases N] [--seed S] [--method NAME] [--late-s 60] [--per-case]`;

export interface EvalArgs {
  dataset: string;
  mode: "offline" | "stream";
  json: boolean;
  path?: string;
  cases?: number;
  seed: string;
  method?: string;
  late_s: number;
  per_case: boolean;
  endpoint?: string;
  nats?: string;
  speed: number;
}

/** Parses and validates the command line; every problem is reported together. */
export function parseEvalArgs(args: string[]): EvalArgs {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: "string" },
      mode: { type: "string", default: "offline" },
      json: { type: "boolean", default: false },
      path: { type: "string" },
      cases: { type: "string" },
      seed: { type: "string", default: "1" },
      method: { type: "string" },
      "late-s": { type: "string", default: "0" },
      "per-case": { type: "boolean", default: false },
      endpoint: { type: "string" },
      nats: { type: "string" },
      speed: { type: "string", default: "60" },
    },
    strict: true,
  });
  const errors: string[] = [];
  if (!values.dataset) errors.push("--dataset is required");
  if (values.mode !== "offline" && values.mode !== "stream") {
    errors.push(`--mode must be offline or stream: current value is ${values.mode}`);
  }
  const cases = values.cases === undefined ? undefined : Number(values.cases);
  if (cases !== undefined && !(Number.isInteger(cases) && cases > 0)) {
    errors.push(`--cases must be a positive integer: current value is ${values.cases}`);
  }
  const late = Number(values["late-s"]);
  if (!(Number.isFinite(late) && late >= 0)) {
    errors.push(`--late-s must be >= 0: current value is ${values["late-s"]}`);
  }
  const speed = Number(values.speed);
  if (!(Number.isFinite(speed) && speed > 0)) {
    errors.push(`--speed must be > 0: current value is ${values.speed}`);
  }
  if (errors.length > 0) throw new RangeError(errors.join("\n"));
  return {
    dataset: values.dataset!,
    mode: values.mode as "offline" | "stream",
    json: values.json!,
    path: values.path,
    cases,
    seed: values.seed!,
    method: values.method,
    late_s: late,
    per_case: values["per-case"]!,
    endpoint: values.endpoint,
    nats: values.nats,
    speed,
  };
}

/** Opens the dataset a --dataset/--path pair names. */
export async function openDataset(
  args: Pick<EvalArgs, "dataset" | "path" | "cases" | "seed">,
): Promise<Dataset> {
  const { dataset, path } = args;
  if (dataset === "rcd-sockshop") return loadRcdSockshop(path);
  if (dataset === "nezha" || dataset === "nezha-ob") return await loadNezha(path, { name: "nezha-ob" });
  if (dataset === "nab") return await loadNab(path);
  if (dataset.startsWith("sim:")) {
    const topology = dataset.slice(4);
    let mod: Record<string, unknown> | null = null;
    try {
      mod = await import(new URL("../sim/dataset.ts", import.meta.url).href);
    } catch {
      mod = null;
    }
    if (typeof mod?.simDataset !== "function") {
      throw new RangeError(
        `Cannot open ${dataset}: the simulator does not export simDataset({ topology, cases, seed }) from src/sim/dataset.ts yet`,
      );
    }
    return await (mod.simDataset as (o: object) => Promise<Dataset>)({
      topology,
      cases: args.cases ?? 20,
      seed: args.seed,
    });
  }
  // a path: recognise the layout
  if (existsSync(join(dataset, "rca_data"))) return await loadNezha(dataset);
  if (existsSync(join(dataset, "labels", "combined_windows.json"))) return await loadNab(dataset);
  if (existsSync(dataset)) {
    const rcd = loadRcdSockshop(dataset);
    if (rcd.size > 0) return rcd;
  }
  throw new RangeError(
    `Cannot open dataset: expected rcd-sockshop, nezha, nab, sim:<topology> or a dataset directory: current value is ${dataset}`,
  );
}

function progressBar(json: boolean) {
  const enc = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  let last = -1;
  return (done: number, total: number, note = "") => {
    if (json) return;
    const width = 30;
    const filled = total > 0 ? Math.round(width * done / total) : width;
    if (!tty && filled === last && done !== total) return;
    last = filled;
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${note}`.slice(
      0,
      100,
    );
    Deno.stderr.writeSync(enc.encode(tty ? `\r\x1b[2K${line}${done === total ? "\n" : ""}` : `${line}\n`));
  };
}

const fx = (
  v: number | null | undefined,
  digits = 3,
) => (v === null || v === undefined ? "—" : v.toFixed(digits));

function renderTable(
  title: string,
  columns: string[],
  rows: [string, (number | null)[]][],
  digits: number,
): string {
  const w0 = Math.max(6, ...rows.map(([m]) => m.length));
  const widths = columns.map((c) => Math.max(c.length, digits + 3));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(w0) : c.padStart(widths[i - 1]))).join("  ");
  const out = [
    title,
    line(["method", ...columns]),
    line(["-".repeat(w0), ...widths.map((w) => "-".repeat(w))]),
  ];
  for (const [m, vals] of rows) out.push(line([m, ...vals.map((v) => fx(v, digits))]));
  return out.join("\n");
}

/** The human-readable report: ours beside the peers'. */
export async function renderReport(s: EvalSummary): Promise<string> {
  const ours = `Vigil ${s.method} (${s.mode}${s.late_s ? `, onset +${s.late_s} s` : ""})`;
  if (s.nab_standard !== null) {
    const peers = await nabPeers();
    const rows: [string, (number | null)[]][] = [[ours, [
      s.nab_standard,
      s.nab_reward_low_fp,
      s.nab_reward_low_fn,
    ]]];
    for (const r of peers?.rows ?? []) rows.push([r.method, peers!.columns.map((c) => r.values[c] ?? null)]);
    return renderTable(
      `NAB (${s.cases} series, streaming, no look-ahead; thresholds optimised per profile as NAB does) — ${
        peers?.source ?? "no peer file"
      }`,
      ["standard", "low FP", "low FN"],
      rows,
      1,
    );
  }
  const base = [s.ac_at_1, s.ac_at_3, s.ac_at_5, s.avg_at_5, s.indicator_ac_at_1, s.fault_type_accuracy];
  const baseCols = ["AC@1", "AC@3", "AC@5", "Avg@5", "ind AC@1", "type acc"];
  let peers: PeerTable | null = null;
  let extraCols: string[] = [];
  let extra: (number | null)[] = [];
  if (s.dataset === "rcd-sockshop") {
    peers = await rcdSockshopPeers({ late_s: s.late_s ?? 0 });
    extraCols = ["Avg@5 cpu", "Avg@5 mem"];
    extra = [s.by_fault_type.cpu?.avg_at_5 ?? null, s.by_fault_type.memory?.avg_at_5 ?? null];
  } else if (s.dataset.startsWith("nezha")) {
    peers = nezhaPeers();
  }
  const columns = [...baseCols, ...extraCols];
  const rows: [string, (number | null)[]][] = [[ours, [...base, ...extra]]];
  for (const r of peers?.rows ?? []) {
    rows.push([r.method, columns.map((c) => r.values[c] ?? null)]);
  }
  const title =
    `${s.dataset}: ${s.cases} cases, offline, onset given${s.late_s ? ` ${s.late_s} s late` : " exactly"}` +
    (peers ? ` — peers: ${peers.source}` : "");
  const byType = Object.entries(s.by_fault_type).map(([k, f]) =>
    `  ${k.padEnd(15)} ${String(f.cases).padStart(3)} cases  AC@1 ${fx(f.ac_at_1)}  AC@3 ${
      fx(f.ac_at_3)
    }  Avg@5 ${fx(f.avg_at_5)}  ind AC@1 ${fx(f.indicator_ac_at_1)}  type acc ${fx(f.fault_type_accuracy)}`
  );
  return [
    renderTable(title, columns, rows, 3),
    "",
    `by fault type (classifier: ${s.classifier ?? "none"}):`,
    ...byType,
    "",
    "Rates are fractions; — = not reported / not applicable. Detection delay and false incidents need --mode stream.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  let args: EvalArgs;
  try {
    args = parseEvalArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const dataset = await openDataset(args);
    const progress = progressBar(args.json);
    let summary: EvalSummary;
    let perCase: unknown[] | undefined;
    if (args.mode === "stream") {
      const { evaluateStream } = await import("./stream_eval.ts");
      summary = await evaluateStream(dataset, {
        endpoint: args.endpoint,
        nats_url: args.nats,
        speed: args.speed,
        max_cases: args.cases,
        on_progress: progress,
      });
    } else if (dataset.kind === "series") {
      summary = await evaluateNabOffline(dataset, await resolveScorer(args.method), {
        max_cases: args.cases,
        on_progress: progress,
      });
    } else {
      const r = await evaluateRcaOffline(dataset, await resolveRcaMethod(args.method), {
        late_ms: args.late_s * 1000,
        max_cases: args.cases,
        on_progress: progress,
      });
      summary = r.summary;
      perCase = r.cases.map((c) => ({
        id: c.label.id,
        truth: c.label.root_cause_service,
        fault_type: c.label.fault_type ?? null,
        rank: Number.isFinite(c.service_rank) ? c.service_rank : null,
        top: c.ranking.slice(0, 3).map((x) => `${x.service}:${x.indicator ?? ""}`),
        predicted_fault_type: c.predicted_fault_type ?? null,
      }));
    }
    if (args.json) {
      console.log(JSON.stringify(args.per_case && perCase ? { ...summary, per_case: perCase } : summary));
    } else {
      console.log(await renderReport(summary));
      if (args.per_case && perCase) { for (const c of perCase) console.log(JSON.stringify(c)); }
    }
    return 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

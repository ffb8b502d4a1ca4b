/**
 * `deno task eval --dataset <rcd-sockshop|nezha|nab|sim:<topology>|path> [--mode offline|stream] [--json]
 *   [--path P] [--cases N] [--seed S] [--method NAME] [--late-s 60]`
 *
 * Offline mode calls the localizer (or, for NAB, a streaming scorer) directly on each case; stream mode
 * replays the dataset as OTLP through the running pipeline and collects its incidents (see stream_eval.ts),
 * except for `sim:<topology>[,<topology>...]|sim:all` without --nats/--endpoint, which runs the simulator
 * through the pipeline's own stages in process (see sim_stream.ts; --cases per topology, default 34).
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
import type { StreamExtras } from "./stream_eval.ts";
import { loadConfig } from "../config/load.ts";
import { type IncidentEngineOptions, incidentEngineOptions } from "../incident/incident_engine.ts";

const USAGE =
  `usage: deno task eval --dataset <rcd-sockshop|nezha|nab|sim:<topology>|path> [--mode offline|stream]
       [--json] [--path P] [--cases N] [--seed S] [--method NAME] [--late-s 60] [--per-case]
  stream mode: [--embedded | --endpoint http://host:4318 --nats nats://host:4222 | --nats URL]
       [--config vigil.yaml] [--window-ms MS] [--speed X|max] [--drain-s S] [--incidents-out F.jsonl]
       [--tenant-per-case] [--no-warmup] [--verbose]`;

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
  /** Stream mode: start a Vigil in-process (the default without --endpoint/--nats). */
  embedded: boolean;
  /** Stream mode: config file of the embedded Vigil. */
  config?: string;
  window_ms?: number;
  /** Replay acceleration; Infinity = as fast as the receiver acknowledges. */
  speed: number;
  drain_s?: number;
  /** Stream mode: write every incident record collected to this JSON Lines file. */
  incidents_out?: string;
  /** Stream mode: each case as its own tenant (fresh detector state per case). */
  tenant_per_case: boolean;
  warmup: boolean;
  verbose: boolean;
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
      embedded: { type: "boolean", default: false },
      config: { type: "string" },
      "window-ms": { type: "string" },
      speed: { type: "string", default: "max" },
      "drain-s": { type: "string" },
      "incidents-out": { type: "string" },
      "tenant-per-case": { type: "boolean", default: false },
      "no-warmup": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
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
  const speed = values.speed === "max" ? Infinity : Number(values.speed);
  if (!(speed > 0)) errors.push(`--speed must be > 0 or max: current value is ${values.speed}`);
  const windowMs = values["window-ms"] === undefined ? undefined : Number(values["window-ms"]);
  if (windowMs !== undefined && !(Number.isInteger(windowMs) && windowMs >= 1000)) {
    errors.push(`--window-ms must be an integer >= 1000: current value is ${values["window-ms"]}`);
  }
  const drain = values["drain-s"] === undefined ? undefined : Number(values["drain-s"]);
  if (drain !== undefined && !(Number.isFinite(drain) && drain >= 0)) {
    errors.push(`--drain-s must be >= 0: current value is ${values["drain-s"]}`);
  }
  const remote = values.endpoint !== undefined || values.nats !== undefined;
  if (values.embedded && remote) {
    errors.push("--embedded contradicts --endpoint/--nats: give one or the other");
  }
  if (values.endpoint !== undefined && values.nats === undefined) {
    errors.push(`--endpoint needs --nats to read incidents from: current --endpoint is ${values.endpoint}`);
  }
  if (values.mode !== "stream") {
    for (const f of ["endpoint", "nats", "config", "window-ms", "drain-s", "incidents-out"] as const) {
      if (values[f] !== undefined) errors.push(`--${f} applies to --mode stream only`);
    }
    if (values.embedded) errors.push("--embedded applies to --mode stream only");
    if (values["tenant-per-case"]) errors.push("--tenant-per-case applies to --mode stream only");
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
    embedded: values.embedded! || !remote,
    config: values.config,
    window_ms: windowMs,
    speed,
    drain_s: drain,
    incidents_out: values["incidents-out"],
    tenant_per_case: values["tenant-per-case"]!,
    warmup: !values["no-warmup"],
    verbose: values.verbose!,
  };
}

/**
 * Opens the dataset a --dataset/--path pair names. In stream mode a Nezha-layout dataset is cut into
 * contiguous cases (each day replayed once, as recorded: see NezhaOptions.cut and {@link replayGapMs}).
 */
export async function openDataset(
  args: Pick<EvalArgs, "dataset" | "path" | "cases" | "seed"> & Partial<Pick<EvalArgs, "mode" | "warmup">>,
): Promise<Dataset> {
  const { dataset, path } = args;
  const cut = args.mode === "stream" ? "contiguous" : "windows";
  const nezha = { cut, ...(args.warmup === false ? { warmup_ms: 0 } : {}) } as const;
  if (dataset === "rcd-sockshop") return loadRcdSockshop(path);
  if (dataset === "nezha" || dataset === "nezha-ob") {
    return await loadNezha(path, { name: "nezha-ob", ...nezha });
  }
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
  if (existsSync(join(dataset, "rca_data"))) return await loadNezha(dataset, nezha);
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

/**
 * Event time between consecutive cases on the replay timeline: none for a Nezha-layout dataset, whose
 * stream-mode cases are contiguous slices of each day (a gap would be a hole in the recording), else the
 * replay's default.
 */
export function replayGapMs(args: Pick<EvalArgs, "dataset">): number | undefined {
  const nezha = args.dataset === "nezha" || args.dataset === "nezha-ob" ||
    existsSync(join(args.dataset, "rca_data"));
  return nezha ? 0 : undefined;
}

/** Stream mode: an embedded or running Vigil, Ctrl-C tears the embedded one down before exiting. */
async function runStream(
  dataset: Dataset,
  args: EvalArgs,
  progress: ReturnType<typeof progressBar>,
): Promise<EvalSummary & StreamExtras> {
  const { evaluateStream } = await import("./stream_eval.ts");
  const config = args.config ? await loadConfig(args.config) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("interrupted"));
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, onSignal);
  const say = (line: string) => {
    if (!args.json || args.verbose) console.error(line);
  };
  const out = args.incidents_out
    ? await Deno.open(args.incidents_out, { write: true, create: true, truncate: true })
    : null;
  const enc = new TextEncoder();
  try {
    return await evaluateStream(dataset, {
      ...(args.embedded ? { embedded: true } : { endpoint: args.endpoint, nats_url: args.nats }),
      config: config as Record<string, unknown> | undefined,
      window_ms: args.window_ms,
      speed: args.speed,
      max_cases: args.cases,
      gap_ms: replayGapMs(args),
      tenant_per_case: args.tenant_per_case,
      warmup: args.warmup,
      drain_ms: args.drain_s === undefined ? undefined : args.drain_s * 1000,
      on_progress: progress,
      on_status: say,
      on_incident: out ? (r) => void out.writeSync(enc.encode(JSON.stringify(r) + "\n")) : undefined,
      vigil_log: args.verbose ? (l) => console.error(l) : undefined,
      signal: abort.signal,
    });
  } finally {
    out?.close();
    for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(sig, onSignal);
  }
}

/** The stream-mode report: streaming figures, then the peers' published (offline) ones for reference. */
async function renderStreamReport(s: EvalSummary & StreamExtras): Promise<string> {
  const base = [s.ac_at_1, s.ac_at_3, s.ac_at_5, s.avg_at_5, s.indicator_ac_at_1, s.fault_type_accuracy];
  const cols = ["AC@1", "AC@3", "AC@5", "Avg@5", "ind AC@1", "type acc"];
  const peers = s.dataset === "rcd-sockshop"
    ? await rcdSockshopPeers({ late_s: 0 })
    : s.dataset.startsWith("nezha")
    ? nezhaPeers()
    : null;
  if (s.dataset === "rcd-sockshop") {
    cols.push("Avg@5 cpu", "Avg@5 mem");
    base.push(s.by_fault_type.cpu?.avg_at_5 ?? null, s.by_fault_type.memory?.avg_at_5 ?? null);
  }
  const rows: [string, (number | null)[]][] = [["Vigil pipeline (streaming)", base]];
  for (const r of peers?.rows ?? []) {
    rows.push([
      `${r.method} (offline)`,
      cols.map((c) => r.values[c] ?? null),
    ]);
  }
  const byType = Object.entries(s.by_fault_type).map(([k, f]) =>
    `  ${k.padEnd(15)} ${String(f.cases).padStart(3)} cases  AC@1 ${fx(f.ac_at_1)}  AC@3 ${
      fx(f.ac_at_3)
    }  Avg@5 ${fx(f.avg_at_5)}  ind AC@1 ${fx(f.indicator_ac_at_1)}  type acc ${fx(f.fault_type_accuracy)}`
  );
  const rep = s.replay;
  return [
    renderTable(
      `${s.dataset}: ${s.cases} cases, streaming (onset detected by Vigil, no label given; ${
        s.tenant_per_case ? "fresh detector state per case" : "one timeline, state carried across cases"
      }), window ${s.window_ms / 1000} s` + (peers ? ` — peers (offline, onset given): ${peers.source}` : ""),
      cols,
      rows,
      3,
    ),
    "",
    `detected ${s.detected}/${s.cases}; detection delay (windows) median ${
      fx(s.detection_delay_windows_median, 1)
    }, p90 ${fx(s.detection_delay_windows_p90, 1)}`,
    `incidents ${s.incidents}: ${s.duplicate_incidents} duplicates of a detected fault, ${s.false_incidents} false ` +
    `(${s.false_pages} of them major or critical) ` +
    `in ${s.warmup_service_days.toFixed(2)} warm-up service-days (${
      fx(s.false_incidents_per_service_day, 2)
    } per service-day), ` +
    `${s.unmatched_after_fault} after a fault's end`,
    "by fault type:",
    ...byType,
    "",
    `replay: ${Object.entries(rep.requests).map(([k, v]) => `${v} ${k}`).join(", ")} requests, ${
      (rep.bytes / 1e6).toFixed(1)
    } MB, ${(rep.event_span_ms / 3_600_000).toFixed(1)} h of event time in ${
      (rep.wall_ms / 1000).toFixed(1)
    } s (speed ${s.speed ?? "max"}); target ${s.target}, tenant ${s.tenant}; total ${
      (s.elapsed_ms / 1000).toFixed(1)
    } s`,
    "Rates are fractions; a missed case counts as wrong at every k.",
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
  if (args.mode === "stream" && args.dataset.startsWith("sim:") && !args.nats && !args.endpoint) {
    // the simulator runs in process through the pipeline's own pure stages (sim_stream.ts); no server
    const { evaluateSimStream, renderSimStreamTable, SIM_TOPOLOGIES } = await import("./sim_stream.ts");
    const name = args.dataset.slice(4);
    let results;
    try {
      // (the incidents section of --config; the simulator's own 10 s windows stand)
      let engine: IncidentEngineOptions | undefined;
      if (args.config) {
        const { window_ms: _, ...incidents } = incidentEngineOptions(await loadConfig(args.config));
        engine = incidents;
      }
      results = (name === "all" ? SIM_TOPOLOGIES : name.split(",")).map((t) =>
        evaluateSimStream(t, { cases: args.cases, seed: args.seed, engine })
      );
    } catch (e) {
      console.error(e instanceof Error ? e.message : e);
      return 1;
    }
    if (args.json) {
      console.log(JSON.stringify(args.per_case ? results : results.map(({ per_case: _, ...r }) => r)));
    } else {
      console.log(renderSimStreamTable(results));
      if (args.per_case) {
        for (const r of results) for (const c of r.per_case) console.log(JSON.stringify(c));
      }
    }
    return 0;
  }
  try {
    const dataset = await openDataset(args);
    const progress = progressBar(args.json);
    let summary: EvalSummary;
    let perCase: unknown[] | undefined;
    if (args.mode === "stream") {
      const r = await runStream(dataset, args, progress);
      summary = r;
      perCase = r.per_case as unknown[];
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
      const { per_case: _, ...rest } = summary as EvalSummary & { per_case?: unknown };
      console.log(JSON.stringify(args.per_case && perCase ? { ...rest, per_case: perCase } : rest));
    } else {
      console.log(
        summary.mode === "stream"
          ? await renderStreamReport(summary as EvalSummary & StreamExtras)
          : await renderReport(summary),
      );
      if (args.per_case && perCase) { for (const c of perCase) console.log(JSON.stringify(c)); }
    }
    return 0;
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

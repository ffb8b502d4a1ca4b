/**
 * `deno task simulate`: runs a simulated system, optionally with planned faults, and sends its OTLP to
 * Vigil's receiver or straight to NATS; writes the ground truth as JSON Lines. Progress on stderr, a
 * summary at the end. See `--help`.
 */
import { parseArgs } from "node:util";
import { DEFAULT_TENANT, type OtlpSignal } from "../bus/subjects.ts";
import { FAULT_KINDS, type FaultKind, isFaultKind } from "./faults.ts";
import { planEndMs, planFaultCases, type PlannedCase, truthRecord } from "./fault_plan.ts";
import { createHttpSink } from "./http_sink.ts";
import { createNatsSink } from "./nats_sink.ts";
import { encodeSimOtlp } from "./otlp_encode.ts";
import { createSimulation } from "./simulation.ts";
import { encodeWithin, type OtlpSink } from "./sink.ts";
import { BUILTIN_TOPOLOGIES, resolveTopology } from "./topologies/mod.ts";
import { TopologyError } from "./topology.ts";

const HELP = `Usage: deno task simulate [options]

  --topology NAME|FILE     ${
  Object.keys(BUILTIN_TOPOLOGIES).join(" | ")
} | a YAML/JSON file  (default online-boutique)
  --seed S                 seed of every random draw (default 1)
  --start ISO|MS           simulated start time (default: now, rounded down to the step)
  --duration-s N           simulated seconds (default 600, or until one gap after the last fault)
  --speed X|max            simulated seconds per wall second (default max)
  --faults N               plan N fault cases (default 0)
  --kinds a,b,...          fault kinds to cycle through (default all: ${FAULT_KINDS.join(",")})
  --warmup-s N             fault-free seconds before the first fault (default 600)
  --fault-duration-s N     length of each fault (default 180)
  --gap-s N                fault-free seconds after each fault (default 420)
  --target URL             http://127.0.0.1:4318 (OTLP/HTTP) or nats://127.0.0.1:4222; none = dry run
  --nats-core              publish to NATS without JetStream (no PubAck, nothing stored)
  --tenant T               NATS subject tenant (default ${DEFAULT_TENANT})
  --truth FILE             write ground truth as JSON Lines
  --rps N                  override the topology's mean request rate
  --step-ms N              tick length (default 1000)
  --metric-interval-ms N   resource metric interval (default 5000)
  --trace-sample-ratio R   fraction of traces emitted (default 1)
  --quiet                  no progress lines
  --help
`;

class UsageError extends Error {}

function num(
  name: string,
  v: string | undefined,
  fallback: number,
  check: (n: number) => boolean = (n) => n > 0,
) {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) {
    throw new UsageError(`--${name} must be a valid number: current value is ${v}`);
  }
  return n;
}

function fmtDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function fmtCount(n: number): string {
  return n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e4
    ? `${(n / 1e3).toFixed(1)}k`
    : String(Math.round(n));
}

export async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      strict: true,
      options: {
        topology: { type: "string", default: "online-boutique" },
        seed: { type: "string", default: "1" },
        start: { type: "string" },
        "duration-s": { type: "string" },
        speed: { type: "string", default: "max" },
        faults: { type: "string", default: "0" },
        kinds: { type: "string" },
        "warmup-s": { type: "string" },
        "fault-duration-s": { type: "string" },
        "gap-s": { type: "string" },
        target: { type: "string" },
        "nats-core": { type: "boolean", default: false },
        tenant: { type: "string", default: DEFAULT_TENANT },
        truth: { type: "string" },
        rps: { type: "string" },
        "step-ms": { type: "string" },
        "metric-interval-ms": { type: "string" },
        "trace-sample-ratio": { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`simulate: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  let sink: OtlpSink | undefined;
  try {
    const topology = await resolveTopology(opts.topology);
    const step = num("step-ms", opts["step-ms"], 1000, (n) => Number.isInteger(n) && n > 0);
    const seed = /^-?\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
    let start: number;
    if (opts.start === undefined) start = Math.floor(Date.now() / step) * step; // the CLI's only wall-clock read
    else if (/^\d+$/.test(opts.start)) start = Number(opts.start);
    else {
      start = Date.parse(opts.start);
      if (!Number.isFinite(start)) {
        throw new UsageError(`--start must be ISO 8601 or epoch ms: current value is ${opts.start}`);
      }
    }
    const speed = opts.speed === "max" ? Infinity : num("speed", opts.speed, 1);
    const nFaults = num("faults", opts.faults, 0, (n) => Number.isInteger(n) && n >= 0);
    const kinds = opts.kinds?.split(",").map((k) => k.trim()).filter((k) => k.length > 0);
    for (const k of kinds ?? []) {
      if (!isFaultKind(k)) {
        throw new UsageError(
          `--kinds must list fault kinds (${FAULT_KINDS.join(", ")}): current value is ${k}`,
        );
      }
    }
    const warmup = num("warmup-s", opts["warmup-s"], 600, (n) => n >= 0) * 1000;
    const faultDuration = num("fault-duration-s", opts["fault-duration-s"], 180) * 1000;
    const gap = num("gap-s", opts["gap-s"], 420, (n) => n >= 0) * 1000;
    const cases: PlannedCase[] = planFaultCases({
      topology,
      cases: nFaults,
      seed,
      start_ms: start,
      warmup_ms: warmup,
      fault_duration_ms: faultDuration,
      gap_ms: gap,
      kinds: kinds as FaultKind[] | undefined,
    });
    const end = opts["duration-s"] !== undefined
      ? start + num("duration-s", opts["duration-s"], 600) * 1000
      : nFaults > 0
      ? planEndMs(cases, { start_ms: start, gap_ms: gap })
      : start + 600_000;
    const inRun = cases.filter((c) => c.fault_start_ms < end);
    if (inRun.length < cases.length) {
      console.error(
        `simulate: ${cases.length - inRun.length} planned fault(s) start after --duration-s and are left out`,
      );
    }

    if (opts.target !== undefined) {
      if (opts.target.startsWith("nats://") || opts.target.startsWith("tls://")) {
        sink = await createNatsSink(opts.target, { tenant: opts.tenant, core: opts["nats-core"] });
      } else sink = createHttpSink(opts.target);
    }
    const sim = createSimulation({
      topology,
      seed,
      start_ms: start,
      step_ms: step,
      metric_interval_ms: num("metric-interval-ms", opts["metric-interval-ms"], 5000),
      faults: inRun.map((c) => c.fault),
      rps: opts.rps === undefined ? undefined : num("rps", opts.rps, 1),
      trace_sample_ratio: num("trace-sample-ratio", opts["trace-sample-ratio"], 1, (n) => n >= 0 && n <= 1),
    });

    let truthFile: Deno.FsFile | undefined;
    if (opts.truth !== undefined) {
      truthFile = await Deno.open(opts.truth, { write: true, create: true, truncate: true });
      const enc = new TextEncoder();
      for (const c of inRun) await truthFile.write(enc.encode(JSON.stringify(truthRecord(c, seed)) + "\n"));
      truthFile.close();
    }

    console.error(
      `simulate: ${topology.name} (${topology.services.length} components, ${sim.pods.length} pods), seed ${seed}, ` +
        `${new Date(start).toISOString()} + ${
          fmtDuration(end - start)
        }, speed ${opts.speed}, ${inRun.length} fault(s), ` +
        `target ${sink?.target ?? "none (dry run)"}`,
    );

    const runId = `${topology.name}-${seed}-${start}`;
    const totals = { requests: 0, failed: 0, spans: 0, points: 0, logs: 0, bytes: 0, messages: 0 };
    const wall0 = performance.now();
    let lastProgress = wall0;
    let pending: Promise<unknown>[] = [];
    for (const tick of sim.run(end)) {
      totals.requests += tick.stats.requests;
      totals.failed += tick.stats.failed_requests;
      totals.spans += tick.stats.spans;
      totals.points += tick.stats.metric_points;
      totals.logs += tick.stats.log_records;
      for (const signal of ["traces", "metrics", "logs"] as OtlpSignal[]) {
        const req = tick[signal];
        if (!req) continue;
        const parts = encodeWithin(signal, req, {
          encoder: encodeSimOtlp,
          max_bytes: sink?.max_message_bytes ?? Infinity,
        });
        parts.forEach((bytes, i) => {
          totals.bytes += bytes.length;
          totals.messages++;
          if (sink) {
            pending.push(sink.send(signal, bytes, { msg_id: `${runId}:${signal}:${tick.index}:${i}` }));
          }
        });
      }
      // Bounded pipelining: at most ~8 ticks of sends in flight.
      if (pending.length >= 24) {
        await Promise.all(pending);
        pending = [];
      }
      const simElapsed = tick.end_ms - start;
      if (Number.isFinite(speed)) {
        await Promise.all(pending);
        pending = [];
        const ahead = simElapsed / speed - (performance.now() - wall0);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
      const now = performance.now();
      if (!opts.quiet && now - lastProgress >= 1000) {
        lastProgress = now;
        const wallS = (now - wall0) / 1000;
        const active = tick.active_faults.map((f) => `${f.kind}@${f.service}`).join(" ") || "-";
        console.error(
          `  sim ${fmtDuration(simElapsed)} / ${fmtDuration(end - start)}  ${
            (simElapsed / 1000 / wallS).toFixed(0)
          }x  ` +
            `spans ${fmtCount(totals.spans)}  points ${fmtCount(totals.points)}  logs ${
              fmtCount(totals.logs)
            }  ` +
            `${(totals.bytes / 1e6).toFixed(1)} MB  faults: ${active}`,
        );
      }
    }
    await Promise.all(pending);
    const wallS = (performance.now() - wall0) / 1000;
    const simS = (end - start) / 1000;
    console.error(
      `simulate: done. ${fmtDuration(end - start)} simulated in ${wallS.toFixed(2)} s wall (${
        (simS / wallS).toFixed(0)
      }x real time)\n` +
        `  requests ${totals.requests} (${totals.failed} failed at the entry), spans ${totals.spans}, ` +
        `metric points ${totals.points}, log records ${totals.logs}\n` +
        `  ${totals.messages} OTLP messages, ${(totals.bytes / 1e6).toFixed(1)} MB` +
        (sink
          ? `, sent to ${sink.target} (${sink.counters.messages} acknowledged, ${sink.counters.retries} retries)`
          : " (dry run)") +
        (opts.truth ? `\n  ground truth: ${inRun.length} case(s) in ${opts.truth}` : ""),
    );
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError) console.error(`simulate: ${e.message}`);
    else if (e instanceof TopologyError) console.error(`simulate: ${e.message}`);
    else console.error(`simulate: ${(e as Error).message ?? e}`);
    return e instanceof UsageError ? 2 : 1;
  } finally {
    await sink?.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));

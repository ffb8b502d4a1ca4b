/**
 * Feature worker scaling benchmark (not a test):
 * `deno task bench:scaling [--requests 400] [--workers 1,2] [--rounds 3]`.
 *
 * Does throughput grow with workers? The same ExportTraceServiceRequests as bench:features
 * (src/features/bench_requests.ts, 512 spans each) go through the feature engine (src/features/engine.ts)
 * with 1, 2, … feature workers (Deno Workers sharing the durable pull consumer) and one reducer, on a fresh
 * nats-server per run. A fair start for every worker count: the engine starts first, with all its workers
 * pulling from the empty OTLP stream, while the requests wait in a staging stream; the clock starts when
 * the OTLP stream is made to source them, so no worker gets a head start while the others boot, and the
 * requests arrive at the server's speed. A run ends when the reducer has merged every request and both
 * consumers are drained (then flushed). (Pausing the consumer instead does not work: pulls waiting on a
 * paused consumer see no heartbeat and start again only after the client's 15 s heartbeat timeout.)
 *
 * Reported per worker count (medians over rounds, the counts interleaved so that load from other jobs on a
 * shared box hits them alike): wall-clock spans/s, the speed-up over one worker, this process's CPU seconds
 * (workers + reducer) and nats-server's, and the share of OTLP messages each worker took. The box's core
 * count bounds what more workers can give: nats-server and the reducer need CPU too. Prints one JSON object.
 */
import { SPANS_PER_REQUEST, traceRequest } from "./bench_requests.ts";
import { startFeatureEngine } from "./engine.ts";
import { connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import { STREAMS } from "../bus/subjects.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import process from "node:process";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const nReq = Number(arg("--requests", "400"));
const workerCounts = arg("--workers", "1,2").split(",").map(Number);
const rounds = Number(arg("--rounds", "3"));
for (const w of [nReq, rounds, ...workerCounts]) {
  if (!(Number.isInteger(w) && w >= 1)) {
    throw new RangeError(`Cannot run bench:scaling as counts must be integers >= 1: got ${w}`);
  }
}
const t0 = 1_700_000_000_000;
const requests = Array.from({ length: nReq }, (_, i) => traceRequest(i, t0 + i * 20));
const spans = nReq * SPANS_PER_REQUEST;
const STAGE = "BENCH_STAGE";
const STAGE_SUBJECT = "bench.stage";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of the nats-server started on `storeDir`, from /proc; NaN elsewhere. */
function natsServerCpuS(storeDir: string): number {
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^[0-9]+$/.test(e.name)) continue;
      let cmd = "";
      try {
        cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      } catch {
        continue;
      }
      if (!cmd.includes(`${storeDir}/nats.conf`)) continue;
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    }
  } catch { /* not Linux */ }
  return NaN;
}

function load1(): number | null {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return null;
  }
}

async function run(workers: number) {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  await ensureStreams(bus);
  await using engine = await startFeatureEngine({
    nats_url: nats.url,
    workers,
    idle_flush_ms: 0,
    graph: false,
    max_out_of_order_ms: 600_000,
  });
  // Every worker is up and pulling from the empty OTLP stream. The requests wait in a staging stream, and
  // at the start the OTLP stream sources them (renamed onto the OTLP subject): they arrive at the server's
  // speed, to every worker alike, and publishing them costs this process nothing while it is timed.
  const jsm = await bus.jsm();
  await jsm.streams.add({ name: STAGE, subjects: [`${STAGE_SUBJECT}.>`] });
  await Promise.all(requests.map((b) => bus.js.publish(`${STAGE_SUBJECT}.traces`, b)));
  const otlp = (await jsm.streams.info(STREAMS.otlp)).config;
  const nats0 = natsServerCpuS(nats.storeDir);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await jsm.streams.update(STREAMS.otlp, {
    ...otlp,
    sources: [{
      name: STAGE,
      subject_transforms: [{ src: `${STAGE_SUBJECT}.traces`, dest: "otlp.v1.traces.default" }],
    }],
  });
  while (engine.counters().reducer.units < nReq) await sleep(5);
  while (!(await engine.drained())) await sleep(5);
  await engine.flush();
  const wall_s = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const nats_cpu_s = natsServerCpuS(nats.storeDir) - nats0;
  await engine.close();
  const perWorker = engine.counters().per_worker.map((c) => c.messages);
  return { wall_s, vigil_cpu_s: (cpu.user + cpu.system) / 1e6, nats_cpu_s, per_worker_messages: perWorker };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const load_before = load1();
type Run = Awaited<ReturnType<typeof run>>;
const runs = new Map<number, Run[]>(workerCounts.map((w) => [w, []]));
for (let r = 0; r < rounds; r++) {
  for (const w of workerCounts) {
    runs.get(w)!.push(await run(w));
    console.error(`bench:scaling: round ${r + 1}/${rounds}, ${w} worker(s) done`);
  }
}
const base = median(runs.get(workerCounts[0])!.map((x) => x.wall_s));
console.log(JSON.stringify(
  {
    requests: nReq,
    spans,
    cores: navigator.hardwareConcurrency,
    load_avg_1m: { before: load_before, after: load1() },
    rounds,
    by_workers: workerCounts.map((w) => {
      const rs = runs.get(w)!;
      const wall = median(rs.map((x) => x.wall_s));
      return {
        workers: w,
        median_wall_s: +wall.toFixed(3),
        spans_per_s: Math.round(spans / wall),
        [`speedup_vs_${workerCounts[0]}`]: +(base / wall).toFixed(2),
        median_vigil_cpu_s: +median(rs.map((x) => x.vigil_cpu_s)).toFixed(3),
        median_nats_server_cpu_s: +median(rs.map((x) => x.nats_cpu_s)).toFixed(3),
        per_worker_messages: rs.map((x) => x.per_worker_messages),
      };
    }),
  },
  null,
  2,
));

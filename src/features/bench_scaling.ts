/**
 * Feature worker scaling benchmark (not a test):
 * `deno task bench:scaling [--requests 800] [--warmup 200] [--workers 1,2] [--rounds 3] [--feed source|backlog]`.
 *
 * Does throughput grow with workers? The same ExportTraceServiceRequests as bench:features
 * (src/features/bench_requests.ts, 512 spans each) go through the feature engine (src/features/engine.ts)
 * with 1, 2, … feature workers (Deno Workers sharing the durable pull consumer) and one reducer, on a fresh
 * nats-server per run. Each run first sends `--warmup` requests through (fresh workers compile their code
 * on their first messages) and waits until they are drained. A fair start for every worker count: the
 * timed requests wait in a staging stream, and the clock starts when the OTLP stream is made to source
 * them, so every worker is already pulling and the requests arrive at the server's speed. (Pausing the
 * consumer instead does not work: pulls waiting on a paused consumer see no heartbeat and start again only
 * after the client's 15 s heartbeat timeout.) A run ends when the reducer has merged every request and
 * both consumers are drained (then flushed).
 *
 * Reported per worker count (medians over rounds, the counts interleaved so that load from other jobs on a
 * shared box hits them alike): wall-clock spans/s, the speed-up over the first count, this process's CPU
 * seconds (workers + reducer) and nats-server's, how busy each worker thread was (its CPU over the wall
 * time, Linux), and how many timed messages each worker took. The box's core count bounds what more
 * workers can give: nats-server and the reducer need CPU too. Prints one JSON object.
 *
 * Result on the 2-core shared VM (session 7, load average 1.0-1.2, 800 requests after 200 of warm-up, 3
 * rounds, two runs): 1 worker 477-535k spans/s, 2 workers 458-572k (0.96-1.07x). No scaling here, and not
 * for the workers' sake:
 * one worker thread is busy 51-59 % of the time, two 30-42 % each. What bounds the run is the feed: with
 * two workers pulling, nats-server takes about 0.75 s to source the 800 requests (156 MB) into the OTLP
 * stream, as long as the whole run, against 0.4 s with one worker. nats-server, the reducer and V8's
 * helper threads already use about 1.5 of the 2 cores. Measuring the speed-up needs more cores.
 * Session 8, after the scanner's fast path (load average 0.6-0.8, same settings): `--feed source` 620k
 * spans/s with 1 worker (busy 47-52 %), 611k with 2 (0.99x): still the feed. `--feed backlog` (the
 * requests already in the OTLP stream, see runBacklog; 800 and 1,600 requests, load average 1.1-2.0,
 * three runs): 1 worker 0.95-1.09M spans/s (the worker thread busy 74-78 % over the whole pass; about
 * 0.5 s of Vigil CPU and 0.13-0.16 s of nats-server per 409,600 spans), 2 workers 1.01-1.11M (0.93-1.17x,
 * busy 38-62 % each): one worker already keeps about 1.6 of the 2 cores busy, so a second one has little to
 * run on.
 */
import { SPANS_PER_REQUEST, traceRequest } from "./bench_requests.ts";
import { type FeatureEngine, startFeatureEngine } from "./engine.ts";
import { connectBus } from "../bus/connection.ts";
import { ensureStreams } from "../bus/streams.ts";
import { STREAMS } from "../bus/subjects.ts";
import { startNatsServer } from "../../tests/helpers/nats_server.ts";
import { until } from "../../tests/helpers/until.ts";
import process from "node:process";
import { load1, median, natsServerCpuS, threadCpuS } from "./bench_host.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const nReq = Number(arg("--requests", "800"));
const workerCounts = arg("--workers", "1,2").split(",").map(Number);
const rounds = Number(arg("--rounds", "3"));
for (const w of [nReq, rounds, ...workerCounts]) {
  if (!(Number.isInteger(w) && w >= 1)) {
    throw new RangeError(`Cannot run bench:scaling as counts must be integers >= 1: got ${w}`);
  }
}
const t0 = 1_700_000_000_000;
const nWarm = Number(arg("--warmup", "200"));
if (!(Number.isInteger(nWarm) && nWarm >= 0)) {
  throw new RangeError(`Cannot run bench:scaling as --warmup must be an integer >= 0: got ${nWarm}`);
}
const requests = Array.from({ length: nReq }, (_, i) => traceRequest(i, t0 + i * 20));
// warm-up requests: a minute of event time earlier, their own trace numbers
const warmup = Array.from({ length: nWarm }, (_, i) => traceRequest(nReq + i, t0 - 60_000 + i * 20));
const spans = nReq * SPANS_PER_REQUEST;
const STAGE = "BENCH_STAGE";
const STAGE_SUBJECT = "bench.stage";

const feed = arg("--feed", "source");
if (feed !== "source" && feed !== "backlog") {
  throw new RangeError(`Cannot run bench:scaling as --feed must be source or backlog: got ${feed}`);
}

/**
 * The engine as every run starts it: features only, no idle flush, and an out-of-order bound that takes the
 * warm-up (a minute of event time before the requests) and the requests as one stream.
 */
function startEngine(nats_url: string, workers: number) {
  return startFeatureEngine({
    nats_url,
    workers,
    idle_flush_ms: 0,
    graph: false,
    max_out_of_order_ms: 600_000,
  });
}

/** Publishes requests in order onto `subject` and waits until JetStream has them all. */
async function publishAll(bus: Awaited<ReturnType<typeof connectBus>>, subject: string, bs: Uint8Array[]) {
  await Promise.all(bs.map((b) => bus.js.publish(subject, b)));
}

/**
 * The backlog feed: the requests lie in the OTLP stream before the engine starts, so the server only
 * delivers them (no sourcing, nothing published while timed): the rate at which an engine works through a
 * backlog, as after an outage. A pass is timed from the engine's start until the reducer has merged every
 * request. Each point is the difference between a pass over the warm-up and the requests and a pass over
 * the warm-up alone: what the requests cost an engine past its start and its workers' first compiles.
 * (The reducer merges partials cut per pull batch, which may hold warm-up and timed requests together, so
 * its count cannot mark the end of the warm-up inside one pass.)
 */
async function runBacklog(workers: number) {
  const full = await backlogPass(workers, nReq);
  const warm = await backlogPass(workers, 0);
  return {
    wall_s: full.wall_s - warm.wall_s,
    vigil_cpu_s: full.vigil_cpu_s - warm.vigil_cpu_s,
    nats_cpu_s: full.nats_cpu_s - warm.nats_cpu_s,
    /** over the whole pass with the requests, warm-up and start included */
    worker_threads_busy: full.worker_threads_busy,
    per_worker_messages: full.per_worker_messages,
  };
}

/** One backlog pass: the warm-up and the first `n` requests. */
async function backlogPass(workers: number, n: number) {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  await ensureStreams(bus);
  await publishAll(bus, "otlp.v1.traces.default", warmup);
  await publishAll(bus, "otlp.v1.traces.default", requests.slice(0, n));
  const nats0 = natsServerCpuS(nats.storeDir);
  const threads0 = threadCpuS();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await using engine = await startEngine(nats.url, workers);
  await merged(engine, warmup.length + n, 1);
  const wall_s = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const nats_cpu_s = natsServerCpuS(nats.storeDir) - nats0;
  const busy = workerBusy(threads0, wall_s);
  await drained(engine);
  await engine.close();
  return {
    wall_s,
    vigil_cpu_s: (cpu.user + cpu.system) / 1e6,
    nats_cpu_s,
    worker_threads_busy: busy,
    per_worker_messages: engine.counters().per_worker.map((c) => c.messages),
  };
}

/** Waits until the reducer has merged `n` requests, polling every `interval_ms` (the clock stops then). */
function merged(engine: FeatureEngine, n: number, interval_ms: number): Promise<void> {
  return until(() => engine.counters().reducer.units >= n, `the reducer to merge ${n} requests`, {
    interval_ms,
    timeout_ms: 600_000,
  });
}

/** Waits until the engine's consumers have nothing pending. */
function drained(engine: FeatureEngine): Promise<void> {
  return until(() => engine.drained(), "the engine's consumers to drain", {
    interval_ms: 5,
    timeout_ms: 600_000,
  });
}

/** Each feature worker thread's CPU since `threads0` over the wall time: how busy it was (Linux only). */
function workerBusy(threads0: Map<string, number>, wall_s: number): number[] {
  return [...threadCpuS()].filter(([k]) => /:worker-/.test(k)).map(([k, v]) =>
    +((v - (threads0.get(k) ?? 0)) / wall_s).toFixed(2)
  );
}

async function run(workers: number) {
  if (feed === "backlog") return await runBacklog(workers);
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url);
  await ensureStreams(bus);
  await using engine = await startEngine(nats.url, workers);
  // Warm-up: fresh workers compile their code on their first messages; those are not what is measured.
  await publishAll(bus, "otlp.v1.traces.default", warmup);
  await merged(engine, warmup.length, 5);
  await drained(engine);
  // (the workers report their counters every 250 ms: wait until they account for the warm-up)
  const total = () => engine.counters().per_worker.reduce((n, c) => n + c.messages, 0);
  await until(() => total() >= warmup.length, "the workers' counters to account for the warm-up");
  const warmed = engine.counters().per_worker.map((c) => c.messages);
  // Every worker is up and pulling from the drained OTLP stream. The requests wait in a staging stream, and
  // at the start the OTLP stream sources them (renamed onto the OTLP subject): they arrive at the server's
  // speed, to every worker alike, and publishing them costs this process nothing while it is timed.
  const jsm = await bus.jsm();
  await jsm.streams.add({ name: STAGE, subjects: [`${STAGE_SUBJECT}.>`] });
  await publishAll(bus, `${STAGE_SUBJECT}.traces`, requests);
  const otlp = (await jsm.streams.info(STREAMS.otlp)).config;
  const nats0 = natsServerCpuS(nats.storeDir);
  const threads0 = threadCpuS();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await jsm.streams.update(STREAMS.otlp, {
    ...otlp,
    sources: [{
      name: STAGE,
      subject_transforms: [{ src: `${STAGE_SUBJECT}.traces`, dest: "otlp.v1.traces.default" }],
    }],
  });
  await merged(engine, warmup.length + nReq, 5);
  await drained(engine);
  await engine.flush();
  const wall_s = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const nats_cpu_s = natsServerCpuS(nats.storeDir) - nats0;
  const busy = workerBusy(threads0, wall_s);
  await engine.close();
  const perWorker = engine.counters().per_worker.map((c, i) => c.messages - warmed[i]);
  return {
    wall_s,
    vigil_cpu_s: (cpu.user + cpu.system) / 1e6,
    nats_cpu_s,
    worker_threads_busy: busy,
    per_worker_messages: perWorker,
  };
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
    feed,
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
        worker_threads_busy: rs.map((x) => x.worker_threads_busy),
        per_worker_messages: rs.map((x) => x.per_worker_messages),
      };
    }),
  },
  null,
  2,
));

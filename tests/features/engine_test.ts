/**
 * The feature engine end to end on a real nats-server: OTLP in the OTLP stream → N workers → reducer →
 * FEATURES. Records must be identical for 1, 2 and 4 workers, for shuffled input, and when a worker
 * process is killed with SIGKILL mid-stream and restarted.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../helpers/nats_server.ts";
import { until } from "../helpers/until.ts";
import { beforeTimeout, spawnFeatureWorker } from "../helpers/feature_worker_process.ts";
import { type FeatureEngine, startFeatureEngine } from "../../src/features/engine.ts";
import { consumerLag } from "../../src/bus/pull_batches.ts";
import { connectBus } from "../../src/bus/connection.ts";
import { ensureStreams } from "../../src/bus/streams.ts";
import { Extractor } from "../../src/features/extract.ts";
import { WindowReducer } from "../../src/features/window_reducer.ts";
import type { FeatureRecord } from "../../src/core/feature_record.ts";
import { FeatureRecordSchema } from "../../src/core/feature_record.ts";
import { newWorkerCounters, runFeatureWorker } from "../../src/features/feature_worker.ts";
import { rng, shuffle, type SignalMessage, telemetryWorkload, traceRequest, workload } from "./otlp_gen.ts";

const W = 10_000;
const OOO = 120_000; // covers the disorder the tests create (shuffled messages over 60 s)
const { messages, spans } = workload({ n_messages: 48, per_message: 40, jitter_ms: 2_000, seed: 7 });

function reference(msgs: Uint8Array[]): FeatureRecord[] {
  const ex = new Extractor({ window_ms: W });
  const r = new WindowReducer({ window_ms: W, max_out_of_order_ms: OOO });
  msgs.forEach((b, i) => {
    const x = ex.extract("traces", "default", b);
    r.accept(
      JSON.parse(
        JSON.stringify({
          v: 1,
          tenant: "default",
          src: String(i),
          max_event_ms: x.max_event_ms,
          windows: x.windows.map((w) => w.toJSON()),
        }),
      ),
    );
  });
  return sortRecs(r.close({ all: true }).records);
}

function sortRecs(rs: FeatureRecord[]): FeatureRecord[] {
  return [...rs].sort((a, b) => a.window_start_ms - b.window_start_ms || (a.service < b.service ? -1 : 1));
}

async function publishAll(url: string, msgs: Uint8Array[], subject = "otlp.v1.traces.default") {
  {
    await using bus = await connectBus(url);
    await ensureStreams(bus);
  }
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  for (const m of msgs) await js.publish(subject, m);
  await nc.drain();
}

/** The reducer alone in this process (no worker), for tests that run or fault the workers themselves. */
function startReducerOnly(nats_url: string): Promise<FeatureEngine> {
  return startFeatureEngine({
    nats_url,
    workers: 0,
    window_ms: W,
    max_out_of_order_ms: OOO,
    idle_flush_ms: 0,
    ack_wait_ms: 1_500,
    graph: false,
  });
}

async function runToEnd(engine: FeatureEngine): Promise<FeatureRecord[]> {
  await until(() => engine.drained(), "the engine to drain");
  await engine.flush();
  const out: FeatureRecord[] = [];
  for (const s of engine.store.services()) out.push(...engine.store.recent(s));
  return sortRecs(out);
}

const want = reference(messages);

Deno.test({
  name: "startFeatureEngine() gives identical records with 1, 2 and 4 workers and shuffled input",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    ok(want.length >= 18);
    assertEquals(want.reduce((n, r) => n + r.count, 0), spans.length);
    for (const workers of [1, 2, 4]) {
      await using nats = await startNatsServer();
      const input = workers === 1 ? messages : shuffle(messages, rng(workers));
      await publishAll(nats.url, input);
      await using engine = await startFeatureEngine({
        nats_url: nats.url,
        workers,
        window_ms: W,
        max_out_of_order_ms: OOO,
        batch_size: 4,
        idle_flush_ms: 0,
        graph: false,
      });
      const got = await runToEnd(engine);
      for (const r of got) FeatureRecordSchema.parse(r);
      assertEquals(got, want, `workers=${workers}`);
      await engine.close(); // final worker counters
      const c = engine.counters();
      assertEquals(c.workers.items, spans.length);
      // each worker's own counters, which add up to the sum
      assertEquals(c.per_worker.length, workers);
      assertEquals(c.per_worker.reduce((n, w) => n + w.items, 0), spans.length);
      ok(c.workers.batch_partials > 0 && c.reducer.partials < messages.length, JSON.stringify(c));
      assertEquals(c.reducer.records_published, want.length);
      assertEquals(c.reducer.too_late_items, 0);
    }
  },
});

Deno.test({
  name:
    "startFeatureEngine() gives identical metric and log records with 1, 2 and 4 workers and shuffled input",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // cumulative sums and histograms exported once per window (their rates and increases need the previous
    // window's point at the reducer) and logs whose templates merge Drain-style (user names)
    const tel = telemetryWorkload({ ticks: 6, seed: 9 }).messages;
    const ref = (msgs: SignalMessage[]) => {
      const ex = new Extractor({ window_ms: W });
      const r = new WindowReducer({ window_ms: W, max_out_of_order_ms: OOO });
      msgs.forEach((m, i) => {
        const x = ex.extract(m.signal, "default", m.bytes);
        r.accept({
          v: 1,
          tenant: "default",
          src: String(i),
          max_event_ms: x.max_event_ms,
          windows: x.windows.map((w) => w.toJSON()),
        });
      });
      return sortRecs(r.close({ all: true }).records);
    };
    const expected = ref(tel);
    assertEquals(expected.length, 3 * 6);
    ok(expected.some((r) => r.metrics.some((m) => m.name === "requests" && m.rate_per_s !== null)));
    ok(expected.some((r) => r.logs.templates.some((t) => t.template === "user <*> logged in from <*>")));
    for (const workers of [1, 2, 4]) {
      await using nats = await startNatsServer();
      const input = workers === 1 ? tel : shuffle(tel, rng(20 + workers));
      {
        await using bus = await connectBus(nats.url);
        await ensureStreams(bus);
      }
      const nc = await connect({ servers: nats.url });
      const js = jetstream(nc);
      for (const m of input) await js.publish(`otlp.v1.${m.signal}.default`, m.bytes);
      await nc.drain();
      await using engine = await startFeatureEngine({
        nats_url: nats.url,
        workers,
        window_ms: W,
        max_out_of_order_ms: OOO,
        batch_size: 3,
        idle_flush_ms: 0,
        graph: false,
      });
      const got = await runToEnd(engine);
      for (const r of got) FeatureRecordSchema.parse(r);
      assertEquals(got, expected, `workers=${workers}`);
    }
  },
});

Deno.test({
  name: "a feature worker killed with SIGKILL mid-stream and restarted yields the same records",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    // reducer only in this process; the worker runs as a separate process
    await using engine = await startReducerOnly(nats.url);
    const big = workload({ n_messages: 400, per_message: 40, jitter_ms: 2_000, seed: 11 }).messages;
    await publishAll(nats.url, big);
    const spawn = () => spawnFeatureWorker(nats.url, { window_ms: W, batch_size: 2 });
    await using bus = await connectBus(nats.url);
    const first = spawn();
    // kill once the reducer has seen some of the worker's output, i.e. mid-stream
    await until(() => engine.counters().reducer.partials >= 40, "progress");
    first.kill("SIGKILL");
    await first.status;
    const mid = await consumerLag(bus, "OTLP", "vigil-features");
    ok(mid.pending + mid.ack_pending > 0, "the worker finished before the kill: use more messages");
    const second = spawn();
    try {
      const got = await runToEnd(engine);
      assertEquals(got, reference(big));
    } finally {
      second.kill("SIGTERM");
      await second.status;
    }
  },
});

Deno.test({
  name: "startFeatureEngine() merges late data, sends too-late data to vigil.late.features and counts it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    const t0 = 1_700_000_000_000;
    const at = (t: number, n = 1) =>
      traceRequest(
        Array.from(
          { length: n },
          () => ({ service: "a", name: "op", kind: 2, start_ms: t0 + t, duration_ms: 3 }),
        ),
      );
    await using engine = await startFeatureEngine({
      nats_url: nats.url,
      workers: 1,
      window_ms: W,
      max_out_of_order_ms: 1_000,
      allowed_lateness_ms: 2_000,
      batch_size: 1,
      idle_flush_ms: 0,
      graph: false,
    });
    // in order, one at a time, so the watermark at each arrival is known
    for (const [t, n] of [[1_000, 2], [11_500, 1], [9_000, 1], [14_000, 1], [5_000, 3]]) {
      await publishAll(nats.url, [at(t, n)]);
      await until(() => engine.drained(), "drain");
    }
    const recs = await runToEnd(engine);
    assertEquals(recs.map((r) => [r.window_start_ms - t0, r.count]), [[0, 3], [10_000, 2]]);
    const c = engine.counters().reducer;
    assertEquals(c.late_merged, 1);
    assertEquals(c.too_late_items, 3);
    assertEquals(c.late_published, 1);
    const nc = await connect({ servers: nats.url });
    const si = await (await jetstream(nc).jetstreamManager()).streams.info("LATE");
    assertEquals(si.state.messages, 1);
    await nc.close();
  },
});

Deno.test({
  name:
    "a feature worker killed with SIGKILL once a batch partial is stored, before acking its messages, and restarted yields the same records",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    await using engine = await startReducerOnly(nats.url);
    const big = workload({ n_messages: 200, per_message: 40, jitter_ms: 2_000, seed: 12 }).messages;
    await publishAll(nats.url, big);
    const spawn = (...args: string[]) =>
      spawnFeatureWorker(nats.url, { window_ms: W, batch_size: 16, args, stdout: "piped" });
    // the third pull batch of several messages: its partial is stored (PubAck), none of its messages acked
    const first = spawn("--kill-at", "published:3");
    const out = await beforeTimeout(first, first.output());
    assertEquals(out.signal, "SIGKILL");
    const killed = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.includes('"killed"'));
    ok(killed, "the worker was not killed at a batch");
    ok(JSON.parse(killed).counters.batch_partials >= 3);
    await using bus = await connectBus(nats.url);
    const mid = await consumerLag(bus, "OTLP", "vigil-features");
    ok(mid.pending + mid.ack_pending > 0, "the worker finished before the kill: use more messages");
    const second = spawn();
    try {
      const got = await runToEnd(engine);
      assertEquals(got, reference(big));
      // the killed batch's messages came back redelivered, one partial each, and were all duplicates
      ok(engine.counters().reducer.duplicates > 0, JSON.stringify(engine.counters().reducer));
    } finally {
      second.kill("SIGTERM");
      await second.status;
    }
  },
});

Deno.test({
  name:
    "a feature worker whose PubAcks come past half the ack wait gives the batch back, and the records stay the same",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    await using engine = await startReducerOnly(nats.url);
    const msgs = messages.slice(0, 40);
    await publishAll(nats.url, msgs);
    await using bus = await connectBus(nats.url);
    const abort = new AbortController();
    const counters = newWorkerCounters();
    let slowBatch: number | undefined;
    const worker = runFeatureWorker(bus, {
      window_ms: W,
      batch_size: 8,
      signal: abort.signal,
      counters,
      // the first batch of several messages has its PubAcks "arrive" after 1 s, past the fence (half of the
      // 1.5 s ack wait). (Not "batch 1": how many messages the first pull brings depends on timing.)
      on_batch_step: (_step, { batch, batched }) => {
        if (batched <= 1 || (slowBatch !== undefined && batch !== slowBatch)) return undefined;
        slowBatch = batch;
        return new Promise((r) => setTimeout(r, 1_000));
      },
    });
    try {
      const got = await runToEnd(engine);
      assertEquals(got, reference(msgs));
    } finally {
      abort.abort();
      await worker;
    }
    ok(counters.given_back > 1, JSON.stringify(counters));
    ok(counters.batch_partials > 1, JSON.stringify(counters));
    const c = engine.counters().reducer;
    // every message merged once; each given-back one came back on its own as a duplicate of the batch
    assertEquals([c.units, c.duplicates], [msgs.length, counters.given_back], JSON.stringify(c));
  },
});

Deno.test({
  name:
    "a feature worker sends each malformed message of a batch to the DLQ once and publishes the records of the good ones alone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using nats = await startNatsServer();
    await using engine = await startReducerOnly(nats.url);
    // good messages interleaved with malformed ones: garbage, and good requests with a malformed tail (the
    // scan merges their spans before it finds the error)
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0x01, 0x02]);
    const good = messages.slice(0, 30);
    const input: Uint8Array[] = [];
    const bad: number[] = [];
    good.forEach((m, i) => {
      input.push(m);
      if (i % 3 === 2) return;
      input.push(i % 3 === 0 ? new Uint8Array([...m, 0x0a, 0x02, 0x08, 0x01]) : garbage);
      bad.push(input.length); // its stream sequence
    });
    await publishAll(nats.url, input);
    await using bus = await connectBus(nats.url);
    const abort = new AbortController();
    const counters = newWorkerCounters();
    const worker = runFeatureWorker(bus, { window_ms: W, batch_size: 64, signal: abort.signal, counters });
    try {
      const got = await runToEnd(engine);
      assertEquals(got, reference(good));
    } finally {
      abort.abort();
      await worker;
    }
    assertEquals([counters.messages, counters.malformed], [input.length, bad.length]);
    // a good message is extracted again at most once, whatever the number of malformed ones in its batch
    ok(counters.reextracted <= good.length, JSON.stringify(counters));
    const jsm = await bus.jsm();
    const dlq = await jsm.streams.info("DLQ");
    assertEquals(dlq.state.messages, bad.length);
    const seqs: number[] = [];
    for (let s = dlq.state.first_seq; s <= dlq.state.last_seq; s++) {
      const m = await jsm.streams.getMessage("DLQ", { seq: s });
      assertEquals(m!.subject, "vigil.dlq.OTLP");
      seqs.push(Number(m!.header.get("Vigil-Stream-Seq")));
    }
    assertEquals(seqs.sort((a, b) => a - b), bad);
  },
});

/**
 * The window reducer killed with SIGKILL mid-stream, at each step of a close and between closes, and
 * restarted, publishes exactly the FEATURES records of a run without the fault: cumulative metric increases
 * measured from the previous window's points and Drain-style log templates included (their state is
 * restored from KV vigil_reducer_state). Every publish is watched on core NATS, so a re-published record
 * that differed could not hide behind JetStream's deduplication.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../helpers/nats_server.ts";
import { until } from "../helpers/until.ts";
import { startFeatureEngine } from "../../src/features/engine.ts";
import { REDUCER_CONSUMER } from "../../src/features/engine.ts";
import { FEATURE_CONSUMER } from "../../src/features/feature_worker.ts";
import { consumerLag } from "../../src/bus/pull_batches.ts";
import { connectBus } from "../../src/bus/connection.ts";
import { ensureStreams } from "../../src/bus/streams.ts";
import { Extractor } from "../../src/features/extract.ts";
import { WindowReducer } from "../../src/features/window_reducer.ts";
import type { FeatureRecord } from "../../src/core/feature_record.ts";
import { type SignalMessage, telemetryWorkload } from "./otlp_gen.ts";

const W = 10_000;
const TICKS = 16;

/** The workload's messages in event-time order (it lists them pod by pod). */
function byTick(msgs: SignalMessage[]): SignalMessage[] {
  const out: SignalMessage[] = [];
  const pods = msgs.length / (2 * TICKS);
  for (let k = 0; k < TICKS; k++) {
    for (let i = 0; i < pods; i++) out.push(msgs[i * 2 * TICKS + 2 * k], msgs[i * 2 * TICKS + 2 * k + 1]);
  }
  return out;
}

const key = (r: FeatureRecord) => `${r.tenant}/${r.service}/${r.window_start_ms}`;

Deno.test({
  name:
    "a reducer killed with SIGKILL in and between closes and restarted publishes the records of an uninterrupted run",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const messages = byTick(telemetryWorkload({ ticks: TICKS, seed: 13 }).messages);
    // the uninterrupted run: every partial in order through one reducer, windows closing as the watermark passes
    const ex = new Extractor({ window_ms: W });
    const ref = new WindowReducer({ window_ms: W, max_out_of_order_ms: 5_000, allowed_lateness_ms: 5_000 });
    const want = new Map<string, FeatureRecord>();
    messages.forEach((m, i) => {
      const x = ex.extract(m.signal, "default", m.bytes);
      ref.accept({
        v: 1,
        tenant: "default",
        src: String(i),
        max_event_ms: x.max_event_ms,
        windows: x.windows.map((w) => w.toJSON()),
      });
      for (const r of ref.close().records) want.set(key(r), r);
    });
    for (const r of ref.close({ all: true }).records) want.set(key(r), r);
    assertEquals(want.size, 3 * TICKS);
    assertEquals(ref.counters.too_late_items, 0);

    await using nats = await startNatsServer();
    await using bus = await connectBus(nats.url);
    await ensureStreams(bus);
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    for (const m of messages) await js.publish(`otlp.v1.${m.signal}.default`, m.bytes);
    // the workers' stage first, to the end: the partials wait in FEATURE_PARTIALS for the reducer
    {
      await using _workers = await startFeatureEngine({
        nats_url: nats.url,
        workers: 1,
        reducer: false,
        graph: false,
        batch_size: 2,
        idle_flush_ms: 0,
      });
      await until(async () => {
        const l = await consumerLag(bus, "OTLP", FEATURE_CONSUMER);
        return l.pending === 0 && l.ack_pending === 0;
      }, "the workers to finish");
    }
    const partials = (await (await bus.jsm()).streams.info("FEATURE_PARTIALS")).state.messages;
    ok(partials >= 40, `only ${partials} partials: too few closes to kill in`);

    // every record published, duplicates included
    const published: FeatureRecord[] = [];
    const sub = nc.subscribe("vigil.features.*", {
      callback: (_e, m) => void published.push(JSON.parse(new TextDecoder().decode(m.data))),
    });
    const distinct = () => new Set(published.map(key)).size;

    const spawn = (...args: string[]) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./reducer_process.ts", import.meta.url).pathname,
          "--nats-url",
          nats.url,
          ...args,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const lines = child.output().then((o) =>
        new TextDecoder().decode(o.stdout).split("\n").filter((l) => l.startsWith("{")).map((l) =>
          JSON.parse(l)
        )
      );
      return { child, lines };
    };
    /** Per run, its reducer's counters as last printed */
    const started: Record<string, number>[] = [];
    // killed by itself at a step of its second close: after publishing (state not written), after writing the
    // services' states (no commit marker), after the marker (partials not acked)
    for (const step of ["records_published", "states_written", "state_committed"]) {
      const before = published.length;
      const { child, lines } = spawn("--kill-at", `${step}:2`);
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      const status = await child.status;
      clearTimeout(timer);
      const printed = await lines;
      ok(
        printed.some((l) => l.event === step && l.close === 2),
        `the reducer never reached ${step} of a second close`,
      );
      assertEquals(status.signal, "SIGKILL", `the reducer was not killed at ${step}`);
      started.push(printed.at(-1)?.reducer);
      ok(published.length > before, `nothing published before the kill at ${step}`);
    }
    // killed from outside, between closes (wherever it is once two more windows have come out)
    {
      const before = distinct();
      const { child, lines } = spawn();
      await until(() => distinct() >= before + 6, "progress before the external kill");
      child.kill("SIGKILL");
      await child.status;
      started.push((await lines).at(-1)?.reducer);
    }
    ok(distinct() < want.size, "the stream was done before the last kill: nothing left to restart for");
    // the last one runs to the end (idle flush closes the last windows)
    const last = spawn("--idle-flush-ms", "1000");
    try {
      await until(() => distinct() === want.size, "every window");
      await until(async () => {
        const l = await consumerLag(bus, "FEATURE_PARTIALS", REDUCER_CONSUMER);
        return l.pending === 0 && l.ack_pending === 0;
      }, "every partial to be acked");
    } finally {
      last.child.kill("SIGTERM");
      await last.child.status;
    }
    started.push((await last.lines).at(-1)?.reducer);
    sub.unsubscribe();

    // every record ever published equals the uninterrupted run's, and the stream holds each window once
    for (const r of published) assertEquals(r, want.get(key(r)), key(r));
    const stored = new Map<string, FeatureRecord>();
    const si = await (await bus.jsm()).streams.info("FEATURES");
    for (let seq = si.state.first_seq; seq <= si.state.last_seq; seq++) {
      const m = await (await bus.jsm()).streams.getMessage("FEATURES", { seq });
      const r = m!.json<FeatureRecord>();
      ok(!stored.has(key(r)), `stored twice: ${key(r)}`);
      stored.set(key(r), r);
    }
    assertEquals(stored, want);
    // each restart did what it is there for
    ok(
      started[1].partials_reread > 0,
      `after the kill with records published: ${JSON.stringify(started[1])}`,
    );
    ok(started[2].state_rolled_back > 0, `after the kill with states written: ${JSON.stringify(started[2])}`);
    ok(
      started[3].replayed_windows > 0,
      `after the kill with the state committed: ${JSON.stringify(started[3])}`,
    );
    for (const s of started) assertEquals(s.too_late_items, 0);
    ok(want.values().some((r) => r.metrics.some((m) => m.name === "requests" && m.rate_per_s !== null)));
    await nc.close();
  },
});

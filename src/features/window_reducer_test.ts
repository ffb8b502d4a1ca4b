import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import { Extractor } from "./extract.ts";
import { type PartialMessage, WindowReducer } from "./window_reducer.ts";
import type { FeatureRecord } from "../core/feature_record.ts";
import {
  rng,
  shuffle,
  type SignalMessage,
  telemetryWorkload,
  traceRequest,
  workload,
} from "../../tests/features/otlp_gen.ts";
import { encodeOtlp } from "../core/otlp/codec.ts";
import { templateId } from "./log_template.ts";
import { decodePartial } from "./partial_codec.ts";
import { batchPartialsFor, partialsFor } from "./feature_worker.ts";
import {
  decodeServiceState,
  encodeServiceState,
  type ReducerProgress,
  type ReducerSnapshot,
  serviceStateKey,
} from "./reducer_state.ts";

const W = 10_000;

function partials(ex: Extractor, msgs: Uint8Array[], ids: number[]): PartialMessage[] {
  return msgs.map((b, i) => {
    const x = ex.extract("traces", "default", b);
    return {
      v: 1,
      tenant: "default",
      src: String(ids[i]),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    };
  });
}

function reduceAll(ps: PartialMessage[], options = {}): FeatureRecord[] {
  const r = new WindowReducer({ window_ms: W, ...options });
  const out: FeatureRecord[] = [];
  for (const p of ps) {
    // through JSON, as on the wire
    r.accept(JSON.parse(JSON.stringify(p)));
    out.push(...r.close().records);
  }
  out.push(...r.close({ all: true }).records);
  return out.sort((a, b) => a.window_start_ms - b.window_start_ms || (a.service < b.service ? -1 : 1));
}

Deno.test("WindowReducer gives identical records for shuffled input split over 1, 2 and 4 workers", () => {
  const { messages } = workload({ n_messages: 60, per_message: 50, jitter_ms: 3_000 });
  const ids = messages.map((_, i) => i + 1);
  const base = reduceAll(partials(new Extractor({ window_ms: W }), messages, ids));
  ok(base.length >= 18);
  for (const workers of [1, 2, 4]) {
    const rand = rng(workers);
    const order = shuffle(ids.map((_, i) => i), rand);
    const extractors = Array.from({ length: workers }, () => new Extractor({ window_ms: W }));
    const ps = order.map((i, j) => partials(extractors[j % workers], [messages[i]], [ids[i]])[0]);
    // shuffling whole messages can exceed the out-of-orderness bound: use a bound that covers the test span
    assertEquals(
      reduceAll(ps, { max_out_of_order_ms: 120_000 }),
      reduceAll(partials(new Extractor({ window_ms: W }), messages, ids), { max_out_of_order_ms: 120_000 }),
    );
  }
});

Deno.test("WindowReducer records have exact counts and quantiles within 1 % of the exact values", () => {
  const { messages, spans } = workload({ n_messages: 40, per_message: 100, jitter_ms: 1_000 });
  const recs = reduceAll(partials(new Extractor({ window_ms: W }), messages, messages.map((_, i) => i)));
  assertEquals(recs.reduce((n, r) => n + r.count, 0), spans.length);
  for (const r of recs) {
    const mine = spans.filter((s) =>
      s.service === r.service && Math.floor(s.start_ms / W) * W === r.window_start_ms
    );
    assertEquals(r.count, mine.length);
    assertEquals(r.error_count, mine.filter((s) => s.status === 2 || (s.http ?? 0) >= 500).length);
    // durations as carried on the wire (µs-rounded start and end)
    const d = mine.map((s) =>
      (Math.round((s.start_ms + s.duration_ms) * 1000) - Math.round(s.start_ms * 1000)) / 1000
    )
      .sort((a, b) => a - b);
    for (const [q, key] of [[0.5, "p50"], [0.9, "p90"], [0.95, "p95"], [0.99, "p99"]] as const) {
      const want = d[Math.floor(q * (d.length - 1))];
      const got = r.latency_ms![key];
      ok(Math.abs(got - want) <= 0.01 * want, `${r.service} ${key} ${got} vs ${want}`);
    }
    assertEquals(r.latency_ms!.max, d[d.length - 1]);
    assertEquals(r.operations.reduce((n, o) => n + o.count, 0), r.count);
    assertEquals(r.instances, [...new Set(mine.map((s) => s.pod!))].sort());
  }
});

Deno.test("WindowReducer merges late data within the allowed lateness and rejects too-late data", () => {
  const t0 = 1_700_000_000_000;
  const msg = (t: number, service = "a") =>
    traceRequest([{ service, name: "op", kind: 2, start_ms: t, duration_ms: 5 }]);
  const ex = new Extractor({ window_ms: W });
  const r = new WindowReducer({ window_ms: W, max_out_of_order_ms: 2_000, allowed_lateness_ms: 3_000 });
  let src = 0;
  const feed = (b: Uint8Array) => {
    const x = ex.extract("traces", "default", b);
    return r.accept({
      v: 1,
      tenant: "default",
      src: String(src++),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    });
  };
  feed(msg(t0 + 1_000));
  feed(msg(t0 + 12_500)); // watermark 10_500: window 0 ended, still open (lateness)
  assertEquals(r.close().records, []);
  assertEquals(feed(msg(t0 + 9_000)).too_late, []); // late but allowed
  assertEquals(r.counters.late_merged, 1);
  feed(msg(t0 + 15_100)); // watermark 13_100 ≥ 10_000 + 3_000 → window 0 closes
  const closed = r.close().records;
  assertEquals(closed.map((c) => [c.window_start_ms - t0, c.count]), [[0, 2]]);
  const late = feed(msg(t0 + 9_999)); // too late
  assertEquals(late.too_late.length, 1);
  assertEquals(r.counters.too_late_items, 1);
  assertEquals(r.close({ all: true }).records.map((c) => [c.window_start_ms - t0, c.count]), [[10_000, 2]]);
  assertEquals(feed(msg(t0 + 19_000)).too_late.length, 1); // after a flush, flushed windows are closed
});

Deno.test("WindowReducer ignores a redelivered source and releases tokens only when their windows close", () => {
  const ex = new Extractor({ window_ms: W });
  const t0 = 1_700_000_000_000;
  const b = traceRequest([
    { service: "a", name: "x", kind: 2, start_ms: t0 + 1, duration_ms: 1 },
    { service: "b", name: "y", kind: 2, start_ms: t0 + 11_000, duration_ms: 1 },
  ]);
  const x = ex.extract("traces", "default", b);
  const p: PartialMessage = {
    v: 1,
    tenant: "default",
    src: "7/0",
    max_event_ms: x.max_event_ms,
    windows: x.windows.map((w) => w.toJSON()),
  };
  const r = new WindowReducer<string>({ window_ms: W, max_out_of_order_ms: 0, allowed_lateness_ms: 0 });
  r.accept(p, "m1");
  assertEquals(r.accept(p, "m1-again").duplicate, true);
  assertEquals(r.close().records.map((c) => c.service), ["a"]);
  const last = r.close({ all: true });
  assertEquals(last.records.map((c) => [c.service, c.count]), [["b", 1]]);
  assertEquals(r.counters.duplicates, 1);
});

Deno.test("WindowReducer folds operations beyond the cap into __overflow__ deterministically", () => {
  const t0 = 1_700_000_000_000;
  const spans = Array.from(
    { length: 30 },
    (_, i) => ({ service: "a", name: `op${i % 10}`, kind: 2, start_ms: t0 + i, duration_ms: 1 + (i % 10) }),
  );
  const ex = new Extractor({ window_ms: W });
  const x = ex.extract("traces", "default", traceRequest(spans));
  const r = new WindowReducer({ window_ms: W, max_operations: 4 });
  r.accept({
    v: 1,
    tenant: "default",
    src: "1",
    max_event_ms: x.max_event_ms,
    windows: x.windows.map((w) => w.toJSON()),
  });
  const [rec] = r.close({ all: true }).records;
  assertEquals(rec.operations.map((o) => [o.operation, o.count]), [["op0", 3], ["op1", 3], ["op2", 3], [
    "op3",
    3,
  ], ["__overflow__", 18]]);
  assertEquals(rec.operations_overflowed, 6);
  assertEquals(rec.count, 30);
});

/** Partials of metric and log messages, one extractor per worker (round robin over the given order). */
function signalPartials(msgs: SignalMessage[], order: number[], workers: number): PartialMessage[] {
  const extractors = Array.from({ length: workers }, () => new Extractor({ window_ms: W }));
  return order.map((i, j) => {
    const x = extractors[j % workers].extract(msgs[i].signal, "default", msgs[i].bytes);
    return {
      v: 1,
      tenant: "default",
      src: String(i),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    };
  });
}

Deno.test("WindowReducer reports cumulative sums and histograms exported once per window as per-window increases", () => {
  const ticks = 6;
  const { messages, truth } = telemetryWorkload({ ticks });
  // messages come pod by pod: the out-of-orderness bound covers the whole run
  const recs = reduceAll(signalPartials(messages, messages.map((_, i) => i), 1), {
    max_out_of_order_ms: 120_000,
  });
  const t0 = 1_700_000_000_000;
  truth.pods.forEach(({ service, pod }, i) => {
    for (let k = 0; k < ticks; k++) {
      const rec = recs.find((r) => r.service === service && r.window_start_ms === t0 + k * W)!;
      const m = (name: string) => rec.metrics.find((x) => x.name === name && x.instance === pod)!;
      const req = m("requests"), lat = m("latency");
      const restart = truth.restarts.get(i) === k;
      if (k === 0) {
        // the series started before the first window and reports once in it: nothing to measure from
        assertEquals([req.rate_per_s, lat.count, lat.sum, lat.mean], [null, null, null, null]);
        continue;
      }
      // measured from the previous window's point, exactly one window earlier (a reset starts over)
      const [dc, ds] = truth.latency[i][k];
      assertEquals(req.rate_per_s, truth.requests[i][k] / (W / 1000), `${pod} tick ${k} restart=${restart}`);
      assertEquals(lat.count, dc);
      ok(Math.abs(lat.sum! - ds) < 1e-6 * ds, `${pod} tick ${k}: ${lat.sum} vs ${ds}`);
      ok(Math.abs(lat.mean! - ds / dc) < 1e-6 * (ds / dc));
    }
  });
});

Deno.test("WindowReducer gives identical metric and log records for shuffled input over 1, 2 and 4 workers", () => {
  const { messages } = telemetryWorkload({ ticks: 8, seed: 5 });
  const ids = messages.map((_, i) => i);
  const base = reduceAll(signalPartials(messages, ids, 1), { max_out_of_order_ms: 120_000 });
  ok(base.length === 3 * 8);
  ok(base.some((r) => r.metrics.some((m) => m.name === "latency" && m.count !== null)));
  for (const workers of [1, 2, 4]) {
    const order = shuffle(ids, rng(10 + workers));
    assertEquals(reduceAll(signalPartials(messages, order, workers), { max_out_of_order_ms: 120_000 }), base);
  }
  // the user-name variants are one template whose id is stable over the windows; the error lines naming
  // services stay one template per service named
  for (const service of ["a", "b", "c"]) {
    const mine = base.filter((r) => r.service === service);
    const users = mine.map((r) => r.logs.templates.find((t) => t.template.startsWith("user "))!);
    assertEquals(new Set(users.map((t) => t.template_id)).size, 1);
    assertEquals(users.at(-1)!.template, "user <*> logged in from <*>");
    assertEquals(
      mine.every((r) => r.logs.templates.filter((t) => t.template.startsWith("user ")).length === 1),
      true,
    );
    const errors = new Set(
      mine.flatMap((r) => r.logs.templates.filter((t) => t.error_count > 0).map((t) => t.template)),
    );
    const others = ["a", "b", "c"].filter((x) => x !== service);
    assertEquals([...errors].sort(), others.map((x) => `call to ${x} failed after <*> ms`));
    for (const t of mine.flatMap((r) => r.logs.templates)) {
      if (t.error_count > 0) assertEquals(t.template_id, templateId(t.template)); // founded by itself
    }
  }
});

Deno.test("WindowReducer counts metric series beyond the per-service cap as dropped", () => {
  const t0 = 1_700_000_000_000;
  const gauges = (names: string[], t: number) =>
    encodeOtlp("metrics", {
      resourceMetrics: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "db" } }] },
        scopeMetrics: [{
          metrics: names.map((name) => ({
            name,
            gauge: { dataPoints: [{ timeUnixNano: `${t}000000`, asDouble: 1 }] },
          })),
        }],
      }],
    });
  const msgs: SignalMessage[] = [
    { signal: "metrics", bytes: gauges(["m0", "m1", "m2", "m3"], t0 + 1) },
    { signal: "metrics", bytes: gauges(["m4", "m5", "m2"], t0 + 2) },
  ];
  for (const held of [undefined, 4]) {
    const r = new WindowReducer({ window_ms: W, max_metric_series: 3, max_metric_series_held: held });
    for (const p of signalPartials(msgs, [0, 1], 2)) r.accept(p);
    const [rec] = r.close({ all: true }).records;
    assertEquals(rec.metrics.map((m) => m.name), ["m0", "m1", "m2"]);
    assertEquals(rec.metric_series_dropped, 3, `held=${held}`);
    assertEquals(r.counters.metric_series_dropped, 3);
  }
});

/** A telemetryWorkload's messages in event-time order (it lists them pod by pod). */
function byTick(msgs: SignalMessage[], ticks: number): SignalMessage[] {
  const out: SignalMessage[] = [];
  const pods = msgs.length / (2 * ticks);
  for (let k = 0; k < ticks; k++) {
    for (let i = 0; i < pods; i++) out.push(msgs[i * 2 * ticks + 2 * k], msgs[i * 2 * ticks + 2 * k + 1]);
  }
  return out;
}

/** A stand-in for the KV bucket: the latest encoded state per service and the progress of the last snapshot. */
class StateBytes {
  readonly services = new Map<string, Uint8Array>();
  progress: ReducerProgress = { max_event_ms: null, flushed_through_ms: null, position: null };
  gen = 0;
  write(s: ReducerSnapshot): void {
    this.gen++;
    for (const x of s.changed) {
      this.services.set(serviceStateKey(x.tenant, x.service), encodeServiceState(x, this.gen));
    }
    for (const x of s.forgotten) this.services.delete(serviceStateKey(x.tenant, x.service));
    this.progress = s.progress;
  }
  restore(r: WindowReducer<number>): void {
    r.restore(this.progress, [...this.services.values()].map((b) => decodeServiceState(b).state));
  }
}

Deno.test("WindowReducer restored from its snapshot after a crash at any point publishes the records of an uninterrupted run", () => {
  const ticks = 8;
  const msgs = byTick(telemetryWorkload({ ticks, seed: 4 }).messages, ticks);
  const ex = new Extractor({ window_ms: W });
  // the partials as stored on the stream (JSON text, parsed afresh at every delivery)
  const wire = msgs.map((m, i) => {
    const x = ex.extract(m.signal, "default", m.bytes);
    return JSON.stringify({
      v: 1,
      tenant: "default",
      src: `${i}/0`,
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    });
  });
  const key = (r: FeatureRecord) => `${r.service}/${r.window_start_ms}`;
  const options = { window_ms: W, max_out_of_order_ms: 5_000, allowed_lateness_ms: 5_000 };
  /** Runs from partial `from` with reducer `r`, acking released tokens; stops after partial `until`'s close. */
  const run = (
    r: WindowReducer<number>,
    kv: StateBytes,
    acked: Set<number>,
    published: FeatureRecord[],
    range: { from: number; until: number; crash?: "after_publish" | "after_snapshot" },
  ) => {
    for (let i = range.from; i <= range.until; i++) {
      r.accept(JSON.parse(wire[i]), i, { position: i + 1 });
      const last = i === wire.length - 1;
      const { records, releasable } = r.close({ all: last });
      published.push(...records);
      if (i === range.until && range.crash === "after_publish") return;
      if (r.state_changed) kv.write(r.snapshot());
      if (i === range.until && range.crash === "after_snapshot") return;
      for (const t of releasable) acked.add(t);
    }
  };
  const want: FeatureRecord[] = [];
  run(new WindowReducer<number>(options), new StateBytes(), new Set(), want, {
    from: 0,
    until: wire.length - 1,
  });
  assertEquals(want.length, 3 * ticks);
  ok(
    want.some((r) =>
      r.metrics.some((m) =>
        m.name === "requests" && m.rate_per_s !== null && r.window_start_ms > want[0].window_start_ms
      )
    ),
  );
  const byKey = new Map(want.map((r) => [key(r), r]));
  let replayedSomewhere = 0;
  for (let cut = 0; cut < wire.length - 1; cut++) {
    for (const crash of ["after_publish", "after_snapshot"] as const) {
      const kv = new StateBytes();
      const acked = new Set<number>();
      const published: FeatureRecord[] = [];
      run(new WindowReducer<number>(options), kv, acked, published, { from: 0, until: cut, crash });
      // a new reducer: the stored state, then the partials delivered beyond the ack floor, in stream order
      const r = new WindowReducer<number>(options);
      kv.restore(r);
      let floor = 0;
      while (acked.has(floor)) floor++;
      for (let i = floor; i <= cut; i++) {
        r.accept(JSON.parse(wire[i]), acked.has(i) ? undefined : i, { position: i + 1 });
      }
      replayedSomewhere += r.counters.replayed_windows;
      run(r, kv, acked, published, { from: cut + 1, until: wire.length - 1 });
      for (const rec of published) assertEquals(rec, byKey.get(key(rec)), `cut ${cut} ${crash}: ${key(rec)}`);
      assertEquals(new Set(published.map(key)), new Set(byKey.keys()), `cut ${cut} ${crash}`);
      assertEquals(acked.size, wire.length, `cut ${cut} ${crash}: every partial acked in the end`);
      assertEquals(r.counters.too_late_items, 0);
    }
  }
  ok(replayedSomewhere > 0, "no cut re-read a partial whose windows had closed: the test lost its point");
});

Deno.test("WindowReducer without its snapshot after a restart reports different records (what the snapshot is for)", () => {
  const ticks = 5;
  const msgs = byTick(telemetryWorkload({ ticks, seed: 4 }).messages, ticks);
  const ex = new Extractor({ window_ms: W });
  const ps = msgs.map((m, i) => {
    const x = ex.extract(m.signal, "default", m.bytes);
    return JSON.stringify({
      v: 1,
      tenant: "default",
      src: String(i),
      max_event_ms: x.max_event_ms,
      windows: x.windows.map((w) => w.toJSON()),
    });
  });
  const cut = 36; // three ticks: the first window has closed, the next ones are open
  const a = new WindowReducer<number>({ window_ms: W });
  const acked = new Set<number>();
  for (let i = 0; i < cut; i++) {
    a.accept(JSON.parse(ps[i]), i, { position: i + 1 });
    for (const t of a.close().releasable) acked.add(t);
  }
  const snap = a.snapshot();
  ok(acked.size > 0 && snap.changed.length === 3);
  /** The rest of the run for a reducer that was given the partials not acked at the cut. */
  const rest = (r: WindowReducer<number>) => {
    for (let i = 0; i < ps.length; i++) {
      if (i >= cut || !acked.has(i)) r.accept(JSON.parse(ps[i]), i, { position: i + 1 });
    }
    return r.close({ all: true }).records;
  };
  const expected = rest(a);
  const warm = new WindowReducer<number>({ window_ms: W });
  warm.restore(snap.progress, snap.changed.map((s) => decodeServiceState(encodeServiceState(s, 1)).state));
  assertEquals(rest(warm), expected);
  const cold = rest(new WindowReducer<number>({ window_ms: W })).filter((r) =>
    r.window_start_ms >= expected[0].window_start_ms
  );
  assertEquals(cold.length, expected.length);
  ok(JSON.stringify(cold) !== JSON.stringify(expected));
  throws(() => warm.restore(snap.progress, []), /Cannot restore a WindowReducer that has accepted partials/);
});

Deno.test("WindowReducer holds a redelivery of a partial whose windows are open, and releases both deliveries together", () => {
  const t0 = 1_700_000_000_000;
  const x = new Extractor({ window_ms: W }).extract(
    "traces",
    "default",
    traceRequest([{ service: "a", name: "x", kind: 2, start_ms: t0 + 1, duration_ms: 1 }]),
  );
  const p = {
    v: 1 as const,
    tenant: "default",
    src: "1/0",
    max_event_ms: x.max_event_ms,
    windows: [] as never[],
  };
  const r = new WindowReducer<string>({ window_ms: W, max_out_of_order_ms: 0, allowed_lateness_ms: 0 });
  r.accept({ ...p, windows: x.windows.map((w) => w.toJSON()) as never[] }, "first delivery");
  assertEquals(
    r.accept({ ...p, windows: x.windows.map((w) => w.toJSON()) as never[] }, "redelivery").duplicate,
    true,
  );
  assertEquals(r.close().releasable, []); // window still open: acking the redelivery would lose it
  assertEquals(r.held_tokens, 1);
  assertEquals(r.close({ all: true }).releasable, ["first delivery", "redelivery"]);
  r.accept({ ...p, windows: x.windows.map((w) => w.toJSON()) as never[] }, "late redelivery");
  assertEquals(r.close().releasable, ["late redelivery"]); // its windows are closed: ack at once
});

/**
 * Partials as feature workers cut them (src/features/feature_worker.ts), through the binary codec: `batch`
 * aggregates the OTLP messages of the given stream sequences, `message` is one message's partial.
 */
function cutter(messages: Uint8Array[]) {
  const ex = new Extractor({ window_ms: W });
  const parts = { feature_partitions: 1, span_partitions: 1 };
  const msg = (seq: number) => ({
    subject: "otlp.v1.traces.default",
    data: messages[seq - 1],
    stream_seq: seq,
  });
  const features = (out: [string, string, Uint8Array][]) =>
    out.filter(([s]) => s.startsWith("vigil.features.")).map(([, , b]) => decodePartial(b));
  return {
    batch: (seqs: number[]): PartialMessage => {
      const [p, ...rest] = features(batchPartialsFor(ex, seqs.map(msg), parts).out);
      assertEquals(rest, []);
      return p;
    },
    message: (seq: number): PartialMessage => features(partialsFor(ex, msg(seq), parts).out)[0],
  };
}

Deno.test("WindowReducer merges every OTLP message once however batch and message partials regroup it", () => {
  const { messages } = workload({ n_messages: 12, per_message: 30, jitter_ms: 2_000, seed: 5 });
  const seqs = messages.map((_, i) => i + 1);
  const { batch, message } = cutter(messages);
  const want = reduceAll(seqs.map(message), { max_out_of_order_ms: 120_000 });
  const run = (ps: PartialMessage[]) => {
    const r = new WindowReducer<string>({ window_ms: W, max_out_of_order_ms: 120_000 });
    const released: string[] = [];
    ps.forEach((p, i) => {
      r.accept(p, `m${i}`);
      released.push(...r.close().releasable);
    });
    const last = r.close({ all: true });
    released.push(...last.releasable);
    const records = [...last.records].sort((a, b) =>
      a.window_start_ms - b.window_start_ms || (a.service < b.service ? -1 : 1)
    );
    return { records, counters: r.counters, released: released.sort() };
  };
  // fresh partials for every run: a reducer takes over the windows it merges
  const b1 = () => batch([1, 2, 3, 4, 5, 6]), b2 = () => batch([7, 8, 9, 10, 11, 12]);
  ok(b1().covers?.length === 6 && b1().src.startsWith("b/1/0/"));

  // a worker killed after the batch partial was stored: its messages come back redelivered, one partial each
  const redelivered = run([b1(), message(3), message(5), b2(), message(12)]);
  assertEquals(redelivered.records, want);
  assertEquals([redelivered.counters.duplicates, redelivered.counters.overlapping], [3, 0]);
  assertEquals(redelivered.counters.units, 12);
  // every delivery is released, the batches' once their windows closed
  assertEquals(redelivered.released, ["m0", "m1", "m2", "m3", "m4"]);

  // a batch partial stored after a redelivery of one of its messages (a PubAck past the fence): it overlaps
  // and is skipped, and every one of its messages comes as a partial of its own
  const overlapped = run([message(4), b1(), ...[1, 2, 3, 4, 5, 6].map(message), b2()]);
  assertEquals(overlapped.records, want);
  assertEquals([overlapped.counters.duplicates, overlapped.counters.overlapping], [1, 1]);

  // the same batch delivered twice to the reducer (its ack lost) is a plain duplicate
  const twice = run([b1(), b2(), b1()]);
  assertEquals(twice.records, want);
  assertEquals([twice.counters.duplicates, twice.counters.overlapping], [1, 0]);
});
